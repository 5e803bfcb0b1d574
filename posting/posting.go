// Package posting is rythme's application layer for posts: the use cases
// (create, edit, submit, approve, reject, resolve, cancel, import) and the
// one implementation of each post rule — validation (Validate), approval
// (Approval), enqueueing (Enqueue, DueRefs) and history (Record).
//
// The api's handlers decode a request, call one method here and encode
// the answer; the worker's sweeps call the same code. posting never speaks
// HTTP, never publishes to a network itself (the worker does, from the
// queue), and never logs a token or a post's content.
package posting

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Queue puts publish tasks on the work queue (the worker implements it). A
// failure is logged, never returned: the post is already safe in the store
// and the reconciler enqueues whatever is due and not queued.
type Queue interface {
	EnqueuePublish(ctx context.Context, refs []rythme.TargetRef) error
}

// PostStore writes posts. See rythme.Store for each method's contract.
type PostStore interface {
	CreatePost(ctx context.Context, p *rythme.Post) error
	CreatePosts(ctx context.Context, posts []*rythme.Post) error
	UpdatePost(ctx context.Context, workspaceID, id string, fn func(*rythme.Post) error) (*rythme.Post, error)
}

// AccountReader reads a workspace's connected accounts (ENOTFOUND for
// another workspace's).
type AccountReader interface {
	GetAccount(ctx context.Context, workspaceID, id string) (*rythme.Account, error)
}

// MediaReader reads a workspace's uploaded media (ENOTFOUND otherwise).
type MediaReader interface {
	GetMedia(ctx context.Context, workspaceID, id string) (*rythme.Media, error)
}

// WorkspaceReader reads a workspace's settings (its review rule).
type WorkspaceReader interface {
	GetWorkspace(ctx context.Context, id string) (*rythme.Workspace, error)
}

// SlotReader lists the times accounts' live targets take (next slot).
type SlotReader interface {
	TakenTimes(ctx context.Context, workspaceID string, accountIDs []string, from, to time.Time) (map[string][]time.Time, error)
}

// Store is every store method posting uses: the sum of the small
// interfaces above. rythme.Store satisfies it.
type Store interface {
	PostStore
	PostReader
	AccountReader
	MediaReader
	WorkspaceReader
	SlotReader
}

// Config is what the Service needs. Store and Connectors are required.
type Config struct {
	Store      Store
	Connectors *connectors.Registry
	// Queue receives publish tasks for targets due within Horizon. Nil:
	// nothing is enqueued (the reconciler does it).
	Queue Queue
	// Logger receives enqueue failures; default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Horizon: targets due within it are enqueued at once; later ones are
	// enqueued by the reconciler's sweeps. Default 1h.
	Horizon time.Duration
}

// WithDefaults returns cfg with every unset optional field at its default.
func (cfg Config) WithDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Horizon <= 0 {
		cfg.Horizon = time.Hour
	}
	return cfg
}

// Validate reports a missing required field.
func (cfg Config) Validate() error {
	if cfg.Store == nil {
		return errors.New("posting: config: Store is required")
	}
	if cfg.Connectors == nil {
		return errors.New("posting: config: Connectors is required")
	}
	return nil
}

// Service holds the post use cases' dependencies. It is safe for
// concurrent use.
type Service struct {
	store   Store
	conns   *connectors.Registry
	queue   Queue
	log     *slog.Logger
	clock   func() time.Time
	horizon time.Duration
}

// New returns a Service for cfg.
func New(cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	return &Service{store: cfg.Store, conns: cfg.Connectors, queue: cfg.Queue, log: cfg.Logger,
		clock: cfg.Now, horizon: cfg.Horizon}, nil
}

// Now returns the clock's time at the store's precision (microseconds,
// UTC).
func (s *Service) Now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }
