package api

import (
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
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
// stored for the week open now, its targets the challenge's accounts in
// draft, waiting for a manager to pick it (review pending). 409 when no
// week is open, or the challenge was cancelled.
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
	camp, plan, ok := s.liveChallenge(c, id)
	if !ok {
		return
	}
	now, ws, a := s.now(), workspace(c), actor(c)
	week, open := plan.Current(now)
	if !open {
		s.fail(c, challengeClosed(camp, plan, now))
		return
	}
	var fe fieldErrors
	_, at := calendars.Window(week.Week, plan.location())
	at = at.UTC()
	if req.ScheduledAt != "" {
		at = parseWhen(&fe, "scheduled_at", req.ScheduledAt, now)
	}
	author := strings.TrimSpace(req.Author)
	if author == "" {
		author = a.Name
	}
	format := req.Format
	if format == "" {
		format = plan.Format
	}
	checkFormat(&fe, "format", req.Format)
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: req.Content, ScheduledAt: at,
		Timezone: plan.Zone, Tags: req.Tags, Media: req.Media, Thread: req.Thread, Author: author, CampaignID: camp.ID,
		Format: format, ChallengeWeek: week.Week.String(), Review: rythme.ReviewPending, CreatedBy: a.ID,
		CreatedAt: now, UpdatedAt: now}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Media == nil {
		p.Media = []string{}
	}
	if p.Thread == nil {
		p.Thread = []string{}
	}
	// Variants name the challenge's accounts; reqIndex maps an account
	// to its place in the request, for field paths.
	reqIndex := map[string]int{}
	for i, in := range req.Targets {
		field := fmt.Sprintf("targets[%d].account_id", i)
		switch _, dup := reqIndex[in.AccountID]; {
		case in.AccountID == "":
			fe.add(field, "is required")
		case !slices.Contains(plan.Targets, in.AccountID):
			fe.add(field, "is not an account of this challenge (%s)", strings.Join(plan.Targets, ", "))
		case dup:
			fe.add(field, "is listed twice")
		default:
			reqIndex[in.AccountID] = i
		}
	}
	accounts := map[string]*rythme.Account{}
	for _, accID := range plan.Targets {
		acc, err := s.account(c.Request.Context(), accounts, ws, accID)
		if err != nil {
			s.fail(c, err)
			return
		}
		t := &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: ws, AccountID: accID,
			Status: rythme.TargetDraft, Version: 1, ScheduledAt: at, CreatedAt: now, UpdatedAt: now}
		if acc != nil {
			t.Network = acc.Network
		}
		if i, ok := reqIndex[accID]; ok {
			t.Content = req.Targets[i].Content
		}
		p.Targets = append(p.Targets, t)
	}
	var pfe fieldErrors
	s.validatePost(c.Request.Context(), &pfe, p, false)
	for _, f := range pfe {
		fe.add(requestTargetField(f.Field, p, reqIndex), "%s", f.Message)
	}
	media, err := s.loadMedia(c.Request.Context(), ws, p.Media, &fe)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.checkMedia(c.Request.Context(), &fe, p, media, false)
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	p.Record(a, "submitted", fmt.Sprintf("challenge %s week %s", camp.Name, week.Week), now)
	if err := s.store.CreatePost(c.Request.Context(), p); err != nil {
		s.fail(c, fmt.Errorf("api: create submission: %w", err))
		return
	}
	c.JSON(http.StatusCreated, postOut(p))
}

