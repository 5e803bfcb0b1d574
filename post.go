package rythme

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// TargetStatus is the state of one post on one account.
//
//	scheduled ──► publishing ──► published
//	    ▲  │           ├──────► failed       (the network said no; not retried)
//	    │  │           ├──────► unconfirmed  (outcome unknown; a person decides)
//	    │  │           ├──────► held         (account needs reconnecting; kept)
//	    │  │           └──────► scheduled    (retry later, same version)
//	    │  ├──► held ──► scheduled (account reconnected)
//	    │  └──► cancelled
//	    └── failed | unconfirmed | held  (retry by a person)
type TargetStatus string

const (
	TargetScheduled   TargetStatus = "scheduled"
	TargetPublishing  TargetStatus = "publishing"
	TargetPublished   TargetStatus = "published"
	TargetFailed      TargetStatus = "failed"
	TargetUnconfirmed TargetStatus = "unconfirmed"
	TargetHeld        TargetStatus = "held"
	TargetCancelled   TargetStatus = "cancelled"
)

// TargetStatuses lists every target status, for validation and docs.
var TargetStatuses = []TargetStatus{TargetDraft, TargetScheduled, TargetPublishing, TargetPublished,
	TargetFailed, TargetUnconfirmed, TargetHeld, TargetCancelled}

