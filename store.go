package rythme

import (
	"context"
	"time"
)

// Store is the system of record: every state that matters is written here
// before and after a network call; Redis holds execution state only.
//
// It is the sum of one small interface per aggregate, below. A consumer
// declares the few methods it uses (as connectors.Apps does, or
// worker.PublishStore) and takes that, not Store; sqlstore implements them
// all.
//
// Methods scoped to a workspace take its id and answer ENOTFOUND for
// anything of another workspace. Methods without one are for workers.
// Errors: ENOTFOUND, ECONFLICT (a compare-and-set that did not match),
// EINVALID, EUNAVAILABLE (the database cannot be reached), EINTERNAL.
type Store interface {
	WorkspaceStore
	TokenStore
	FeedTokenStore
	OAuthStore
	AccountStore
	PostStore
	TargetStore
	SeriesStore
	CampaignStore
	MediaStore
	MetricsStore
	RetentionStore
	AudienceStore
	WebhookStore
	PeopleStore
	HistoryStore
	InboxStore
	InboxRuleStore

	// Ping reports whether the database answers (EUNAVAILABLE if not).
	Ping(ctx context.Context) error
	Close() error
}

// WorkspaceStore keeps workspaces: a team, its settings and its data.
type WorkspaceStore interface {
	// Bootstrap creates ws and its admin token tok if, and only if, the store
	// has no workspace yet. It reports whether it did.
	Bootstrap(ctx context.Context, ws *Workspace, tok *APIToken) (bool, error)
	CreateWorkspace(ctx context.Context, ws *Workspace) error
	GetWorkspace(ctx context.Context, id string) (*Workspace, error)
	// UpdateWorkspace saves the workspace's name and settings.
	UpdateWorkspace(ctx context.Context, ws *Workspace) error
}

// TokenStore keeps the API tokens callers authenticate with (stored as
// hashes).
type TokenStore interface {
	CreateAPIToken(ctx context.Context, t *APIToken) error
	// TokenByHash returns the live (not revoked) token with that hash;
	// ENOTFOUND otherwise.
	TokenByHash(ctx context.Context, hash []byte) (*APIToken, error)
	ListAPITokens(ctx context.Context, workspaceID string) ([]*APIToken, error)
	RevokeAPIToken(ctx context.Context, workspaceID, id string, at time.Time) error
}

// FeedTokenStore keeps the tokens of the iCalendar feeds (stored as
// hashes).
type FeedTokenStore interface {
	// CreateFeedToken stores a calendar feed token; FeedTokenByHash returns
	// a live one (ENOTFOUND otherwise); ListFeedTokens lists the
	// workspace's; RevokeFeedToken revokes one.
	CreateFeedToken(ctx context.Context, f *FeedToken) error
	FeedTokenByHash(ctx context.Context, hash []byte) (*FeedToken, error)
	ListFeedTokens(ctx context.Context, workspaceID string) ([]*FeedToken, error)
	RevokeFeedToken(ctx context.Context, workspaceID, id string, at time.Time) error
}

// OAuthStore keeps what connecting an account needs: the client
// registrations of the networks that register one per server, and the
// single-use states of the authorizations in progress.
type OAuthStore interface {
	// GetOAuthApp returns the client registration for (network, instance,
	// redirect URI); ENOTFOUND if none. SaveOAuthApp inserts or replaces it.
	GetOAuthApp(ctx context.Context, network, instanceURL, redirectURI string) (*OAuthApp, error)
	SaveOAuthApp(ctx context.Context, app *OAuthApp) error
	CreateOAuthState(ctx context.Context, st *OAuthState) error
	// ConsumeOAuthState returns and deletes the state: a second call with
	// the same hash, or a call after ExpiresAt, answers ENOTFOUND.
	ConsumeOAuthState(ctx context.Context, stateHash []byte, now time.Time) (*OAuthState, error)
	// OAuthStateByHash returns the state without consuming it (its
	// verifier left out): ENOTFOUND if none or expired at now.
	OAuthStateByHash(ctx context.Context, stateHash []byte, now time.Time) (*OAuthState, error)
	// PurgeOAuthStates deletes the states expired at now and returns how
	// many; OpenOAuthStates counts the workspace's states not expired at now.
	PurgeOAuthStates(ctx context.Context, now time.Time) (int, error)
	OpenOAuthStates(ctx context.Context, workspaceID string, now time.Time) (int, error)
}

