package sim

import (
	"hash/fnv"
	"math"
	"time"
)

// Engagement is what the simulator reports of one published post.
type Engagement struct {
	Replies    int64 `json:"replies"`
	Reblogs    int64 `json:"reblogs"`
	Favourites int64 `json:"favourites"`
}

// EngagementAt returns the engagement of post id on network after age,
// for the given seed: zero at age 0, then rising along a saturating curve
// 1-e^(-age/τ) towards an amplitude. Amplitude (at least 5 favourites) and
// τ (20 minutes to 6 hours) come from a hash of (seed, network, id), so
// the numbers never decrease with age and are the same on every run.
func EngagementAt(seed int64, network, id string, age time.Duration) Engagement {
	if age <= 0 {
		return Engagement{}
	}
	h := Mix(seed, network, id)
	favAmp := 5 + float64(h%400)                                   // 5..404
	tau := 20*time.Minute + time.Duration((h>>16)%341)*time.Minute // 20 min..6 h
	reblogShare := 0.1 + float64((h>>32)%30)/100                   // 10..39 % of favourites
	replyShare := 0.05 + float64((h>>40)%15)/100                   // 5..19 %
	f := 1 - math.Exp(-float64(age)/float64(tau))
	return Engagement{
		Favourites: int64(favAmp * f),
		Reblogs:    int64(favAmp * reblogShare * f),
		Replies:    int64(favAmp * replyShare * f),
	}
}

// FollowersAt returns an account's follower count after age: a base from
// the hash of (seed, network, username) plus a growth that saturates over
// about a month.
func FollowersAt(seed int64, network, username string, age time.Duration) int64 {
	h := Mix(seed, network, "@"+username)
	base := 10 + int64(h%990)
	growth := 50 + float64((h>>20)%2000)
	if age <= 0 {
		return base
	}
	return base + int64(growth*(1-math.Exp(-age.Hours()/(24*30))))
}

// Mix hashes its inputs into 64 well-mixed bits (FNV-1a, then SplitMix64's
// finaliser).
func Mix(seed int64, parts ...string) uint64 {
	f := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(uint64(seed) >> (8 * i))
	}
	_, _ = f.Write(b[:])
	for _, p := range parts {
		_, _ = f.Write([]byte(p))
		_, _ = f.Write([]byte{0})
	}
	z := f.Sum64()
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