// requestTargetField turns a field path on the post's targets
// ("targets[2].content", in the challenge's order) into one on the
// request's targets.
func requestTargetField(field string, p *rythme.Post, reqIndex map[string]int) string {
	rest, ok := strings.CutPrefix(field, "targets[")
	if !ok {
		return field
	}
	n, tail, ok := strings.Cut(rest, "]")
	j, err := strconv.Atoi(n)
	if !ok || err != nil || j < 0 || j >= len(p.Targets) {
		return field
	}
	if i, ok := reqIndex[p.Targets[j].AccountID]; ok {
		return fmt.Sprintf("targets[%d]%s", i, tail)
	}
	return "targets" // the challenge's account, not in the request
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
	_, plan, ok := s.challenge(c, id)
	if !ok {
		return
	}
	if f.ChallengeWeek != "" {
		if _, has := plan.week(week); !has {
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

// pickSubmission approves a submission waiting for review and schedules
// its targets (enqueued as approvePost does), recording "picked". 404
// for a post not submitted to this challenge; 409 when it is not waiting
// for review or the challenge was cancelled.
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
	camp, plan, ok := s.liveChallenge(c, id)
	if !ok {
		return
	}
	ctx, ws, now, a := c.Request.Context(), workspace(c), s.now(), actor(c)
	var fe fieldErrors
	var at time.Time
	var slotAccounts []*rythme.Account
	switch req.ScheduledAt {
	case "":
	case NextSlot:
		accounts := map[string]*rythme.Account{}
		for _, accID := range plan.Targets {
			acc, err := s.account(ctx, accounts, ws, accID)
			if err != nil {
				s.fail(c, err)
				return
			}
			if _, _, ok := slotsOf(acc); !ok {
				name := accID
				if acc != nil {
					name = "@" + acc.Username
				}
				fe.add("scheduled_at", "account %s has no posting slots (PUT /v1/accounts/{id}/schedule)", name)
				continue
			}
			slotAccounts = append(slotAccounts, acc)
		}
		if len(fe) == 0 {
			var err error
			if at, err = s.nextSlot(ctx, ws, slotAccounts, now); err != nil {
				s.fail(c, err)
				return
			}
		}
	default:
		at = parseWhen(&fe, "scheduled_at", req.ScheduledAt, now)
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	slotted := req.ScheduledAt == NextSlot
	var p *rythme.Post
	for try := 0; ; try++ {
		var refused error // the post's own answer, not a lost slot
		var err error
		p, err = s.store.UpdatePost(ctx, ws, postID, func(p *rythme.Post) error {
			refused = s.pick(p, camp, req.Comment, at, slotted, a, now)
			return refused
		})
		if err == nil {
			break
		}
		if refused == nil && slotted && rythme.ErrorCode(err) == rythme.ECONFLICT && try < maxSlotTries {
			// Another post took that slot meanwhile (the store refuses
			// two in one slot): take the next one.
			time.Sleep(time.Duration(mrand.IntN(20)+1) * time.Millisecond)
			if at, err = s.nextSlot(ctx, ws, slotAccounts, now); err != nil {
				s.fail(c, err)
				return
			}
			continue
		}
		s.fail(c, fmt.Errorf("api: pick submission: %w", err))
		return
	}
	s.enqueue(c, s.dueRefs(p))
	c.JSON(http.StatusOK, postOut(p))
}

// submissionCounts adds, for a challenge's leaderboard, each author's
// submissions and picked posts (from the store): authors who submitted
// and earned nothing yet get a row too, ranked as the leaderboard ranks
// (engagement, then rate, then name).
func (s *server) submissionCounts(c *gin.Context, camp *rythme.Campaign, rows []leaderRow) ([]leaderRow, error) {
	posts, err := s.campaignPosts(c, camp.ID)
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

// pick approves a challenge's submission p at at (zero: its own time) and
// records it as picked; slotted: at is a posting slot its targets take.
func (s *server) pick(p *rythme.Post, camp *rythme.Campaign, comment string, at time.Time, slotted bool, a rythme.Actor, now time.Time) error {
	if p.CampaignID != camp.ID || p.ChallengeWeek == "" {
		return rythme.Errorf(rythme.ENOTFOUND, "post %s is not a submission to challenge %q", p.ID, camp.Name)
	}
	switch p.Review {
	case rythme.ReviewPending:
	case rythme.ReviewApproved:
		return rythme.Errorf(rythme.ECONFLICT, "submission %s was already picked", p.ID)
	default:
		return rythme.Errorf(rythme.ECONFLICT, "submission %s is %s: only a submission waiting for review can be picked", p.ID, p.Review)
	}
	when := at
	if when.IsZero() {
		if !p.ScheduledAt.After(now) {
			return rythme.Invalid(rythme.FieldError{Field: "scheduled_at",
				Message: "is required: the submission's time (" + p.ScheduledAt.Format(time.RFC3339) + ") has passed"})
		}
		when = p.ScheduledAt
	}
	p.ScheduledAt = when
	for _, t := range p.Targets {
		if t.Status == rythme.TargetDraft {
			t.ScheduledAt, t.Slotted = when, slotted
		}
	}
	if err := p.Approve(a, comment, now); err != nil {
		return err
	}
	// Approve recorded "approved": this approval is a pick.
	ev := &p.NewEvents[len(p.NewEvents)-1]
	ev.Action = "picked"
	ev.Comment = strings.TrimSpace(fmt.Sprintf("challenge %s week %s. %s", camp.Name, p.ChallengeWeek, comment))
	return nil
}