// AccountStore keeps the connected network accounts: profile, token,
// status, posting slots and how their engagement reads fare.
type AccountStore interface {
	// UpsertAccount inserts the account, or, when the workspace already has
	// the same (network, instance_url, external_id), updates its profile,
	// token and meta and sets it connected. ID and CreatedAt are filled.
	UpsertAccount(ctx context.Context, a *Account) error
	GetAccount(ctx context.Context, workspaceID, id string) (*Account, error)
	// AccountByID is GetAccount without workspace scope, for workers.
	AccountByID(ctx context.Context, id string) (*Account, error)
	// AccountsByID returns those of ids that exist, in any order, without
	// workspace scope (the publish path's batched read).
	AccountsByID(ctx context.Context, ids []string) ([]*Account, error)
	ListAccounts(ctx context.Context, workspaceID string) ([]*Account, error)
	UpdateAccountToken(ctx context.Context, id string, tok Token) error
	// AccountsExpiring lists connected accounts whose token expires before
	// before, soonest first (the refresh-ahead sweep).
	AccountsExpiring(ctx context.Context, before time.Time, limit int) ([]*Account, error)
	// SetAccountStatus changes the status; AccountDisconnected also wipes
	// the token.
	SetAccountStatus(ctx context.Context, id string, status AccountStatus, reason string) error
	// ConnectedAccounts lists connected accounts of network whose id is
	// after afterID, by id, at most limit (default 100): a sweep pages
	// through them.
	ConnectedAccounts(ctx context.Context, network, afterID string, limit int) ([]*Account, error)
	// MergeAccountMeta sets the given meta keys of the account (an empty
	// value removes the key), leaving the others, its token and status as
	// they are; ENOTFOUND if there is no such account.
	MergeAccountMeta(ctx context.Context, id string, meta map[string]string) error
	// RecordMetricsRead notes a successful engagement read of the account
	// at `at`: LastMetricsAt is set and the read error cleared (failures
	// 0). RecordMetricsError notes a failed one: its reason, at, and the
	// number of reads in a row that failed. ENOTFOUND if no such account.
	RecordMetricsRead(ctx context.Context, accountID string, at time.Time) error
	RecordMetricsError(ctx context.Context, accountID, reason string, at time.Time, failures int) error

	// SetAccountSchedule saves the account's posting slots and cadence
	// (nil clears them); ENOTFOUND for another workspace's account.
	SetAccountSchedule(ctx context.Context, workspaceID, id string, s *PostingSchedule) error
}

// PostStore keeps posts, with their targets and history, as editors see
// them.
type PostStore interface {
	// CreatePost writes the post and its targets in one transaction. IDs,
	// versions (1) and timestamps must be set by the caller.
	CreatePost(ctx context.Context, p *Post) error
	// CreatePosts writes several posts in one transaction: all or none.
	CreatePosts(ctx context.Context, posts []*Post) error
	GetPost(ctx context.Context, workspaceID, id string) (*Post, error)
	ListPosts(ctx context.Context, workspaceID string, f PostFilter) ([]*Post, string, error)
	// UpdatePost loads the post and its targets with a lock, calls fn, and
	// saves the post and every target fn changed, in one transaction. A
	// worker's ClaimTarget cannot interleave: either it claims first and fn
	// sees the target publishing, or it runs after and finds the version
	// bumped. fn's error aborts and is returned as is.
	UpdatePost(ctx context.Context, workspaceID, id string, fn func(*Post) error) (*Post, error)
	// PostEvents lists the post's recorded transitions, oldest first
	// (CreatePost and UpdatePost save Post.NewEvents).
	PostEvents(ctx context.Context, workspaceID, postID string) ([]PostEvent, error)
}

