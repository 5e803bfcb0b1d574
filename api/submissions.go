package api

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
	"github.com/rythmehq/rythme/reports"
)

// submissionRequest is POST /v1/campaigns/{id}/submissions: a post for
// the week open now. Targets only carry variants: the accounts are the
// challenge's. ScheduledAt is the time the member would like it out
// (default: when the week closes); the manager who picks it decides.
type submissionRequest struct {
	Content     string        `json:"content"`
	Media       []string      `json:"media"`
	Thread      []string      `json:"thread"`
	Tags        []string      `json:"tags"`
	Format      string        `json:"format"`
	Author      string        `json:"author"`
	ScheduledAt string        `json:"scheduled_at"`
	Targets     []targetInput `json:"targets"`
}

// submitToChallenge is POST /v1/campaigns/{id}/submissions: the post is
// stored for the week open now, waiting for a manager to pick it
// (posting.Planner.Submit).
func (s *server) submitToChallenge(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	var req submissionRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.plans.Submit(c.Request.Context(), actor(c), workspace(c), id, posting.Submission{Content: req.Content,
		Media: req.Media, Thread: req.Thread, Tags: req.Tags, Format: req.Format, Author: req.Author,
		ScheduledAt: req.ScheduledAt, Targets: req.Targets})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, postOut(p))
}

// listSubmissions is GET /v1/campaigns/{id}/submissions?week=&author=:
// the challenge's submissions, paged as GET /v1/posts.
func (s *server) listSubmissions(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	var fe fieldErrors
	f := rythme.PostFilter{CampaignID: id, Author: c.Query("author"), Cursor: c.Query("cursor")}
	var week calendars.ISOWeek
	if v := c.Query("week"); v != "" {
		w, err := calendars.ParseISOWeek(v)
		if err != nil {
			fe.add("week", "%s", calendars.ErrWeek.Error())
		}
		week, f.ChallengeWeek = w, w.String()
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			fe.add("limit", "must be a whole number from 1 to 200")
		}
		f.Limit = n
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	_, plan, err := s.plans.Challenge(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if f.ChallengeWeek != "" {
		if _, has := plan.Week(week); !has {
			s.fail(c, rythme.Invalid(rythme.FieldError{Field: "week", Message: "is not a week of this challenge"}))
			return
		}
	}
	s.postPage(c, f)
}

// pickRequest is POST /v1/campaigns/{id}/submissions/{post_id}/pick.
type pickRequest struct {
	// ScheduledAt: RFC 3339, "now" or "next_slot"; default the
	// submission's time when it is still ahead.
	ScheduledAt string `json:"scheduled_at"`
	Comment     string `json:"comment"`
}

// pickSubmission is POST /v1/campaigns/{id}/submissions/{post_id}/pick:
// the submission approved and scheduled, recorded as picked
// (posting.Planner.Pick).
func (s *server) pickSubmission(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	postID, ok := s.pathID(c, "post_id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	var req pickRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			s.fail(c, err)
			return
		}
	}
	p, err := s.plans.Pick(c.Request.Context(), actor(c), workspace(c), id, postID, req.ScheduledAt, req.Comment)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, postOut(p))
}

// submissionCounts adds, for a challenge's leaderboard, each author's
// submissions and picked posts (from the store): authors who submitted
// and earned nothing yet get a row too, ranked as the leaderboard ranks
// (engagement, then rate, then name).
func (s *server) submissionCounts(c *gin.Context, camp *rythme.Campaign, rows []leaderRow) ([]leaderRow, error) {
	posts, err := s.plans.CampaignPosts(c.Request.Context(), camp.WorkspaceID, camp.ID)
	if err != nil {
		return nil, err
	}
	subs, picked := map[string]int{}, map[string]int{}
	for _, p := range posts {
		if p.ChallengeWeek == "" || p.Author == "" {
			continue
		}
		subs[p.Author]++
		if p.Review == rythme.ReviewApproved {
			picked[p.Author]++
		}
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Author] = true
	}
	for author := range subs {
		if !seen[author] {
			rows = append(rows, leaderRow{Author: author, Basis: reports.BasisNone, PostIDs: []string{}})
		}
	}
	for i := range rows {
		n, k := subs[rows[i].Author], picked[rows[i].Author]
		rows[i].Submissions, rows[i].Picked = &n, &k
	}
	sort.SliceStable(rows, func(i, j int) bool {
		x, y := rows[i], rows[j]
		if x.Engagement != y.Engagement {
			return x.Engagement > y.Engagement
		}
		if (x.EngagementRate == nil) != (y.EngagementRate == nil) {
			return x.EngagementRate != nil
		}
		if x.EngagementRate != nil && *x.EngagementRate != *y.EngagementRate {
			return *x.EngagementRate > *y.EngagementRate
		}
		return x.Author < y.Author
	})
	for i := range rows {
		rows[i].Rank = i + 1
	}
	return rows, nil
}
