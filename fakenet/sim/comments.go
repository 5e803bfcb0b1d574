package sim

import (
	"math"
	"time"
)

// Comment is one simulated comment from another user on a published post:
// who wrote it, what, and how long after the post.
type Comment struct {
	Index  int
	Author string // a username, the same for the same (seed, network, post, index)
	Text   string
	Age    time.Duration
}

var commenters = []string{"ana", "bruno", "chloe", "dimitri", "emma", "farid", "gaia", "hugo", "ines", "jonas",
	"kenji", "lea", "malik", "nora", "omar", "paula"}

var commentTexts = []string{
	"Love this, thanks for sharing!",
	"Where can I find more about this?",
	"Great point. We tried something similar last year.",
	"Not sure I agree, but interesting read.",
	"Is there a recording of the event?",
	"This made my day 🙌",
	"Could you share the source for the figures?",
	"Looking forward to the next one.",
	"Check out https://example.com/deal for a better offer",
	"How does this work on mobile?",
}

// CommentsAt returns the comments other users have written on post id of
// network after age, oldest first: as many as EngagementAt's Replies, each
// arriving when that count reached it (the inverse of its curve), with an
// author and a text drawn from a hash of (seed, network, id, index). The
// same inputs give the same comments on every run, and a later age only
// adds comments.
func CommentsAt(seed int64, network, id string, age time.Duration) []Comment {
	n := EngagementAt(seed, network, id, age).Replies
	if n <= 0 {
		return nil
	}
	h := Mix(seed, network, id)
	favAmp := 5 + float64(h%400)
	tau := 20*time.Minute + time.Duration((h>>16)%341)*time.Minute
	replyAmp := favAmp * (0.05 + float64((h>>40)%15)/100)
	out := make([]Comment, 0, n)
	for i := range int(n) {
		// Replies(a) = floor(replyAmp·(1-e^(-a/τ))) reaches i+1 at
		// a = -τ·ln(1-(i+1)/replyAmp).
		frac := float64(i+1) / replyAmp
		a := age
		if frac < 1 {
			a = min(time.Duration(-float64(tau)*math.Log(1-frac)), age)
		}
		c := Mix(seed, network, id, "comment", itoa(i))
		out = append(out, Comment{Index: i, Author: commenters[c%uint64(len(commenters))],
			Text: commentTexts[(c>>8)%uint64(len(commentTexts))], Age: a})
	}
	return out
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
