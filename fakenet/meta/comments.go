package meta

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// Comment is a comment on a post (an Instagram comment, a Threads reply):
// another user's, drawn from the seed, or one of the post owner's own (a
// reply it made, a thread part), as the Instagram and Threads handlers
// serve them.
type Comment struct {
	ID, PostID string
	// ParentID is what it answers: the post, or a comment under it.
	ParentID string
	// TopID is the top-level comment it sits under (itself when it is one).
	TopID        string
	User, UserID string
	Text         string
	Created      time.Time
	Own, Hidden  bool
	// Depth is 0 for a top-level comment, 1 for a reply to one…
	Depth int
}

// simSuffix is the number of digits a simulated comment's id adds to its
// post's: "<post id><1000000 + index>".
const simSuffix = 7

func simCommentID(postID string, i int) string { return postID + strconv.Itoa(1000000+i) }

// ReplyLocked stores the owner's reply r (ReplyTo set: a comment or the
// post) beside the posts: it is a comment, not a post of the account's feed.
func (g *Graph) ReplyLocked(r *Post) { g.replies[r.ID] = r }

// Comments returns the comments on p now, oldest first: sim.CommentsAt's
// (every fourth answers the one before it: a reply), and the owner's own
// replies and thread parts under p, at any depth; deleted ones are left
// out, hidden ones flagged.
func (g *Graph) Comments(p Post) []Comment {
	now := g.s.Config().Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.commentsLocked(p, now)
}

func (g *Graph) commentsLocked(p Post, now time.Time) []Comment {
	var out []Comment
	byID := map[string]*Comment{}
	for _, c := range sim.CommentsAt(g.s.Config().Seed, g.o.Name, p.ID, now.Sub(p.Created)) {
		cm := Comment{ID: simCommentID(p.ID, c.Index), PostID: p.ID, ParentID: p.ID, User: c.Author,
			UserID: strconv.FormatUint(sim.Mix(g.s.Config().Seed, g.o.Name, c.Author)%1e15, 10), Text: c.Text,
			Created: p.Created.Add(c.Age)}
		if c.Index%4 == 3 {
			cm.ParentID = simCommentID(p.ID, c.Index-1)
		}
		out = append(out, cm)
	}
	// The owner's replies and thread parts: whatever answers p or one of
	// its comments, transitively.
	under := map[string]bool{p.ID: true}
	for _, c := range out {
		under[c.ID] = true
	}
	var own []*Post
	for _, m := range []map[string]*Post{g.posts, g.replies} {
		for _, q := range m {
			if q.ReplyTo != "" && !q.Deleted {
				own = append(own, q)
			}
		}
	}
	slices.SortFunc(own, func(a, b *Post) int { return a.Created.Compare(b.Created) })
	for added := true; added; {
		added = false
		for _, q := range own {
			if under[q.ReplyTo] && !under[q.ID] {
				under[q.ID] = true
				added = true
				out = append(out, Comment{ID: q.ID, PostID: p.ID, ParentID: q.ReplyTo, User: q.User, UserID: g.users[q.User].ID,
					Text: q.Text, Created: q.Created, Own: true})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Comment) int { return a.Created.Compare(b.Created) })
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	kept := make([]Comment, 0, len(out))
	for _, c := range out {
		top, depth := &c, 0
		for top.ParentID != p.ID {
			parent, ok := byID[top.ParentID]
			if !ok {
				break
			}
			top, depth = parent, depth+1
		}
		c.TopID, c.Depth = top.ID, depth
		if g.deletedComments[c.ID] || g.deletedComments[c.TopID] {
			continue
		}
		c.Hidden = g.hiddenComments[c.ID] || g.hiddenComments[c.TopID]
		kept = append(kept, c)
	}
	return kept
}

// CommentOf returns the live comment id on one of user's live posts, or
// answers code 100 subcode 33 as the Graph API does for an object it does
// not have.
func (g *Graph) CommentOf(w http.ResponseWriter, id, user string) (Comment, bool) {
	c, ok := g.FindComment(id, user)
	if !ok {
		WriteError(w, http.StatusBadRequest, 100, 33, fmtNoObject(id))
	}
	return c, ok
}

// FindComment returns the live comment id on one of user's live posts.
func (g *Graph) FindComment(id, user string) (Comment, bool) {
	now := g.s.Config().Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	simRoot := func(id string) string {
		if len(id) > simSuffix {
			if _, ok := g.posts[id[:len(id)-simSuffix]]; ok {
				return id[:len(id)-simSuffix]
			}
		}
		return ""
	}
	root := simRoot(id)
	// The owner's reply or thread part: follow what it answers up to the
	// post.
	for cur, hops := id, 0; root == "" && hops < 100; hops++ {
		q, ok := g.replies[cur]
		if !ok {
			q, ok = g.posts[cur]
		}
		if !ok {
			break
		}
		if q.ReplyTo == "" {
			root = q.ID
			break
		}
		cur = q.ReplyTo
		root = simRoot(cur)
	}
	if p, ok := g.posts[root]; ok && !p.Deleted && p.User == user && root != id {
		for _, c := range g.commentsLocked(*p, now) {
			if c.ID == id {
				return c, true
			}
		}
	}
	return Comment{}, false
}

// SetCommentHidden hides (or shows) a comment and the replies under it.
func (g *Graph) SetCommentHidden(id string, hidden bool) {
	g.mu.Lock()
	g.hiddenComments[id] = hidden
	g.mu.Unlock()
}

// DeleteComment deletes a comment and the replies under it.
func (g *Graph) DeleteComment(id string) {
	g.mu.Lock()
	g.deletedComments[id] = true
	g.mu.Unlock()
}