// TargetStore keeps the targets (a post on one account) as the publish
// path moves them: claim, finish, thread parts, the queue's bookkeeping,
// holding and releasing an account's targets, and the times taken.
type TargetStore interface {
	// GetTarget returns a target (with Text filled); ENOTFOUND if none.
	GetTarget(ctx context.Context, id string) (*Target, error)
	// GetTargets returns the targets of ids that exist (with Text and
	// Parts filled, as GetTarget), in any order, in one query per 500 ids.
	GetTargets(ctx context.Context, ids []string) ([]*Target, error)
	// ClaimTarget moves the target from scheduled at version to publishing,
	// counts an attempt and sets the lease. ECONFLICT when it is not
	// scheduled at that version (another worker has it, or it was edited).
	ClaimTarget(ctx context.Context, id string, version int, now, leaseUntil time.Time) (*Target, error)
	// FinishTarget records the outcome of an attempt: only from publishing
	// at version (ECONFLICT otherwise).
	FinishTarget(ctx context.Context, id string, version int, out Outcome) (*Target, error)
	// ClaimTargets claims many targets at once, each exactly as ClaimTarget
	// does (compare-and-set from scheduled at its version; a ref listed twice
	// is claimed once), in one statement per 200 refs. Result i is refs[i]'s:
	// the claimed target, or ECONFLICT when it is not scheduled at that
	// version or is gone. An error of the database is returned alone.
	ClaimTargets(ctx context.Context, refs []TargetRef, now, leaseUntil time.Time) ([]TargetResult, error)
	// FinishTargets records many outcomes in one transaction, each exactly
	// as FinishTarget does (from publishing at its version; its result is
	// ECONFLICT otherwise, or EINVALID for a status that is not an outcome).
	// An error of the database is returned alone, and nothing is recorded.
	FinishTargets(ctx context.Context, fs []TargetFinish) ([]TargetResult, error)
	// SaveTargetPart records that part p of the target's thread is on the
	// network, whatever the target's state (the part is out). Saving the
	// same part again is a no-op; another external id at the same index is
	// ECONFLICT; ENOTFOUND when there is no such target.
	SaveTargetPart(ctx context.Context, targetID string, p TargetPart) error
	// DueTargets lists scheduled targets due at or before until, oldest
	// first; unless all is set, only those whose QueuedVersion differs from
	// their Version (not yet on the queue).
	DueTargets(ctx context.Context, until time.Time, all bool, limit int) ([]TargetRef, error)
	// MarkQueued records that a task exists for each ref's version.
	MarkQueued(ctx context.Context, refs []TargetRef) error
	// ExpiredLeases lists targets publishing whose lease ended before now.
	ExpiredLeases(ctx context.Context, now time.Time, limit int) ([]*Target, error)
	// HoldAccountTargets moves the account's scheduled targets to held
	// (version bumped), with reason; ReleaseAccountTargets moves its held
	// targets back to scheduled. Both return how many moved.
	HoldAccountTargets(ctx context.Context, accountID, reason string, now time.Time) (int, error)
	ReleaseAccountTargets(ctx context.Context, accountID string, now time.Time) (int, error)

	// TakenTimes returns, for each account, the times its live (not
	// cancelled) targets are scheduled at in [from, to).
	TakenTimes(ctx context.Context, workspaceID string, accountIDs []string, from, to time.Time) (map[string][]time.Time, error)
}

// SeriesStore keeps recurring posts and materialises their occurrences.
type SeriesStore interface {
	// CreateSeries writes the series and its first occurrences in one
	// transaction. GetSeries and ListSeries read the workspace's.
	// UpdateSeries saves its rule, start, zone, template, review, status
	// and MaterialisedUntil (ENOTFOUND if none).
	CreateSeries(ctx context.Context, se *Series, posts []*Post) error
	GetSeries(ctx context.Context, workspaceID, id string) (*Series, error)
	ListSeries(ctx context.Context, workspaceID string) ([]*Series, error)
	UpdateSeries(ctx context.Context, se *Series) error
	// AddOccurrences stores the series' occurrences that do not exist yet
	// (one post per occurrence, whoever else materialises the series at
	// the same time), moves MaterialisedUntil forward to until and, when
	// complete, marks the series finished, in one transaction. It returns
	// the posts it created. ECONFLICT when the series was edited since se
	// was read (its UpdatedAt differs); nothing for an ended series.
	AddOccurrences(ctx context.Context, se *Series, posts []*Post, until time.Time, complete bool) ([]*Post, error)
	// SeriesDue lists active series materialised only up to before
	// (or not at all), for the sweep that keeps the horizon rolling.
	SeriesDue(ctx context.Context, before time.Time, limit int) ([]*Series, error)
}

