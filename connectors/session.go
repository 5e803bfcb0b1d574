package connectors

import (
	"context"
	"io"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
)

// Media is a file attached to a post, as a connector sees it.
type Media struct {
	ID          string
	ContentType string // image/jpeg, image/png, image/gif, image/webp, video/mp4, video/quicktime
	Size        int64
	AltText     string
	// URL is where rythme serves the file publicly, for networks that fetch
	// media themselves (Instagram, Threads, TikTok).
	URL string
	// Open returns the file's bytes, for networks that take uploads (X,
	// Mastodon, LinkedIn, Bluesky, Slack).
	Open func() (io.ReadCloser, error)
}

// DirectConnector is implemented by networks whose accounts connect
// without a browser redirect: a webhook URL (Discord, Microsoft Teams) or
// an app password (Bluesky). Info().Auth says which ("webhook",
// "app_password").
type DirectConnector interface {
	// Connect validates p, checks the credentials with the network where it
	// can, and returns the account and the credentials to keep (sealed at
	// rest like any token). EINVALID for bad params; a *Error of kind Auth
	// when the network refuses the credentials.
	Connect(ctx context.Context, p ConnectParams, base *http.Client) (*Identity, rythme.Token, error)
}

// SessionOpener is implemented by connectors whose credentials are not a
// plain OAuth 2 bearer token (webhooks carry no header; Bluesky refreshes
// its session with com.atproto.server.refreshSession). Others get
// OAuth2Session.
type SessionOpener interface {
	OpenSession(ctx context.Context, acct *rythme.Account, base *http.Client, save func(context.Context, rythme.Token) error) (Session, error)
}

// Exchanger is implemented by OAuth 2 connectors whose token exchange is
// not the standard one (TikTok names the client "client_key"; Meta trades
// the short-lived token for a long-lived one). The default is
// cfg.Exchange with the PKCE verifier.
type Exchanger interface {
	Exchange(ctx context.Context, cfg *oauth2.Config, code, verifier string) (*oauth2.Token, error)
}

// Session is an account's authorised HTTP client for one job.
type Session interface {
	// Client carries the credentials (refreshed as needed, and saved).
	Client() *http.Client
	// Invalidate marks the credentials as refused (after a 401): the next
	// request refreshes them. It reports whether a refresh is possible.
	Invalidate() bool
	// Refresh renews the credentials now (the refresh-ahead task), saving
	// them; a *Error of kind Auth when the network refuses.
	Refresh(ctx context.Context) error
	// Expiry is when the current credentials expire (zero: never).
	Expiry() time.Time
}

// OpenSession returns a session for acct: the connector's own when it is a
// SessionOpener, else an OAuth 2 session built from its OAuth2Config (for
// the account's instance) whose token source refreshes and saves.
func OpenSession(ctx context.Context, c Connector, acct *rythme.Account, base *http.Client, redirectURI string, apps Apps,
	save func(context.Context, rythme.Token) error) (Session, error) {
	if so, ok := c.(SessionOpener); ok {
		return so.OpenSession(ctx, acct, base, save)
	}
	cfg, err := c.OAuth2Config(ctx, ConnectParams{"instance_url": acct.InstanceURL}, redirectURI, apps)
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, base)
	return NewOAuth2Session(NewTokenSource(ctx, cfg, acct.Token, save), base), nil
}

// NewOAuth2Session returns the session of an OAuth 2 token source: requests
// carry its token, on base's transport.
func NewOAuth2Session(ts *TokenSource, base *http.Client) Session {
	return &oauth2Session{ts: ts, client: AuthorizedClient(base, ts)}
}

type oauth2Session struct {
	ts     *TokenSource
	client *http.Client
}

func (s *oauth2Session) Client() *http.Client { return s.client }
func (s *oauth2Session) Invalidate() bool     { return s.ts.Invalidate() }
func (s *oauth2Session) Expiry() time.Time    { return s.ts.Current().Expiry }
func (s *oauth2Session) Refresh(ctx context.Context) error {
	if !s.ts.Invalidate() {
		return &Error{Kind: Auth, Message: "the token cannot be refreshed (no refresh token)"}
	}
	_, err := s.ts.Token()
	return err
}

// StaticSession is a session whose credentials never change: the base
// client (webhook networks put the secret in the URL they call).
func StaticSession(base *http.Client) Session { return staticSession{base} }

type staticSession struct{ c *http.Client }

func (s staticSession) Client() *http.Client        { return s.c }
func (staticSession) Invalidate() bool              { return false }
func (staticSession) Refresh(context.Context) error { return nil }
func (staticSession) Expiry() time.Time             { return time.Time{} }

// DualConnector is a network that connects either through OAuth 2 or
// directly (X: the OAuth 1.0a keys of a bot account). UseDirect says which,
// from what the user gave.
type DualConnector interface {
	DirectConnector
	UseDirect(p ConnectParams) bool
}

// ConnectsDirectly reports whether c connects without a browser redirect
// for p: a DirectConnector always, a DualConnector when it says so.
func ConnectsDirectly(c Connector, p ConnectParams) (DirectConnector, bool) {
	dc, ok := c.(DirectConnector)
	if !ok {
		return nil, false
	}
	if dual, ok := c.(DualConnector); ok {
		return dc, dual.UseDirect(p)
	}
	return dc, true
}

// AudienceFetcher is implemented by networks that tell an account's
// followers: the poller reads them daily, for audience growth.
type AudienceFetcher interface {
	FetchFollowers(ctx context.Context, acct *rythme.Account, client *http.Client) (int64, error)
}

// HasFollowers reports whether c reads an account's follower count.
func HasFollowers(c Connector) bool {
	_, ok := c.(AudienceFetcher)
	return ok
}

// PollReader is implemented by networks that give a poll's votes with a
// call of its own, apart from the post's engagement (Threads: the media
// object's poll_attachment, where FetchMetrics reads its insights): the
// poller asks it for the posts that carry a poll only, and puts the votes
// into their readings. FetchPolls returns one result per id, in order, nil
// where the post has no poll (or is gone). Networks that give the votes
// with the post (Mastodon, X, Discord) fill Metrics.Poll in FetchMetrics
// instead.
type PollReader interface {
	FetchPolls(ctx context.Context, acct *rythme.Account, client *http.Client, externalIDs []string) ([]*rythme.PollResults, error)
}
