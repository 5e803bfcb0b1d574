package sim

import (
	"fmt"
	"time"
)

// PastPost is one of a user's earlier posts: published Age before the
// user was first seen.
type PastPost struct {
	Age  time.Duration
	Text string
}

// History returns the posts a user published over the days before it was
// first seen, oldest first: one every one to three days (from the hash of
// seed, network, username and the post's place), each at a time of day of
// its own, never within the last day. The same inputs give the same posts.
func History(seed int64, network, username string, days int) []PastPost {
	if days <= 0 {
		return nil
	}
	var out []PastPost
	day := 1
	for i := 0; ; i++ {
		h := Mix(seed, network, "history", username, fmt.Sprint(i))
		day += int(h % 3) // 1 to 3 days apart
		if day > days {
			break
		}
		age := time.Duration(day)*24*time.Hour - time.Duration((h>>8)%(12*60))*time.Minute
		out = append(out, PastPost{Age: age, Text: fmt.Sprintf("Earlier post #%d of @%s, from %d days ago.", i+1, username, day)})
		day++
	}
	// Oldest first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
