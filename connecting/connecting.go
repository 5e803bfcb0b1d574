// Package connecting is the use case of connecting a network account to a
// workspace: starting an OAuth 2 authorization (PKCE, a single-use state,
// a binding nonce for whoever started it), finishing it when the network
// sends the browser back (code exchange, identity), connecting directly
// where the network takes a webhook URL or an app password, and, on every
// connection, releasing the account's held targets back onto the queue. It
// also disconnects an account, holding its targets.
//
// The api's handlers decode the request, call a Service method and encode
// its answer; the binding cookie and the confirmation page stay there, as
// they are HTTP. This package never publishes, never writes a token, a
// verifier, a state or a binding to a log line, and hands back accounts
// without their token.
package connecting

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// StateTTL is how long an authorization may take, from Start to Finish.
const StateTTL = 15 * time.Minute

// MaxOpenStates bounds the authorizations a workspace may have in progress.
const MaxOpenStates = 100

// releaseScan bounds how many due targets are enqueued after a reconnect;
// the reconciler takes any rest.
const releaseScan = 1000

// ErrTooManyAuthorizations is wrapped by Start's ERATELIMITED answer when
// the workspace has MaxOpenStates authorizations in progress: retry after
// StateTTL at the latest.
var ErrTooManyAuthorizations = errors.New("connecting: too many authorizations in progress")

// errBadState is the answer for any state that cannot be used.
var errBadState = rythme.Errorf(rythme.EBADREQUEST,
	"this authorization link is unknown, expired or already used: start connecting the account again")

// Store is what connecting uses of the store: the networks' client
// registrations, the authorization states, the account, and its targets.
type Store interface {
	connectors.Apps
	OpenOAuthStates(ctx context.Context, workspaceID string, now time.Time) (int, error)
	CreateOAuthState(ctx context.Context, st *rythme.OAuthState) error
	ConsumeOAuthState(ctx context.Context, stateHash []byte, now time.Time) (*rythme.OAuthState, error)
	GetAccount(ctx context.Context, workspaceID, id string) (*rythme.Account, error)
	UpsertAccount(ctx context.Context, a *rythme.Account) error
	SetAccountStatus(ctx context.Context, id string, status rythme.AccountStatus, reason string) error
	HoldAccountTargets(ctx context.Context, accountID, reason string, now time.Time) (int, error)
	ReleaseAccountTargets(ctx context.Context, accountID string, now time.Time) (int, error)
	DueTargets(ctx context.Context, until time.Time, all bool, limit int) ([]rythme.TargetRef, error)
}

// Queue puts publish tasks on the work queue (worker.Queue is one).
type Queue interface {
	EnqueuePublish(ctx context.Context, refs []rythme.TargetRef) error
}

// Service connects accounts. Store, Connectors, RedirectURI, HTTPClient,
// Now and Logger are required; Queue and OnConnected are optional.
type Service struct {
	Store      Store
	Connectors *connectors.Registry
	// Queue receives the publish tasks of the targets a reconnection
	// releases, when due within Horizon. Nil: the reconciler enqueues them.
	Queue   Queue
	Horizon time.Duration
	// RedirectURI is where the network sends the browser back to for
	// network (the API's callback route).
	RedirectURI func(network string) string
	// HTTPClient makes the network calls (app registration, token
	// exchange, identity); it should refuse private addresses.
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     *slog.Logger
	// OnConnected, when set, is called once an account is connected or
	// reconnected (saved, its held targets released), with the account
	// without its token. It runs within the request: it must be quick
	// (enqueue a task, not do the work) and handles its own failures, as
	// the account is connected whatever it does.
	OnConnected func(ctx context.Context, acc *rythme.Account)
}

// now returns the clock's time at the store's precision.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// netCtx carries the HTTP client for network calls (oauth2 and connectors
// read it under oauth2.HTTPClient) and bounds them: a slow network must not
// hold a request forever.
func (s *Service) netCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, 2*connectors.DefaultTimeout)
	return context.WithValue(ctx, oauth2.HTTPClient, s.HTTPClient), cancel
}

// NetworkError is a step of the flow that the network (or the connector
// talking to it) failed: Step is "connect", "oauth2 config", "exchange" or
// "identify", Err the connector's error. The caller decides what of it a
// user may see (a remote server's own words never: the host may be one
// the user chose).
type NetworkError struct {
	Step string
	Err  error
}

