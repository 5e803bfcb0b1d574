// Package connectors defines what rythme needs from a social network: the
// Connector interface, the kinds of error a connector returns (the worker
// acts on the kind, never on the network's text), and a registry. Each
// network lives in its own sub-package (connectors/mastodon…), and
// connectors/connectortest is the conformance suite every one passes.
//
// A connector never touches the store, the queue or a log of tokens: it
// turns a request into the network's wire format and the answer into
// rythme's types.
package connectors

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
)

// ConnectParams is what a user gave to connect an account (for Mastodon
// {"instance_url": "https://mastodon.social"}), validated by the connector.
type ConnectParams map[string]string

// Identity is the account an OAuth token belongs to.
type Identity struct {
	ExternalID  string
	Username    string
	DisplayName string
	ProfileURL  string
	// InstanceURL is the normalised base URL of the account's server.
	InstanceURL string
	// Meta is kept on the account (never secrets), e.g. "idempotency":
	// "honoured" when the server is known to dedupe Idempotency-Key.
	Meta map[string]string
}

// PublishRequest is one post for one account.
type PublishRequest struct {
	Text string
	// IdempotencyKey is the same for every attempt of one target (its id):
	// a network that honours keys publishes it at most once.
	IdempotencyKey string
	// Media attached to the post, in order (validated against the
	// network's limits before it is scheduled).
	Media []Media
	// Thread holds the parts published after Text, each as a reply to the
	// one before (X, Bluesky, Threads, Mastodon).
	Thread []string
	// Done are the parts an earlier attempt published (Index 0, 1, … with
	// no gap): a thread-capable connector skips them (no media upload when
	// part 0 is out), replies to the last of them, and returns part 0 as
	// the Published result. See PublishThread.
	Done []Part
	// PartPublished, when set, is called right after the network confirms
	// each part, before the next is sent; its error stops Publish.
	PartPublished PartFunc
	// InReplyTo, when set, makes the post a reply to that network id (a
	// reply from the inbox). Only a connector that is a Replier takes it;
	// the others are never handed one.
	InReplyTo string
	// Poll is a native poll on the first post (its question is Text),
	// validated against Info().Polls (or the account's server's limits)
	// before it is scheduled; only a connector whose Info().Polls is set is
	// handed one.
	Poll *rythme.Poll
	// Title is the headline where a network wants one (Reddit).
	Title string
	// Options are network-specific choices (Reddit "subreddit", Slack
	// "channel", TikTok "privacy_level"…), each connector documenting its
	// own; unknown keys are ignored.
	Options map[string]string
}

// Published is what the network says of a new post.
type Published struct {
	ExternalID string
	URL        string
	// QuotaResetAt, when set, says the network's rate-limit headers
	// reported the account's quota used up until then: workers wait.
	QuotaResetAt time.Time
}

// Apps stores OAuth client registrations, for networks that register a
// client per server (Mastodon registers an app on every instance).
type Apps interface {
	GetOAuthApp(ctx context.Context, network, instanceURL, redirectURI string) (*rythme.OAuthApp, error)
	SaveOAuthApp(ctx context.Context, app *rythme.OAuthApp) error
}

// Connector is one social network.
//
// Every method that talks to the network takes an *http.Client that
// already carries the account's credentials (an oauth2 client whose token
// source refreshes and saves the token); errors are *Error values with a
// Kind, built with the helpers of this package.
type Connector interface {
	// Info describes the network and its limits.
	Info() rythme.Network
	// Validate checks text against the network's rules, counted the way
	// the network counts (Mastodon counts any URL as 23 characters). It
	// returns one message per problem, or nil.
	Validate(text string) []string
	// OAuth2Config returns the client configuration for p, registering a
	// client with the server first where the network needs it (through
	// apps, once per server). EINVALID when p is incomplete or malformed.
	OAuth2Config(ctx context.Context, p ConnectParams, redirectURI string, apps Apps) (*oauth2.Config, error)
	// Identify returns the account the client's token belongs to.
	Identify(ctx context.Context, p ConnectParams, client *http.Client) (*Identity, error)
	// Publish posts req on acct. With an idempotency key the network
	// honours, a retry of the same request cannot publish twice.
	Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req PublishRequest) (*Published, error)
	// Idempotent reports whether a retry with the same key is safe on this
	// account's server (not every server that speaks an API honours it).
	Idempotent(acct *rythme.Account) bool
	// FetchMetrics reads engagement of published posts (by external id),
	// batched as the network allows. A post the network no longer has comes
	// back with Deleted set.
	FetchMetrics(ctx context.Context, acct *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error)
}

// Registry holds the connectors rythme was built with, by network name.
type Registry struct {
	mu sync.RWMutex
	m  map[string]Connector
}

// NewRegistry returns a registry of the given connectors.
func NewRegistry(cs ...Connector) *Registry {
	r := &Registry{m: map[string]Connector{}}
	for _, c := range cs {
		r.Register(c)
	}
	return r
}

// Register adds c under its network name, replacing any other.
func (r *Registry) Register(c Connector) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[c.Info().Name] = c
}

// Get returns the connector of a network, or ENOTFOUND.
func (r *Registry) Get(network string) (Connector, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if c, ok := r.m[network]; ok {
		return c, nil
	}
	return nil, rythme.Errorf(rythme.ENOTFOUND, "network %q is not supported", network)
}

// All returns every connector, ordered by network name.
func (r *Registry) All() []Connector {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Connector, 0, len(r.m))
	for _, c := range r.m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Info().Name < out[j].Info().Name })
	return out
}
