package worker

import (
	"context"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// The store as each part of the worker uses it: every part declares the
// few methods it calls (rythme.Store documents them), so that what a part
// may change is read in one place. rythme.Store, and sqlstore.Store, are
// every one of them.

// Store is what a whole worker uses: the sum of its parts' stores.
type Store interface {
	PublishStore
	BatchStore
	DeliverStore
	PollStore
	HistoryStore
	RefreshStore
	ReconcileStore
	LimitsStore
	CleanupStore
	QueueStore
	NotifyStore
	InboxStore
}

// AccountCallsStore is what the calls made on an account's behalf use:
// reading the account again, saving a refreshed token and, when the
// network refuses it for good, marking it needs_reconnect and holding its
// targets.
type AccountCallsStore interface {
	AccountByID(ctx context.Context, id string) (*rythme.Account, error)
	UpdateAccountToken(ctx context.Context, id string, tok rythme.Token) error
	SetAccountStatus(ctx context.Context, id string, status rythme.AccountStatus, reason string) error
	HoldAccountTargets(ctx context.Context, accountID, reason string, now time.Time) (int, error)
}

// PublishStore is what the publish handler uses: the target's claim → call
// → finish path, its thread parts and its media, besides the account calls.
type PublishStore interface {
	AccountCallsStore
	GetTarget(ctx context.Context, id string) (*rythme.Target, error)
	ClaimTarget(ctx context.Context, id string, version int, now, leaseUntil time.Time) (*rythme.Target, error)
	FinishTarget(ctx context.Context, id string, version int, out rythme.Outcome) (*rythme.Target, error)
	SaveTargetPart(ctx context.Context, targetID string, p rythme.TargetPart) error
	MediaByID(ctx context.Context, id string) (*rythme.Media, error)
	// SaveInboxItems puts a first comment in the inbox, as the team's own.
	SaveInboxItems(ctx context.Context, items []*rythme.InboxItem) ([]*rythme.InboxItem, error)
}

// NotifyStore is what the notifier uses: the webhooks an event goes to.
type NotifyStore interface {
	WebhooksFor(ctx context.Context, workspaceID, event string) ([]*rythme.Webhook, error)
}

// DeliverStore is what the webhook deliverer uses: the webhook, and for a
// channel webhook the account calls and its OAuth app.
type DeliverStore interface {
	AccountCallsStore
	connectors.Apps
	GetWebhook(ctx context.Context, id string) (*rythme.Webhook, error)
}

// PollStore is what the metrics poller uses: the due readings and
// audiences, and how the account's reads fare.
type PollStore interface {
	AccountCallsStore
	connectors.Apps
	DueMetrics(ctx context.Context, now time.Time, limit int) ([]rythme.MetricsDue, error)
	SaveMetrics(ctx context.Context, due rythme.MetricsDue, m rythme.Metrics, next *time.Time) error
	ReadTargets(ctx context.Context, accountID string, limit int) ([]rythme.MetricsDue, error)
	SaveReading(ctx context.Context, targetID string, m rythme.Metrics) error
	AccountsDueAudience(ctx context.Context, now time.Time, limit int) ([]*rythme.Account, error)
	SaveAudience(ctx context.Context, accountID string, at time.Time, followers int64, next time.Time) error
	RecordMetricsRead(ctx context.Context, accountID string, at time.Time) error
	RecordMetricsError(ctx context.Context, accountID, reason string, at time.Time, failures int) error
}

// RefreshStore is what the token refresher uses: the accounts whose token
// expires soon, besides the account calls.
type RefreshStore interface {
	AccountCallsStore
	connectors.Apps
	AccountsExpiring(ctx context.Context, before time.Time, limit int) ([]*rythme.Account, error)
}

// ReconcileStore is what the reconciler uses: due targets, expired leases
// and the series whose horizon moves.
type ReconcileStore interface {
	DueTargets(ctx context.Context, until time.Time, all bool, limit int) ([]rythme.TargetRef, error)
	ExpiredLeases(ctx context.Context, now time.Time, limit int) ([]*rythme.Target, error)
	AccountByID(ctx context.Context, id string) (*rythme.Account, error)
	FinishTarget(ctx context.Context, id string, version int, out rythme.Outcome) (*rythme.Target, error)
	SeriesDue(ctx context.Context, before time.Time, limit int) ([]*rythme.Series, error)
	AddOccurrences(ctx context.Context, se *rythme.Series, posts []*rythme.Post, until time.Time, complete bool) ([]*rythme.Post, error)
}

// LimitsStore is what the limits sweep uses: the connected accounts, and
// their meta where it records the limits their server announces.
type LimitsStore interface {
	ConnectedAccounts(ctx context.Context, network, afterID string, limit int) ([]*rythme.Account, error)
	MergeAccountMeta(ctx context.Context, id string, meta map[string]string) error
}

// CleanupStore is what the cleanup sweep uses (and Resealer, when the
// store is one).
type CleanupStore interface {
	PurgeOAuthStates(ctx context.Context, now time.Time) (int, error)
	DeleteUnreferencedMedia(ctx context.Context, before time.Time, limit int) ([]string, error)
	PrepareReadings(ctx context.Context, from, through time.Time) error
	CompactReadings(ctx context.Context, before time.Time) (int64, error)
}

// QueueStore is what the queue uses: it records which versions it queued.
type QueueStore interface {
	MarkQueued(ctx context.Context, refs []rythme.TargetRef) error
}

var _ Store = rythme.Store(nil)
