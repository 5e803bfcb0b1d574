package sim

import (
	"math"
	"time"
)

// PollVotesAt returns the votes of each of n options of poll id on network
// after age, for the given seed: no vote at age 0, then voters arriving
// along a saturating curve 1-e^(-age/τ) until the poll closes at duration
// (no vote after). The number of voters (3 to 202), τ (10 minutes to 3
// hours) and each option's share come from a hash of (seed, network, id),
// so the counts never decrease with age and are the same on every run. A
// voter of a multiple-choice poll picks one or two options. voters is how
// many voted.
func PollVotesAt(seed int64, network, id string, n int, multiple bool, age, duration time.Duration) (votes []int64, voters int64) {
	votes = make([]int64, n)
	if age <= 0 || n == 0 {
		return votes, 0
	}
	if duration > 0 && age > duration {
		age = duration
	}
	h := Mix(seed, network, "poll", id)
	amp := 3 + float64(h%200)
	tau := 10*time.Minute + time.Duration((h>>12)%171)*time.Minute
	voters = int64(amp * (1 - math.Exp(-float64(age)/float64(tau))))
	weights := make([]float64, n)
	var sum float64
	for i := range weights {
		weights[i] = 1 + float64(Mix(seed, network, "poll", id, string(rune('a'+i)))%9)
		sum += weights[i]
	}
	// Voters go to options by their weights, largest remainders last: the
	// counts add up to the voters exactly.
	left := voters
	for i := range votes {
		votes[i] = int64(float64(voters) * weights[i] / sum)
		left -= votes[i]
	}
	for i := 0; left > 0; i = (i + 1) % n {
		votes[i]++
		left--
	}
	if multiple {
		// About one voter in four picks a second option, the next one.
		for i := range votes {
			votes[(i+1)%n] += votes[i] / 4
		}
	}
	return votes, voters
}
