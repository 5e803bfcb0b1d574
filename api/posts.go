package api

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/connectors"
)

// targetInput is one target of a create or edit request.
type targetInput struct {
	AccountID string `json:"account_id"`
	Content   string `json:"content"`
}

type createPostRequest struct {
	Content     string        `json:"content"`
	ScheduledAt string        `json:"scheduled_at"` // RFC 3339 with an offset, or "now"
	Timezone    string        `json:"timezone"`
	Targets     []targetInput `json:"targets"`
	Tags        []string      `json:"tags"`
	Media       []string      `json:"media"`
	Thread      []string      `json:"thread"`
	Author      string        `json:"author"`
	// Draft keeps the post out of the queue until it is submitted.
	Draft bool `json:"draft"`
	// Recurrence makes it a recurring post: an RFC 5545 RRULE with COUNT
	// or UNTIL, recurring from scheduled_at on the wall clock of timezone.
	Recurrence string `json:"recurrence"`
}

type updatePostRequest struct {
	Content     *string       `json:"content"`
	ScheduledAt *string       `json:"scheduled_at"`
	Timezone    *string       `json:"timezone"`
	Tags        *[]string     `json:"tags"`
	Media       *[]string     `json:"media"`
	Thread      *[]string     `json:"thread"`
	Author      *string       `json:"author"`
	Targets     []targetInput `json:"targets"`
}

type resolveRequest struct {
	Outcome     string `json:"outcome"`
	ScheduledAt string `json:"scheduled_at"`
	URL         string `json:"url"`
}

// postJSON is a post as the API shows it: with its summary status.
type postJSON struct {
	*rythme.Post
	Status string `json:"status"`
	// Adjustments: on a post put in the next slot, how a DST change moved
	// that slot's wall time (see docs/calendar.md).
	Adjustments []calendars.Adjustment `json:"adjustments,omitempty"`
}

func postOut(p *rythme.Post) postJSON {
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Targets == nil {
		p.Targets = []*rythme.Target{}
	}
	return postJSON{Post: p, Status: p.Status()}
}

// fieldErrors collects field errors in order.
type fieldErrors []rythme.FieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, rythme.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (fe fieldErrors) has(field string) bool {
	for _, f := range fe {
		if f.Field == field {
			return true
		}
	}
	return false
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return rythme.Invalid(fe...)
}

// parseWhen parses a time of the request (calendars.ParseTime: RFC 3339
// with an offset, or "now"), reporting a bad one on field.
func parseWhen(fe *fieldErrors, field, v string, now time.Time) time.Time {
	at, err := calendars.ParseTime(v, now)
	if err != nil {
		fe.add(field, "%s", err.Error())
	}
	return at
}

// checkContent adds what Post.Validate does not say the way a user needs
// it: the post's content is required unless every target has a variant.
func checkContent(fe *fieldErrors, p *rythme.Post) {
	if strings.TrimSpace(p.Content) != "" {
		return
	}
	for _, t := range p.Targets {
		if strings.TrimSpace(t.Content) == "" {
			fe.add("content", "is required (or give every target its own content)")
			return
		}
	}
	if len(p.Targets) == 0 {
		fe.add("content", "is required")
	}
}