func (e *NetworkError) Error() string { return "connecting: " + e.Step + ": " + e.Err.Error() }
func (e *NetworkError) Unwrap() error { return e.Err }

// Started is what Start answers: either the account, connected directly,
// or the authorization to send the browser to.
type Started struct {
	// Account is the account when the network connected directly (a
	// webhook URL or an app password: no browser round trip).
	Account *rythme.Account
	// AuthorizeURL is where to send the browser; it carries State, which
	// comes back to Finish. Binding is the nonce whose hash the state
	// keeps: the browser (cookie) or client (header) that started the
	// authorization presents it at the callback.
	AuthorizeURL string
	State        string
	Binding      string
}

// Start connects an account of network to workspace ws with the connect
// parameters params: at once when the network connects directly with
// them, else by starting an authorization. Errors: ENOTFOUND (no such
// network), EBADREQUEST (a parameter the network does not take), EINVALID
// (a required one missing, or refused), ERATELIMITED wrapping
// ErrTooManyAuthorizations, *NetworkError.
func (s *Service) Start(ctx context.Context, ws, network string, params map[string]string) (*Started, error) {
	conn, err := s.Connectors.Get(network)
	if err != nil {
		return nil, err
	}
	if err := checkParams(conn, params); err != nil {
		return nil, err
	}
	ctx, cancel := s.netCtx(ctx)
	defer cancel()
	if dc, ok := connectors.ConnectsDirectly(conn, connectors.ConnectParams(params)); ok {
		id, tok, err := dc.Connect(ctx, connectors.ConnectParams(params), s.HTTPClient)
		if err != nil {
			return nil, &NetworkError{Step: "connect", Err: err}
		}
		acc, err := s.connected(ctx, ws, network, params, id, tok)
		if err != nil {
			return nil, err
		}
		return &Started{Account: acc}, nil
	}
	return s.authorize(ctx, conn, ws, network, params)
}

// checkParams refuses a parameter the network does not take and, unless it
// connects directly with them, a required one missing.
func checkParams(conn connectors.Connector, params map[string]string) error {
	info := conn.Info()
	for k := range params {
		if !slices.Contains(info.ConnectParams, k) && !slices.Contains(info.ConnectOptional, k) {
			e := rythme.Errorf(rythme.EBADREQUEST, "unknown field %q: %s takes %v", k, info.Title, append(info.ConnectParams, info.ConnectOptional...))
			e.Fields = []rythme.FieldError{{Field: k, Message: e.Message}}
			return e
		}
	}
	if _, direct := connectors.ConnectsDirectly(conn, connectors.ConnectParams(params)); direct && isDual(conn) {
		return nil
	}
	var missing []rythme.FieldError
	for _, k := range info.ConnectParams {
		if params[k] == "" {
			missing = append(missing, rythme.FieldError{Field: k, Message: "is required"})
		}
	}
	if len(missing) > 0 {
		return rythme.Invalid(missing...)
	}
	return nil
}

// isDual reports whether the connector connects two ways (its direct
// parameters are then optional ones, checked by the connector).
func isDual(c connectors.Connector) bool {
	_, ok := c.(connectors.DualConnector)
	return ok
}

// authorize starts an OAuth authorization with PKCE: it stores the state
// (its hash, the verifier, the binding's hash) and answers the URL.
func (s *Service) authorize(ctx context.Context, conn connectors.Connector, ws, network string, params map[string]string) (*Started, error) {
	now := s.now()
	redirect := s.RedirectURI(network)
	oc, err := conn.OAuth2Config(ctx, connectors.ConnectParams(params), redirect, s.Store)
	if err != nil {
		return nil, &NetworkError{Step: "oauth2 config", Err: err}
	}
	state, err := randomToken()
	if err != nil {
		return nil, wrap("random state", err)
	}
	verifier := oauth2.GenerateVerifier()
	hash := sha256.Sum256([]byte(state))
	if n, err := s.Store.OpenOAuthStates(ctx, ws, now); err != nil {
		return nil, wrap("count oauth states", err)
	} else if n >= MaxOpenStates {
		return nil, &rythme.Error{Code: rythme.ERATELIMITED, Err: ErrTooManyAuthorizations, Message: fmt.Sprintf(
			"this workspace has %d authorizations in progress: finish them, or retry when they expire (%s)", n, StateTTL)}
	}
	binding, err := randomToken()
	if err != nil {
		return nil, wrap("random binding", err)
	}
	bindingHash := sha256.Sum256([]byte(binding))
	st := &rythme.OAuthState{
		StateHash: hash[:], WorkspaceID: ws, Network: network, Params: params,
		Verifier: verifier, RedirectURI: redirect, BindingHash: bindingHash[:], CreatedAt: now, ExpiresAt: now.Add(StateTTL),
	}
	if err := s.Store.CreateOAuthState(ctx, st); err != nil {
		return nil, wrap("save oauth state", err)
	}
	return &Started{AuthorizeURL: oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), State: state, Binding: binding}, nil
}

