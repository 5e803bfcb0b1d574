package listening

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
)

// CommunityQuery is the period (and network) of a community leaderboard.
type CommunityQuery struct {
	From, To time.Time
	// Network: only the items read from this network ("" every network).
	Network string
}

// CommunityMember is one outside person's line on the community
// leaderboard.
type CommunityMember struct {
	Rank    int                `json:"rank"`
	Network string             `json:"network"`
	Author  rythme.InboxAuthor `json:"author"`
	// Contributions = Comments + Replies + Mentions: what they wrote to the
	// workspace's accounts in the period.
	Contributions int `json:"contributions"`
	Comments      int `json:"comments"`
	Replies       int `json:"replies"`
	Mentions      int `json:"mentions"`
	// Posts is the number of the workspace's posts they commented under.
	Posts  int       `json:"posts"`
	LastAt time.Time `json:"last_at"`
}

// CommunityDefinition says, in words for the dashboard and the docs, what
// the community leaderboard counts.
const CommunityDefinition = "The people outside the team who wrote most to its accounts in the period: the comments " +
	"on its posts, the replies under those comments and the mentions of its accounts read into the inbox, by when the " +
	"network says they were written. Each person is a handle on a network (the same name on two networks is two " +
	"people). The accounts' own comments are never read into the inbox, so they are not counted. Shares are not " +
	"counted: none of the networks' APIs rythme reads names who shared a post, only how many did."

// Community ranks the people who wrote the workspace's inbox items in
// [q.From, q.To) (EINVALID when the period is empty or the network
// unknown): by contributions (highest first), then comments, then the
// number of posts commented, then the most recent last item, then network
// and handle (byte order); Rank is 1 for the first, with no two equal.
func (s *Service) Community(ctx context.Context, ws string, q CommunityQuery) ([]CommunityMember, error) {
	if !q.To.After(q.From) {
		return nil, rythme.Invalid(rythme.FieldError{Field: "to", Message: "must be after from"})
	}
	if q.Network != "" && !s.knownNetwork(q.Network) {
		return nil, rythme.Invalid(rythme.FieldError{Field: "network", Message: "is not a network this server knows (see GET /v1/networks)"})
	}
	counts, err := s.store.CountInboxAuthors(ctx, ws, rythme.InboxAuthorFilter{From: q.From, To: q.To, Network: q.Network})
	if err != nil {
		return nil, err
	}
	out := make([]CommunityMember, 0, len(counts))
	for _, c := range counts {
		out = append(out, CommunityMember{Network: c.Network, Author: c.Author, Contributions: c.Comments + c.Replies + c.Mentions,
			Comments: c.Comments, Replies: c.Replies, Mentions: c.Mentions, Posts: c.Posts, LastAt: c.LastAt.UTC()})
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := &out[i], &out[j]
		switch {
		case x.Contributions != y.Contributions:
			return x.Contributions > y.Contributions
		case x.Comments != y.Comments:
			return x.Comments > y.Comments
		case x.Posts != y.Posts:
			return x.Posts > y.Posts
		case !x.LastAt.Equal(y.LastAt):
			return x.LastAt.After(y.LastAt)
		case x.Network != y.Network:
			return x.Network < y.Network
		}
		return strings.ToLower(x.Author.Handle) < strings.ToLower(y.Author.Handle)
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out, nil
}

// knownNetwork reports whether name is one of the registry's networks (any
// short name when the Service has no registry).
func (s *Service) knownNetwork(name string) bool {
	if s.conns == nil {
		return len(name) <= 40
	}
	_, err := s.conns.Get(name)
	return err == nil
}