// loadMedia returns the workspace's media with the given ids, reporting
// unknown ones on media[i].
func (s *server) loadMedia(ctx context.Context, ws string, ids []string, fe *fieldErrors) ([]*rythme.Media, error) {
	out := make([]*rythme.Media, 0, len(ids))
	for i, id := range ids {
		if !rythme.ValidID(rythme.PrefixMedia, id) {
			continue // Post.Validate says so
		}
		m, err := s.store.GetMedia(ctx, ws, id)
		if rythme.ErrorCode(err) == rythme.ENOTFOUND {
			fe.add(fmt.Sprintf("media[%d]", i), "no such media in this workspace (upload it with POST /v1/media)")
			continue
		} else if err != nil {
			return nil, fmt.Errorf("api: get media: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

// checkMedia reports on "media" what a target's network refuses of the
// post's media (only editable targets when editing).
func (s *server) checkMedia(ctx context.Context, fe *fieldErrors, p *rythme.Post, media []*rythme.Media, editableOnly bool) {
	seen := map[string]bool{}
	accts := s.targetAccounts(ctx, p)
	for _, t := range p.Targets {
		if t.Network == "" || (editableOnly && !t.Editable()) {
			continue
		}
		conn, err := s.cfg.Connectors.Get(t.Network)
		if err != nil {
			continue // validatePost says so
		}
		for _, msg := range rythme.CheckMedia(connectors.LimitsFor(conn, accts[t.AccountID]), media) {
			if !seen[msg] {
				seen[msg] = true
				fe.add("media", "%s", msg)
			}
		}
	}
}

// validatePost runs the domain's checks and each network's rules on the
// text every target will publish (only editable targets when editing),
// against the limits of each target's account's server where it has its own.
func (s *server) validatePost(ctx context.Context, fe *fieldErrors, p *rythme.Post, editableOnly bool) {
	accts := s.targetAccounts(ctx, p)
	checkContent(fe, p)
	if err := p.Validate(); err != nil {
		for _, f := range rythme.ErrorFields(err) {
			if fe.has("content") && strings.HasPrefix(f.Message, "content is empty") {
				continue // said once, on "content"
			}
			if !fe.has(f.Field) {
				*fe = append(*fe, f)
			}
		}
	}
	seen := map[string]bool{}
	for i, t := range p.Targets {
		if t.Network == "" || (editableOnly && !t.Editable()) {
			continue
		}
		conn, err := s.cfg.Connectors.Get(t.Network)
		if err != nil {
			fe.add(fmt.Sprintf("targets[%d].account_id", i), "network %s is not supported by this server", t.Network)
			continue
		}
		text := p.TextFor(t)
		if strings.TrimSpace(text) == "" {
			continue
		}
		field := "content"
		if t.Content != "" {
			field = fmt.Sprintf("targets[%d].content", i)
		}
		for _, msg := range connectors.ValidateFor(conn, accts[t.AccountID], text) {
			key := field + "\x00" + t.Network + "\x00" + msg
			if !seen[key] {
				seen[key] = true
				fe.add(field, "%s: %s", conn.Info().Title, msg)
			}
		}
		if len(p.Thread) > 0 && !conn.Info().Threads {
			if key := "thread\x00" + t.Network; !seen[key] {
				seen[key] = true
				fe.add("thread", "%s does not publish threads: drop the thread or this target", conn.Info().Title)
			}
			continue
		}
		for j, part := range p.Thread {
			for _, msg := range connectors.ValidateFor(conn, accts[t.AccountID], part) {
				f := fmt.Sprintf("thread[%d]", j)
				if key := f + "\x00" + t.Network + "\x00" + msg; !seen[key] {
					seen[key] = true
					fe.add(f, "%s: %s", conn.Info().Title, msg)
				}
			}
		}
	}
}

func (s *server) createPost(c *gin.Context) {
	var req createPostRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	now, ws := s.now(), workspace(c)
	var fe fieldErrors
	slotted := req.ScheduledAt == NextSlot
	var at time.Time
	if slotted {
		at = now.Add(24 * time.Hour) // a placeholder until the slot is found (validation needs a time)
	} else {
		at = parseWhen(&fe, "scheduled_at", req.ScheduledAt, now)
	}
	p := &rythme.Post{
		ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: req.Content, ScheduledAt: at,
		Timezone: req.Timezone, Tags: req.Tags, Media: req.Media, Thread: req.Thread, Author: req.Author, CreatedBy: tokenOf(c).ID,
		CreatedAt: now, UpdatedAt: now,
	}
	if p.Media == nil {
		p.Media = []string{}
	}
	if p.Thread == nil {
		p.Thread = []string{}
	}
	if p.Timezone == "" {
		p.Timezone = "UTC"
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	accounts := map[string]*rythme.Account{}
	for i, in := range req.Targets {
		t := &rythme.Target{
			ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: ws, AccountID: in.AccountID,
			Content: in.Content, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at,
			CreatedAt: now, UpdatedAt: now,
		}
		p.Targets = append(p.Targets, t)
		if in.AccountID == "" || len(req.Targets) > rythme.MaxTargets {
			continue
		}
		acc, err := s.account(ctx, accounts, ws, in.AccountID)
		if err != nil {
			s.fail(c, err)
			return
		}
		field := fmt.Sprintf("targets[%d].account_id", i)
		if slotted && acc != nil {
			if _, _, ok := slotsOf(acc); !ok {
				fe.add(field, "account @%s has no posting slots (PUT /v1/accounts/{id}/schedule)", acc.Username)
			}
		}
		if msg := unusable(acc); msg != "" {
			fe.add(field, "%s", msg)
		}
		if acc != nil {
			t.Network = acc.Network
		}
	}
	s.validatePost(c.Request.Context(), &fe, p, false)
	media, err := s.loadMedia(ctx, ws, p.Media, &fe)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.checkMedia(c.Request.Context(), &fe, p, media, false)
	var rule *calendars.Rule
	if req.Recurrence != "" {
		if slotted {
			fe.add("recurrence", "cannot be combined with scheduled_at %q: give the first time", NextSlot)
		} else if !fe.has("scheduled_at") && !fe.has("timezone") {
			rule = parseRecurrence(&fe, req.Recurrence, p.ScheduledAt, p.Timezone)
		}
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	wsp, err := s.store.GetWorkspace(ctx, ws)
	if err != nil {
		s.fail(c, fmt.Errorf("api: get workspace: %w", err))
		return
	}
	a := actor(c)
	needsApproval := wsp.NeedsApproval(a.Role)
	if rule != nil {
		s.createSeries(c, p, rule, seriesReview(req.Draft, needsApproval))
		return
	}
	if req.Draft || needsApproval {
		p.MakeDraft()
	}
	p.Record(a, "created", "", now)
	if slotted {
		if err := s.createInSlot(ctx, p, accounts, now); err != nil {
			s.fail(c, err)
			return
		}
	} else if err := s.store.CreatePost(ctx, p); err != nil {
		s.fail(c, fmt.Errorf("api: create post: %w", err))
		return
	}
	s.enqueue(c, s.dueRefs(p))
	out := postOut(p)
	if slotted {
		var accts []*rythme.Account
		for _, t := range p.Targets {
			accts = append(accts, accounts[t.AccountID])
		}
		out.Adjustments = slotAdjustments(accts, p.ScheduledAt)
	}
	c.JSON(http.StatusCreated, out)
}

// createInSlot gives the post the next free slot of its accounts and
// stores it; when another request took that slot meanwhile (the store
// refuses a second post in one slot), it takes the next.
func (s *server) createInSlot(ctx context.Context, p *rythme.Post, accounts map[string]*rythme.Account, now time.Time) error {
	var accts []*rythme.Account
	for _, t := range p.Targets {
		accts = append(accts, accounts[t.AccountID])
	}
	for try := 0; ; try++ {
		at, err := s.nextSlot(ctx, p.WorkspaceID, accts, now)
		if err != nil {
			return err
		}
		p.ScheduledAt = at
		for _, t := range p.Targets {
			t.ScheduledAt, t.Slotted = at, true
		}
		err = s.store.CreatePost(ctx, p)
		if err == nil || rythme.ErrorCode(err) != rythme.ECONFLICT || try == maxSlotTries {
			if err != nil {
				return fmt.Errorf("api: create post in a slot: %w", err)
			}
			return nil
		}
		// Lost the slot to another request: let the winners commit, then
		// look again.
		time.Sleep(time.Duration(mrand.IntN(20)+1) * time.Millisecond)
	}
}

// unusable says why acc cannot take posts ("" when it can): it is not an
// account of the workspace (nil), or it is not connected.
func unusable(acc *rythme.Account) string {
	switch {
	case acc == nil:
		return "no such account in this workspace"
	case acc.Status != rythme.AccountConnected:
		return fmt.Sprintf("account @%s is %s: reconnect it first", acc.Username, acc.Status)
	}
	return ""
}

// account returns the workspace's account id (cached in seen), or nil
// when there is none.
func (s *server) account(ctx context.Context, seen map[string]*rythme.Account, ws, id string) (*rythme.Account, error) {
	if acc, ok := seen[id]; ok {
		return acc, nil
	}
	if !rythme.ValidID(rythme.PrefixAccount, id) {
		seen[id] = nil
		return nil, nil
	}
	acc, err := s.store.GetAccount(ctx, ws, id)
	if rythme.ErrorCode(err) == rythme.ENOTFOUND {
		acc, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("api: get account: %w", err)
	}
	seen[id] = acc
	return acc, nil
}

func (s *server) getPost(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	p, err := s.store.GetPost(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, fmt.Errorf("api: get post: %w", err))
		return
	}
	c.JSON(http.StatusOK, postOut(p))
}

// postList is a page of posts.
type postList struct {
	Data       []postJSON `json:"data"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

func (s *server) listPosts(c *gin.Context) {
	var fe fieldErrors
	var f rythme.PostFilter
	parseTime := func(name string) *time.Time {
		v := c.Query(name)
		if v == "" {
			return nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			fe.add(name, "must be an RFC 3339 time with an offset")
			return nil
		}
		return &t
	}
	f.From, f.To = parseTime("from"), parseTime("to")
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		fe.add("to", "must be after from")
	}
	if v := c.Query("status"); v != "" {
		var ok bool
		if f.Status, f.Review, ok = rythme.StatusFilter(v); !ok {
			fe.add("status", "must be one of %s", strings.Join(rythme.PostStatuses, ", "))
		}
	}
	if v := c.Query("account_id"); v != "" {
		f.AccountID = v
		if !rythme.ValidID(rythme.PrefixAccount, v) {
			fe.add("account_id", "is not an account id")
		}
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			fe.add("limit", "must be a whole number from 1 to 200")
		}
		f.Limit = n
	}
	f.Cursor = c.Query("cursor")
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	s.postPage(c, f)
}

// postPage answers one page of the workspace's posts matching f.
func (s *server) postPage(c *gin.Context, f rythme.PostFilter) {
	posts, next, err := s.store.ListPosts(c.Request.Context(), workspace(c), f)
	if err != nil {
		s.fail(c, fmt.Errorf("api: list posts: %w", err))
		return
	}
	out := postList{Data: make([]postJSON, 0, len(posts)), NextCursor: next}
	for _, p := range posts {
		out.Data = append(out.Data, postOut(p))
	}
	c.JSON(http.StatusOK, out)
}

func (s *server) updatePost(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	var req updatePostRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	now := s.now()
	var fe fieldErrors
	edit := rythme.PostEdit{Content: req.Content, Timezone: req.Timezone, Tags: req.Tags, Media: req.Media, Thread: req.Thread, Author: req.Author}
	if req.ScheduledAt != nil {
		at := parseWhen(&fe, "scheduled_at", *req.ScheduledAt, now)
		if *req.ScheduledAt == "" {
			fe.add("scheduled_at", "cannot be empty")
		}
		edit.ScheduledAt = &at
	}
	if edit.Timezone != nil && *edit.Timezone == "" {
		utc := "UTC"
		edit.Timezone = &utc
	}
	if req.Targets != nil {
		edit.TargetContent = map[string]string{}
		for i, in := range req.Targets {
			field := fmt.Sprintf("targets[%d].account_id", i)
			if in.AccountID == "" {
				fe.add(field, "is required")
			} else if _, dup := edit.TargetContent[in.AccountID]; dup {
				fe.add(field, "is listed twice")
			}
			edit.TargetContent[in.AccountID] = in.Content
		}
	}
	if req.Content == nil && req.ScheduledAt == nil && req.Timezone == nil && req.Tags == nil && req.Media == nil && req.Thread == nil && req.Author == nil && req.Targets == nil {
		s.fail(c, rythme.Errorf(rythme.EINVALID, "nothing to change: give at least one field"))
		return
	}
	var media []*rythme.Media
	if req.Media != nil {
		var err error
		if media, err = s.loadMedia(c.Request.Context(), workspace(c), *req.Media, &fe); err != nil {
			s.fail(c, err)
			return
		}
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	wsp, err := s.store.GetWorkspace(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: get workspace: %w", err))
		return
	}
	a := actor(c)
	p, err := s.store.UpdatePost(c.Request.Context(), workspace(c), id, func(p *rythme.Post) error {
		if err := p.ApplyEdit(edit, now); err != nil {
			return err
		}
		// An occurrence edited on its own keeps its edits when the series
		// is edited.
		p.Detached = p.SeriesID != ""
		p.Record(a, "edited", "", now)
		if wsp.NeedsApproval(a.Role) {
			// An editor's change to a post already approved goes back to review.
			p.ReturnToReview(a, now)
		}
		var fe fieldErrors
		s.validatePost(c.Request.Context(), &fe, p, true)
		if req.Media != nil {
			s.checkMedia(c.Request.Context(), &fe, p, media, true)
		}
		return fe.err()
	})
	if err != nil {
		s.fail(c, fmt.Errorf("api: update post: %w", err))
		return
	}
	s.enqueue(c, s.dueRefs(p))
	c.JSON(http.StatusOK, postOut(p))
}

func (s *server) cancelPost(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	now := s.now()
	p, err := s.store.UpdatePost(c.Request.Context(), workspace(c), id, func(p *rythme.Post) error {
		if err := p.Cancel(now); err != nil {
			return err
		}
		p.Record(actor(c), "cancelled", p.PartsLeft(), now)
		return nil
	})
	if err != nil {
		s.fail(c, fmt.Errorf("api: cancel post: %w", err))
		return
	}
	c.JSON(http.StatusOK, postOut(p))
}

func (s *server) resolveTarget(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	tid, ok := s.pathID(c, "target_id", rythme.PrefixTarget, "target")
	if !ok {
		return
	}
	var req resolveRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	now := s.now()
	var fe fieldErrors
	r := rythme.Resolution(req.Outcome)
	switch r {
	case rythme.ResolveRetry, rythme.ResolvePublished, rythme.ResolveFailed:
	case "":
		fe.add("outcome", "is required: retry, published or failed")
	default:
		fe.add("outcome", "must be retry, published or failed")
	}
	at := now
	if req.ScheduledAt != "" {
		if r != rythme.ResolveRetry {
			fe.add("scheduled_at", "is only for outcome retry")
		} else {
			at = parseWhen(&fe, "scheduled_at", req.ScheduledAt, now)
		}
	}
	if req.URL != "" {
		if r != rythme.ResolvePublished {
			fe.add("url", "is only for outcome published")
		} else if u, err := url.Parse(req.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fe.add("url", "must be an http(s) URL")
		}
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.store.UpdatePost(c.Request.Context(), workspace(c), id, func(p *rythme.Post) error {
		if err := p.ResolveTarget(tid, r, at, req.URL, now); err != nil {
			return err
		}
		p.Record(actor(c), "resolved", string(r)+" "+tid, now)
		return nil
	})
	if err != nil {
		s.fail(c, fmt.Errorf("api: resolve target: %w", err))
		return
	}
	if r == rythme.ResolveRetry {
		var refs []rythme.TargetRef
		for _, ref := range s.dueRefs(p) {
			if ref.ID == tid {
				refs = append(refs, ref)
			}
		}
		s.enqueue(c, refs)
	}
	c.JSON(http.StatusOK, postOut(p))
}