// randomToken returns 32 random bytes, base64url.
func randomToken() (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// connected stores a connected (or reconnected) account with its
// credentials, releases its held targets, enqueues what is due and calls
// OnConnected. The account comes back without its token.
func (s *Service) connected(ctx context.Context, ws, network string, params map[string]string, id *connectors.Identity, tok rythme.Token) (*rythme.Account, error) {
	now := s.now()
	acc := &rythme.Account{
		WorkspaceID: ws, Network: network, InstanceURL: id.InstanceURL,
		ExternalID: id.ExternalID, Username: id.Username, DisplayName: id.DisplayName,
		ProfileURL: id.ProfileURL, Status: rythme.AccountConnected, Meta: id.Meta,
		Token: tok, CreatedAt: now, UpdatedAt: now,
	}
	if acc.InstanceURL == "" {
		acc.InstanceURL = params["instance_url"]
	}
	if err := s.Store.UpsertAccount(ctx, acc); err != nil {
		return nil, wrap("save account", err)
	}
	if n, err := s.Store.ReleaseAccountTargets(ctx, acc.ID, now); err != nil {
		return nil, wrap("release held targets", err)
	} else if n > 0 {
		// The released targets are due and not queued; so may be others
		// (the reconciler's work, done a little early): the queue dedupes
		// by task id, so enqueuing them is harmless.
		refs, err := s.Store.DueTargets(ctx, s.Now().Add(s.Horizon), false, releaseScan)
		if err != nil {
			s.Logger.WarnContext(ctx, "connecting: list released targets; the reconciler will enqueue them", "error", err.Error())
		}
		s.enqueue(ctx, refs)
	}
	acc.Token = rythme.Token{}
	if s.OnConnected != nil {
		s.OnConnected(ctx, acc)
	}
	return acc, nil
}

// enqueue hands refs to the queue; a failure is logged, never returned.
func (s *Service) enqueue(ctx context.Context, refs []rythme.TargetRef) {
	if len(refs) == 0 || s.Queue == nil {
		return
	}
	if err := s.Queue.EnqueuePublish(ctx, refs); err != nil {
		s.Logger.WarnContext(ctx, "connecting: enqueue publish failed; the reconciler will enqueue later",
			slog.Int("targets", len(refs)), slog.String("error", err.Error()))
	}
}

// Disconnect marks the workspace's account disconnected (its token is
// wiped) and holds its scheduled targets: kept, not lost, until it
// reconnects. It answers the account as it is now. ENOTFOUND for another
// workspace's account.
func (s *Service) Disconnect(ctx context.Context, ws, id string) (*rythme.Account, error) {
	if _, err := s.Store.GetAccount(ctx, ws, id); err != nil {
		return nil, wrap("get account", err)
	}
	if err := s.Store.SetAccountStatus(ctx, id, rythme.AccountDisconnected, "disconnected by a person"); err != nil {
		return nil, wrap("disconnect account", err)
	}
	if _, err := s.Store.HoldAccountTargets(ctx, id, "account disconnected", s.now()); err != nil {
		return nil, wrap("hold account targets", err)
	}
	acc, err := s.Store.GetAccount(ctx, ws, id)
	if err != nil {
		return nil, wrap("get account", err)
	}
	return acc, nil
}

// wrap names the operation that failed, keeping err's code and message.
func wrap(op string, err error) error { return fmt.Errorf("connecting: %s: %w", op, err) }
