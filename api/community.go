package api

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme/listening"
)

// communityRow is one line of the community leaderboard, flat so that the
// CSV has the same columns, under the same names.
type communityRow struct {
	Rank          int    `json:"rank"`
	Network       string `json:"network"`
	Handle        string `json:"handle"`
	DisplayName   string `json:"display_name"`
	ProfileURL    string `json:"profile_url"`
	Contributions int    `json:"contributions"`
	Comments      int    `json:"comments"`
	Replies       int    `json:"replies"`
	Mentions      int    `json:"mentions"`
	Posts         int    `json:"posts"`
	LastAt        string `json:"last_at"`
}

// communityReport is GET /v1/reports/community?from=&to=&tz=&network=
// (listening.Service.Community): the outside people who wrote most to the
// workspace's accounts in the period, beside the authors' leaderboard.
func (s *server) communityReport(c *gin.Context) {
	zone, ok := s.reportZone(c)
	if !ok {
		return
	}
	var fe fieldErrors
	from, to := dateSpan(c, zone, s.now(), &fe)
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	members, err := s.listening.Community(c.Request.Context(), workspace(c), listening.CommunityQuery{From: from, To: to, Network: c.Query("network")})
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := make(communityTable, 0, len(members))
	for _, m := range members {
		rows = append(rows, communityRow{Rank: m.Rank, Network: m.Network, Handle: m.Author.Handle, DisplayName: m.Author.DisplayName,
			ProfileURL: m.Author.ProfileURL, Contributions: m.Contributions, Comments: m.Comments, Replies: m.Replies,
			Mentions: m.Mentions, Posts: m.Posts, LastAt: m.LastAt.Format(time.RFC3339)})
	}
	s.respond(c, "community", gin.H{"from": from, "to": to, "definition": listening.CommunityDefinition, "rows": rows}, rows)
}

// communityTable is the community leaderboard's CSV.
type communityTable []communityRow

func (t communityTable) Table() [][]string {
	out := [][]string{{"rank", "network", "handle", "display_name", "profile_url", "contributions", "comments", "replies",
		"mentions", "posts", "last_at"}}
	for _, r := range t {
		out = append(out, []string{strconv.Itoa(r.Rank), r.Network, r.Handle, r.DisplayName, r.ProfileURL,
			strconv.Itoa(r.Contributions), strconv.Itoa(r.Comments), strconv.Itoa(r.Replies), strconv.Itoa(r.Mentions),
			strconv.Itoa(r.Posts), r.LastAt})
	}
	return out
}