// Valid reports whether s is a known status.
func (s TargetStatus) Valid() bool {
	for _, v := range TargetStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// Target is one post on one account: what the workers publish. Version is
// bumped by every edit, cancel or re-queue; a task carrying another version
// does nothing, so an old task can never publish an edited post.
type Target struct {
	ID          string       `json:"id"`
	PostID      string       `json:"post_id"`
	WorkspaceID string       `json:"-"`
	AccountID   string       `json:"account_id"`
	Network     string       `json:"network"`
	Content     string       `json:"content,omitempty"` // per-network variant; empty: the post's content
	Status      TargetStatus `json:"status"`
	Version     int          `json:"version"`
	ScheduledAt time.Time    `json:"scheduled_at"`
	ExternalID  string       `json:"external_id,omitempty"`
	URL         string       `json:"url,omitempty"`
	LastError   string       `json:"last_error,omitempty"`
	Attempts    int          `json:"attempts"`
	LeaseUntil  *time.Time   `json:"-"`
	PublishedAt *time.Time   `json:"published_at,omitempty"`
	// QueuedVersion is the version for which a publish task was last put on
	// the queue; the reconciler enqueues targets where it differs.
	QueuedVersion int       `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Slotted: the target took one of its account's posting slots
	// (scheduled_at "next_slot"); no two live targets take one slot.
	Slotted bool `json:"slotted,omitempty"`
	// InReplyTo is the network id of the post or comment this target
	// answers (a reply from the inbox); empty for a post of its own.
	InReplyTo string `json:"in_reply_to,omitempty"`
	// Text is the content to publish (the variant, or the post's content),
	// and Media the post's media ids. Filled by Store.GetTarget and
	// Store.ClaimTarget.
	Text   string   `json:"-"`
	Media  []string `json:"-"`
	Thread []string `json:"-"`
	// CommentText is the first comment to publish right after the post
	// (the post's FirstComment); empty for none. Filled with Text.
	CommentText string `json:"-"`
	// Comment is the first comment once it is on the network, stored the
	// moment the network confirmed it (so that a retry never sends it
	// again); nil while it is not. Filled with Parts.
	Comment *TargetPart `json:"first_comment,omitempty"`
	// Poll is the post's poll (Store.GetTarget and Store.ClaimTarget).
	Poll *Poll `json:"-"`
	// Parts are the posts of the target's thread already on the network,
	// by index (0: the first post), each stored the moment the network
	// confirmed it: a retry resumes after them. Filled by the store's
	// reads of a target (GetTarget, ClaimTarget, GetPost, ListPosts…).
	Parts []TargetPart `json:"parts,omitempty"`
}

// FirstCommentIndex is the Index a target's first comment is stored
// under among its parts (Store.SaveTargetPart): it is not a part of the
// thread, and the store reads it back into Target.Comment.
const FirstCommentIndex = -1

// TargetPart is one post of a target's thread that is on the network.
type TargetPart struct {
	// Index is the part's place: 0 the first post, i the thread's part i.
	Index      int    `json:"index"`
	ExternalID string `json:"external_id"`
	URL        string `json:"url,omitempty"`
	// Ref is what a reply to the part needs besides its id, in the
	// network's terms (Bluesky: the record's CID); never shown.
	Ref         string    `json:"-"`
	PublishedAt time.Time `json:"published_at"`
}

// PartsOut describes the parts on the network for a person: "parts 1–2
// out (url1, url2)", or "" when none is.
func (t *Target) PartsOut() string {
	if len(t.Parts) == 0 {
		return ""
	}
	urls := make([]string, 0, len(t.Parts))
	for _, p := range t.Parts {
		u := p.URL
		if u == "" {
			u = p.ExternalID
		}
		urls = append(urls, u)
	}
	first, last := t.Parts[0].Index+1, t.Parts[len(t.Parts)-1].Index+1
	which := fmt.Sprintf("part %d", first)
	if last != first {
		which = fmt.Sprintf("parts %d–%d", first, last)
	}
	return which + " out (" + strings.Join(urls, ", ") + ")"
}

// Editable reports whether a person may still change the target.
func (t *Target) Editable() bool {
	return t.Status == TargetScheduled || t.Status == TargetHeld || t.Status == TargetDraft
}

// Post is one piece of content scheduled for one or more accounts.
type Post struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	Content     string    `json:"content"`
	ScheduledAt time.Time `json:"scheduled_at"`
	// Timezone is the IANA zone the post was planned in (default UTC).
	Timezone string   `json:"timezone"`
	Tags     []string `json:"tags"`
	// Media are the ids of the files the post carries, in order.
	Media []string `json:"media"`
	// Thread holds the parts published after Content, each as a reply to
	// the one before, on networks that have threads.
	Thread []string `json:"thread"`
	// FirstComment is a comment published right after the post, under
	// it (a comment on Instagram, Facebook, LinkedIn and Reddit, a reply
	// on X, Threads, Mastodon and Bluesky); empty for none.
	FirstComment string `json:"first_comment,omitempty"`
	// Poll is the native poll the post carries (its question is the
	// text), on networks that have polls; nil for none.
	Poll   *Poll  `json:"poll,omitempty"`
	Author string `json:"author,omitempty"`
	// AuthorMemberID is the member who wrote the post, when a member did
	// (Author then defaults to the member's name); empty for posts of API
	// tokens and of challenge submitters who are not members.
	AuthorMemberID string `json:"author_member_id,omitempty"`
	// CampaignID links the post to its campaign; Format is its kind there
	// (article, video, infographic, live_qa…).
	CampaignID string `json:"campaign_id,omitempty"`
	Format     string `json:"format,omitempty"`
	// PlanItem is the campaign plan item the post comes from ("d2#0": day
	// offset 2, first item), so that an edited plan updates it in place.
	PlanItem string `json:"-"`
	// ChallengeWeek is the week of a weekly challenge the post was
	// submitted to ("2026-W13").
	ChallengeWeek string `json:"challenge_week,omitempty"`
	// SeriesID links an occurrence to its recurring series; OccurrenceAt
	// is the occurrence it stands for (nil once the series no longer has
	// it); Detached: edited on its own, so that series edits leave it be.
	SeriesID     string     `json:"series_id,omitempty"`
	OccurrenceAt *time.Time `json:"occurrence_at,omitempty"`
	Detached     bool       `json:"detached,omitempty"`
	// Review is where the post stands in review ("", draft, pending,
	// approved, rejected).
	Review string `json:"review,omitempty"`
	// Origin is "" for a post made in rythme, OriginImported for one the
	// account published outside rythme (read from the network).
	Origin    string    `json:"origin,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"` // API token id
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Targets   []*Target `json:"targets"`
	// NewEvents are transitions to record when the post is saved.
	NewEvents []PostEvent `json:"-"`
}

// Status summarises the targets: "publishing" while any is, then
// "scheduled" while any is waiting, "draft" (or "pending_review",
// "rejected") before review, "held", "unconfirmed", "failed" if any needs a
// person, "published" when all are out, "cancelled" when all are.
func (p *Post) Status() string {
	count := map[TargetStatus]int{}
	for _, t := range p.Targets {
		count[t.Status]++
	}
	for _, s := range []TargetStatus{TargetPublishing, TargetScheduled, TargetDraft, TargetHeld, TargetUnconfirmed, TargetFailed} {
		if count[s] == 0 {
			continue
		}
		if s == TargetDraft {
			switch p.Review {
			case ReviewPending:
				return "pending_review"
			case ReviewRejected:
				return "rejected"
			}
		}
		return string(s)
	}
	if count[TargetPublished] > 0 {
		return string(TargetPublished)
	}
	return string(TargetCancelled)
}

// Target returns the post's target with the given id, or nil.
func (p *Post) Target(id string) *Target {
	for _, t := range p.Targets {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// TextFor returns what is published on t: its variant or the post's content.
func (p *Post) TextFor(t *Target) string {
	if t.Content != "" {
		return t.Content
	}
	return p.Content
}

// Limits on posts that hold whatever the network.
const (
	MaxContentBytes = 64 << 10
	MaxTags         = 20
	MaxTagLength    = 64
	MaxAuthorLength = 200
	MaxTargets      = 50
	MaxThreadParts  = 25
)

// Validate checks what does not depend on a network: non-empty content
// (the post's or every target's variant), at least one target, accounts
// not repeated, tags and author within bounds, a known zone.
func (p *Post) Validate() error {
	var fe []FieldError
	add := func(field, format string, args ...any) {
		fe = append(fe, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if len(p.Content) > MaxContentBytes {
		add("content", "is longer than %d bytes", MaxContentBytes)
	} else if !utf8.ValidString(p.Content) {
		add("content", "is not valid UTF-8")
	} else if HasControlChar(p.Content) {
		add("content", ControlCharMessage)
	}
	if len(p.Targets) == 0 {
		add("targets", "at least one target account is required")
	} else if len(p.Targets) > MaxTargets {
		add("targets", "at most %d targets", MaxTargets)
	}
	seen := map[string]bool{}
	for i, t := range p.Targets {
		f := fmt.Sprintf("targets[%d]", i)
		if t.AccountID == "" {
			add(f+".account_id", "is required")
		} else if seen[t.AccountID] {
			add(f+".account_id", "is listed twice")
		}
		seen[t.AccountID] = true
		if len(t.Content) > MaxContentBytes {
			add(f+".content", "is longer than %d bytes", MaxContentBytes)
		} else if !utf8.ValidString(t.Content) {
			add(f+".content", "is not valid UTF-8")
		} else if HasControlChar(t.Content) {
			add(f+".content", ControlCharMessage)
		}
		if strings.TrimSpace(p.TextFor(t)) == "" {
			add(f+".content", "content is empty: give the post content or this target a variant")
		}
	}
	if len(p.Targets) == 0 && strings.TrimSpace(p.Content) == "" {
		add("content", "is required")
	}
	if len(p.Thread) > MaxThreadParts {
		add("thread", "at most %d parts after the first", MaxThreadParts)
	}
	for i, part := range p.Thread {
		if strings.TrimSpace(part) == "" || len(part) > MaxContentBytes || !utf8.ValidString(part) {
			add(fmt.Sprintf("thread[%d]", i), "must be non-empty UTF-8 text of at most %d bytes", MaxContentBytes)
		} else if HasControlChar(part) {
			add(fmt.Sprintf("thread[%d]", i), ControlCharMessage)
		}
	}
	if len(p.FirstComment) > MaxContentBytes || !utf8.ValidString(p.FirstComment) {
		add("first_comment", "must be UTF-8 text of at most %d bytes", MaxContentBytes)
	} else if HasControlChar(p.FirstComment) {
		add("first_comment", ControlCharMessage)
	}
	if len(p.Media) > MaxMediaPerPost {
		add("media", "at most %d files", MaxMediaPerPost)
	}
	if p.Poll != nil {
		fe = append(fe, p.Poll.Validate("poll")...)
	}
	seenMedia := map[string]bool{}
	for i, id := range p.Media {
		if !ValidID(PrefixMedia, id) {
			add(fmt.Sprintf("media[%d]", i), "is not a media id")
		} else if seenMedia[id] {
			add(fmt.Sprintf("media[%d]", i), "is listed twice")
		}
		seenMedia[id] = true
	}
	if len(p.Tags) > MaxTags {
		add("tags", "at most %d tags", MaxTags)
	}
	for i, tag := range p.Tags {
		if strings.TrimSpace(tag) == "" || utf8.RuneCountInString(tag) > MaxTagLength || !utf8.ValidString(tag) {
			add(fmt.Sprintf("tags[%d]", i), "must be 1 to %d characters", MaxTagLength)
		} else if HasControlChar(tag) {
			add(fmt.Sprintf("tags[%d]", i), ControlCharMessage)
		}
	}
	if utf8.RuneCountInString(p.Author) > MaxAuthorLength || !utf8.ValidString(p.Author) {
		add("author", "at most %d characters", MaxAuthorLength)
	} else if HasControlChar(p.Author) {
		add("author", ControlCharMessage)
	}
	if p.Timezone != "" {
		// "Local" would be the server's zone, which no team planned in.
		if _, err := time.LoadLocation(p.Timezone); err != nil || p.Timezone == "Local" {
			add("timezone", "is not a known IANA time zone")
		}
	}
	if p.ScheduledAt.IsZero() {
		add("scheduled_at", "is required")
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// PostEdit is a change to a post; nil fields are left as they are.
type PostEdit struct {
	Content     *string
	ScheduledAt *time.Time
	Timezone    *string
	Tags        *[]string
	Media       *[]string
	Thread      *[]string
	// Poll, when SetPoll, replaces the post's poll (nil removes it).
	SetPoll bool
	Poll    *Poll
	Author  *string
	// FirstComment sets the comment published right after the post ("":
	// none).
	FirstComment *string
	// TargetContent sets per-account variants; an empty string removes one.
	TargetContent map[string]string
}

// ApplyEdit changes the post and every target not yet out (scheduled or
// held), bumping their versions so that the tasks already queued do
// nothing. It fails with ECONFLICT while a target is publishing or when no
// target can still change.
func (p *Post) ApplyEdit(e PostEdit, now time.Time) error {
	if p.Origin == OriginImported {
		return p.editImported(e, now)
	}
	if err := p.checkChangeable("edit"); err != nil {
		return err
	}
	if e.Content != nil || e.Media != nil || e.Thread != nil || e.SetPoll || len(e.TargetContent) > 0 {
		if t := p.partlyOut(); t != nil {
			return Errorf(ECONFLICT, "cannot change what the post says: target %s has %s already on the network, "+
				"and a retry goes on from there; cancel it (those parts stay on the network) or resolve it instead", t.ID, t.PartsOut())
		}
	}
	if e.Content != nil {
		p.Content = *e.Content
	}
	if e.Timezone != nil {
		p.Timezone = *e.Timezone
	}
	if e.Tags != nil {
		p.Tags = *e.Tags
	}
	if e.Media != nil {
		p.Media = *e.Media
	}
	if e.Thread != nil {
		p.Thread = *e.Thread
	}
	if e.FirstComment != nil {
		p.FirstComment = *e.FirstComment
	}
	if e.SetPoll {
		p.Poll = e.Poll
	}
	if e.Author != nil {
		p.Author = *e.Author
	}
	if e.ScheduledAt != nil {
		p.ScheduledAt = *e.ScheduledAt
	}
	for acc := range e.TargetContent {
		found := false
		for _, t := range p.Targets {
			found = found || t.AccountID == acc
		}
		if !found {
			return Invalid(FieldError{Field: "targets", Message: "account " + acc + " is not a target of this post"})
		}
	}
	for _, t := range p.Targets {
		if !t.Editable() {
			continue
		}
		if v, ok := e.TargetContent[t.AccountID]; ok {
			t.Content = v
		}
		if e.ScheduledAt != nil {
			t.ScheduledAt = *e.ScheduledAt
			t.Slotted = false // a time given by hand is not a posting slot
		}
		t.Version++
		t.UpdatedAt = now
	}
	p.UpdatedAt = now
	return nil
}

// editImported applies e to a post published outside rythme: its tags
// and author only (it is on the network as it is; nothing is published).
func (p *Post) editImported(e PostEdit, now time.Time) error {
	if e.Content != nil || e.Media != nil || e.Thread != nil || e.SetPoll || e.ScheduledAt != nil || e.Timezone != nil || len(e.TargetContent) > 0 || e.FirstComment != nil {
		return Errorf(ECONFLICT, "the post was published outside rythme (imported): only its tags and author can be changed")
	}
	if e.Tags != nil {
		p.Tags = *e.Tags
	}
	if e.Author != nil {
		p.Author = *e.Author
	}
	p.UpdatedAt = now
	return nil
}

// Cancel cancels every target not yet out. ECONFLICT while one is
// publishing or when nothing is left to cancel.
func (p *Post) Cancel(now time.Time) error {
	if err := p.checkChangeable("cancel"); err != nil {
		return err
	}
	for _, t := range p.Targets {
		if t.Editable() {
			t.Status = TargetCancelled
			t.Version++
			t.UpdatedAt = now
		}
	}
	p.UpdatedAt = now
	return nil
}

// partlyOut returns a target whose thread is partly on the network and
// not finished (neither published nor cancelled), or nil.
func (p *Post) partlyOut() *Target {
	for _, t := range p.Targets {
		if len(t.Parts) > 0 && t.Status != TargetPublished && t.Status != TargetCancelled {
			return t
		}
	}
	return nil
}

// PartsLeft says, for the history of a cancelled post, which parts of its
// cancelled targets' threads remain on the network; "" when none.
func (p *Post) PartsLeft() string {
	var out []string
	for _, t := range p.Targets {
		if t.Status == TargetCancelled && len(t.Parts) > 0 {
			out = append(out, "target "+t.ID+": "+t.PartsOut()+" remain on the network")
		}
	}
	return strings.Join(out, "; ")
}

// HasEditable reports whether any target of p can still change.
func (p *Post) HasEditable() bool {
	for _, t := range p.Targets {
		if t.Editable() {
			return true
		}
	}
	return false
}

func (p *Post) checkChangeable(verb string) error {
	for _, t := range p.Targets {
		if t.Status == TargetPublishing {
			return Errorf(ECONFLICT, "cannot %s the post: target %s is being published right now; try again in a moment", verb, t.ID)
		}
	}
	if !p.HasEditable() {
		return Errorf(ECONFLICT, "cannot %s the post: no target is still scheduled or held (status %s)", verb, p.Status())
	}
	return nil
}

// Resolution is what a person decides for a target that needs one.
type Resolution string

const (
	ResolveRetry     Resolution = "retry"     // publish again at the given time (now by default)
	ResolvePublished Resolution = "published" // it is on the network after all (unconfirmed only)
	ResolveFailed    Resolution = "failed"    // give up
)

// ResolveTarget applies a person's decision to a failed, unconfirmed or
// held target. A retry of an unconfirmed target is the person's word that
// the post is not on the network; for a thread, that the part whose
// outcome was unknown is not: the parts stored as out (Parts) are kept,
// and the retry resumes after them. Published keeps them too.
func (p *Post) ResolveTarget(targetID string, r Resolution, at time.Time, url string, now time.Time) error {
	t := p.Target(targetID)
	if t == nil {
		return Errorf(ENOTFOUND, "target %s is not part of post %s", targetID, p.ID)
	}
	switch t.Status {
	case TargetFailed, TargetUnconfirmed, TargetHeld:
	default:
		return Errorf(ECONFLICT, "target %s is %s: only failed, unconfirmed or held targets can be resolved", t.ID, t.Status)
	}
	switch r {
	case ResolveRetry:
		t.Status = TargetScheduled
		t.ScheduledAt = at
		t.LastError = ""
	case ResolvePublished:
		if t.Status != TargetUnconfirmed {
			return Errorf(ECONFLICT, "only an unconfirmed target can be marked published")
		}
		t.Status = TargetPublished
		t.URL = url
		if len(t.Parts) > 0 { // the thread's first post is the target's
			if t.ExternalID == "" {
				t.ExternalID = t.Parts[0].ExternalID
			}
			if t.URL == "" {
				t.URL = t.Parts[0].URL
			}
		}
		pa := now
		t.PublishedAt = &pa
	case ResolveFailed:
		t.Status = TargetFailed
		if t.LastError == "" {
			t.LastError = "marked failed by a person"
		}
	default:
		return Invalid(FieldError{Field: "outcome", Message: "must be retry, published or failed"})
	}
	t.Version++
	t.UpdatedAt = now
	p.UpdatedAt = now
	return nil
}