// CampaignStore keeps campaigns (themed weeks, challenges) and their plans.
type CampaignStore interface {
	// CreateCampaign writes the campaign and its posts in one transaction:
	// all of them or none. GetCampaign and ListCampaigns read the
	// workspace's; UpdateCampaign saves its name, theme, first day, plan,
	// status and UTM settings.
	CreateCampaign(ctx context.Context, c *Campaign, posts []*Post) error
	GetCampaign(ctx context.Context, workspaceID, id string) (*Campaign, error)
	ListCampaigns(ctx context.Context, workspaceID string) ([]*Campaign, error)
	UpdateCampaign(ctx context.Context, c *Campaign) error
}

// MediaStore keeps the records of uploaded media files (their bytes live
// in media.Dir).
type MediaStore interface {
	// CreateMedia records an uploaded file (its bytes are stored apart);
	// GetMedia returns the workspace's (ENOTFOUND otherwise); MediaByID is
	// GetMedia without workspace scope, for workers and the public file URL.
	CreateMedia(ctx context.Context, m *Media) error
	GetMedia(ctx context.Context, workspaceID, id string) (*Media, error)
	MediaByID(ctx context.Context, id string) (*Media, error)
	// MediaUsage is the bytes of the workspace's media files; ListMedia
	// lists its newest media, at most limit (default 100).
	MediaUsage(ctx context.Context, workspaceID string) (int64, error)
	ListMedia(ctx context.Context, workspaceID string, limit int) ([]*Media, error)
	// DeleteMedia removes the workspace's media record: ENOTFOUND if none,
	// ECONFLICT while a post with a target still to publish carries it.
	DeleteMedia(ctx context.Context, workspaceID, id string) error
	// DeleteUnreferencedMedia removes, at most limit (default 100), media
	// created before before that no post carries, and returns their ids (the
	// caller removes their files).
	DeleteUnreferencedMedia(ctx context.Context, before time.Time, limit int) ([]string, error)
}

// MetricsStore keeps the engagement readings of published targets (a
// time series of snapshots) and says which are due.
type MetricsStore interface {
	// DueMetrics lists published targets whose engagement reading is due
	// (metrics_next_at <= now), by account. SaveMetrics stores one reading
	// of a due target as a new snapshot and moves it to its next reading
	// (next nil: no more, as when the post was deleted), by compare-and-set
	// on its step: of two pollers, one stores it (the other gets ECONFLICT).
	DueMetrics(ctx context.Context, now time.Time, limit int) ([]MetricsDue, error)
	SaveMetrics(ctx context.Context, due MetricsDue, m Metrics, next *time.Time) error
	// ReadTargets lists the account's published targets still on their
	// reading schedule (due or not), the most recently published first, at
	// most limit (default 200): what a poll on request reads. SaveReading
	// stores a reading taken off the schedule (a poll on request) as a new
	// snapshot, leaving the schedule as it was; a reading that says the post
	// was deleted ends it. ENOTFOUND when the target does not exist.
	ReadTargets(ctx context.Context, accountID string, limit int) ([]MetricsDue, error)
	SaveReading(ctx context.Context, targetID string, m Metrics) error
	// Snapshots returns every reading of the workspace's targets published
	// in [from, to), in no particular order, each with its figures and its
	// poll results (Metrics.Poll) where it has some.
	Snapshots(ctx context.Context, workspaceID string, from, to time.Time) ([]Snapshot, error)
	// LatestSnapshots is Snapshots keeping each target's last reading at
	// or before asOf (what a comparison reads).
	LatestSnapshots(ctx context.Context, workspaceID string, from, to, asOf time.Time) ([]Snapshot, error)
	// PostReadings returns every reading of the post's targets, ordered by
	// target id then time, at most limit rows (limit <= 0: 1000); the
	// readings carry TargetID and ExternalID. ENOTFOUND when the post is not
	// the workspace's.
	PostReadings(ctx context.Context, workspaceID, postID string, limit int) ([]Metrics, error)
}

// RetentionStore keeps the readings (metric snapshots) in bounds as they
// grow: on PostgreSQL they are partitioned by UTC month, and a month is
// created ahead and compacted whole; on SQLite both are done row by row.
type RetentionStore interface {
	// PrepareReadings makes sure every UTC month from from's to through's
	// has its own partition (PostgreSQL; readings that fell meanwhile into
	// the default partition move into it). Nothing on SQLite.
	PrepareReadings(ctx context.Context, from, through time.Time) error
	// CompactReadings keeps, of the readings taken before the UTC month of
	// before begins, each target's last reading of each UTC day, and
	// deletes the others; it returns how many it deleted. The figures are
	// cumulative, so a day's last reading is that day's figure; a target's
	// latest reading is always kept, and a comparison as of the end of any
	// day is unchanged. On PostgreSQL each raw month partition is replaced
	// by its compacted copy, and the raw partition dropped whole.
	CompactReadings(ctx context.Context, before time.Time) (int64, error)
}

// AudienceStore keeps the accounts' follower counts over time.
type AudienceStore interface {
	// AccountsDueAudience lists connected accounts whose followers are due
	// to be read; SaveAudience stores a reading and when the next is due;
	// AudienceSamples returns the workspace's readings in [from, to).
	AccountsDueAudience(ctx context.Context, now time.Time, limit int) ([]*Account, error)
	SaveAudience(ctx context.Context, accountID string, at time.Time, followers int64, next time.Time) error
	AudienceSamples(ctx context.Context, workspaceID string, from, to time.Time) ([]AudienceSample, error)
}

// WebhookStore keeps webhook subscriptions (secrets sealed).
type WebhookStore interface {
	// CreateWebhook stores a subscription (its secret sealed);
	// ListWebhooks lists the workspace's; DeleteWebhook removes one
	// (ENOTFOUND if none); WebhooksFor lists, with their secrets, those of
	// the workspace subscribed to event (for workers).
	CreateWebhook(ctx context.Context, w *Webhook) error
	ListWebhooks(ctx context.Context, workspaceID string) ([]*Webhook, error)
	DeleteWebhook(ctx context.Context, workspaceID, id string) error
	WebhooksFor(ctx context.Context, workspaceID, event string) ([]*Webhook, error)
	// WebhooksOf lists, with their secrets, the webhooks of several
	// workspaces (for workers: many events' subscriptions in one read).
	WebhooksOf(ctx context.Context, workspaceIDs []string) ([]*Webhook, error)
	// GetWebhook returns a webhook with its secret, without workspace
	// scope (for workers); ENOTFOUND if none.
	GetWebhook(ctx context.Context, id string) (*Webhook, error)
}

// PostFilter selects posts for ListPosts. Posts come ordered by
// (scheduled_at, id); Cursor is the opaque value returned with a page.
type PostFilter struct {
	From      *time.Time   // scheduled at or after
	To        *time.Time   // scheduled before
	Status    TargetStatus // posts with at least one target in this status
	Review    string       // posts in this review state (ReviewPending…); StatusFilter sets it
	AccountID string       // posts with a target on this account
	Network   string       // posts with a target on this network
	// CampaignID: the campaign's posts; Tag: posts carrying the tag;
	// Author: posts by the author.
	CampaignID string
	Tag        string
	Author     string
	// SeriesID: the occurrences of a series; ChallengeWeek: posts
	// submitted to that week of a challenge (with CampaignID).
	SeriesID      string
	ChallengeWeek string
	Cursor        string
	Limit         int // default 50, at most 200
}

// TargetRef is what a publish task needs to find its target.
type TargetRef struct {
	ID          string
	Version     int
	Network     string
	ScheduledAt time.Time
}

// TargetFinish is one outcome for FinishTargets: target ID, publishing at
// Version, ends with Outcome.
type TargetFinish struct {
	ID      string
	Version int
	Outcome Outcome
}

// TargetResult is one target's result in a batch: the target after the
// change, or why it did not change.
type TargetResult struct {
	Target *Target
	Err    error
}

// Outcome is the result of one publish attempt.
type Outcome struct {
	// Status: published, failed, unconfirmed, held, or scheduled (to be
	// retried; with BumpVersion when the old task is gone and a new one
	// must be queued).
	Status      TargetStatus
	ExternalID  string
	URL         string
	Error       string
	At          time.Time
	BumpVersion bool
	// Parts are thread parts known to be on the network, saved with the
	// outcome (those already stored are kept as they are).
	Parts []TargetPart
	// Event, when set, is recorded in the post's history (action
	// "publishing", actor rythme) with the outcome: what happened to a
	// thread's parts.
	Event string
}

// Sealer encrypts secrets at rest (OAuth tokens, client secrets, PKCE
// verifiers). Open accepts what any of its keys sealed, so keys can be
// rotated; aad names where the value is stored (table, column, row) and
// must be the same to Open as it was to Seal. NeedsReseal reports a value
// sealed with an older key or in an older format.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(ciphertext, aad []byte) ([]byte, error)
	NeedsReseal(ciphertext []byte) bool
}

// PeopleStore keeps members, their memberships of workspaces, their
// sessions, invitations and password resets.
type PeopleStore interface {
	// CreateMember inserts m (ID and CreatedAt default; Email normalised by
	// the caller): ECONFLICT when the email is taken. CreateFirstMember does
	// so, and makes m an admin of workspaceID (empty: the oldest workspace),
	// if and only if the store has no member yet; it reports whether it did. GetMember and MemberByEmail
	// answer ENOTFOUND for no such member.
	CreateMember(ctx context.Context, m *Member) error
	CreateFirstMember(ctx context.Context, m *Member, workspaceID string) (bool, error)
	GetMember(ctx context.Context, id string) (*Member, error)
	MemberByEmail(ctx context.Context, email string) (*Member, error)
	// AddMembership makes the member part of the workspace (ECONFLICT if it
	// is already); MemberWorkspaces lists the member's workspaces by name;
	// ListWorkspaceMembers lists the workspace's members by name.
	// SetMemberRole and RemoveMembership answer ENOTFOUND for a member who
	// is not in the workspace.
	AddMembership(ctx context.Context, ms *Membership) error
	MemberWorkspaces(ctx context.Context, memberID string) ([]MemberWorkspace, error)
	ListWorkspaceMembers(ctx context.Context, workspaceID string) ([]WorkspaceMember, error)
	SetMemberRole(ctx context.Context, workspaceID, memberID string, role Role) error
	RemoveMembership(ctx context.Context, workspaceID, memberID string) error
	// CreateSession stores a session; SessionByHash returns the one with
	// that hash not expired at now (ENOTFOUND otherwise); SetSessionWorkspace
	// records the workspace the session works in; DeleteSession ends one
	// (no error if none); DeleteMemberSessions ends all of a member's and
	// returns how many.
	CreateSession(ctx context.Context, se *Session) error
	SessionByHash(ctx context.Context, hash []byte, now time.Time) (*Session, error)
	SetSessionWorkspace(ctx context.Context, id, workspaceID string) error
	DeleteSession(ctx context.Context, hash []byte) error
	DeleteMemberSessions(ctx context.Context, memberID string) (int, error)
	// CreateInvitation stores an invitation; ListInvitations lists the
	// workspace's, newest first; RevokeInvitation revokes a pending one
	// (ENOTFOUND if none in the workspace, ECONFLICT once accepted).
	// AcceptInvitation, in one transaction, takes the pending invitation
	// with that hash (ENOTFOUND when unknown, accepted, revoked or expired
	// at now: it is used once), creates newMember when not nil (ECONFLICT
	// when its email is taken) and adds memberID, or newMember, to the
	// workspace with the invitation's role (ECONFLICT if already in it).
	CreateInvitation(ctx context.Context, inv *Invitation) error
	ListInvitations(ctx context.Context, workspaceID string) ([]*Invitation, error)
	RevokeInvitation(ctx context.Context, workspaceID, id string, at time.Time) error
	InvitationByHash(ctx context.Context, hash []byte, now time.Time) (*Invitation, error)
	AcceptInvitation(ctx context.Context, hash []byte, now time.Time, memberID string, newMember *Member) (*Invitation, error)
	// CreatePasswordReset stores a reset link. ResetPassword, in one
	// transaction, consumes the reset with that hash (ENOTFOUND when
	// unknown, used or expired at now), sets the member's password hash and
	// ends every session and other reset of the member; it returns the
	// member.
	CreatePasswordReset(ctx context.Context, r *PasswordReset) error
	ResetPassword(ctx context.Context, hash []byte, now time.Time, passwordHash string) (*Member, error)
}
