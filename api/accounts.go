package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/web"
)

// stateTTL is how long an authorization may take, from connect to callback.
const stateTTL = 15 * time.Minute

// releaseScan bounds how many due targets are enqueued after a reconnect;
// the reconciler takes any rest.
const releaseScan = 1000

func (s *server) listNetworks(c *gin.Context) {
	all := s.cfg.Connectors.All()
	out := make([]rythme.Network, 0, len(all))
	for _, conn := range all {
		n := conn.Info()
		if n.ConnectParams == nil {
			n.ConnectParams = []string{}
		}
		out = append(out, n)
	}
	c.JSON(http.StatusOK, gin.H{"data": out})
}

func (s *server) listAccounts(c *gin.Context) {
	accs, err := s.store.ListAccounts(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: list accounts: %w", err))
		return
	}
	out := make([]accountJSON, 0, len(accs))
	for _, a := range accs {
		out = append(out, s.accountJSON(a))
	}
	c.JSON(http.StatusOK, gin.H{"data": out})
}

// accountJSON is an account as the API shows it: with the limits its posts
// are checked against (its server's own where it announced them).
type accountJSON struct {
	*rythme.Account
	Limits *rythme.Network `json:"limits,omitempty"`
}

func (s *server) accountJSON(a *rythme.Account) accountJSON {
	out := accountJSON{Account: a}
	if conn, err := s.cfg.Connectors.Get(a.Network); err == nil {
		n := connectors.LimitsFor(conn, a)
		if n.ConnectParams == nil {
			n.ConnectParams = []string{}
		}
		out.Limits = &n
	}
	return out
}

// getAccount answers one account of the workspace (with how its
// engagement reads fare).
func (s *server) getAccount(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixAccount, "account")
	if !ok {
		return
	}
	acc, err := s.store.GetAccount(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, fmt.Errorf("api: get account: %w", err))
		return
	}
	c.JSON(http.StatusOK, s.accountJSON(acc))
}

// disconnectAccount marks the account disconnected (its token is wiped)
// and holds its scheduled targets: kept, not lost, until it reconnects.
func (s *server) disconnectAccount(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixAccount, "account")
	if !ok {
		return
	}
	ctx, ws := c.Request.Context(), workspace(c)
	if _, err := s.store.GetAccount(ctx, ws, id); err != nil {
		s.fail(c, fmt.Errorf("api: get account: %w", err))
		return
	}
	if err := s.store.SetAccountStatus(ctx, id, rythme.AccountDisconnected, "disconnected by a person"); err != nil {
		s.fail(c, fmt.Errorf("api: disconnect account: %w", err))
		return
	}
	if _, err := s.store.HoldAccountTargets(ctx, id, "account disconnected", s.now()); err != nil {
		s.fail(c, fmt.Errorf("api: hold account targets: %w", err))
		return
	}
	acc, err := s.store.GetAccount(ctx, ws, id)
	if err != nil {
		s.fail(c, fmt.Errorf("api: get account: %w", err))
		return
	}
	c.JSON(http.StatusOK, acc)
}

// redirectURI is where the network sends the browser back.
func (s *server) redirectURI(network string) string {
	return s.cfg.PublicURL + "/v1/oauth/" + network + "/callback"
}

// netCtx carries the HTTP client for network calls (oauth2 and connectors
// read it under oauth2.HTTPClient) and bounds them: a slow network must not
// hold a request forever.
func (s *server) netCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, 2*connectors.DefaultTimeout)
	return context.WithValue(ctx, oauth2.HTTPClient, s.cfg.HTTPClient), cancel
}

// connectAccount starts an OAuth authorization (with PKCE) and answers the
// URL to send the user's browser to.
func (s *server) connectAccount(c *gin.Context) {
	network := c.Param("network")
	conn, err := s.cfg.Connectors.Get(network)
	if err != nil {
		s.fail(c, err)
		return
	}
	var params map[string]string
	if err := decodeJSON(c, &params); err != nil {
		s.fail(c, err)
		return
	}
	info := conn.Info()
	for k := range params {
		if !slices.Contains(info.ConnectParams, k) && !slices.Contains(info.ConnectOptional, k) {
			s.fail(c, badRequest(k, "unknown field %q: %s takes %v", k, info.Title, append(info.ConnectParams, info.ConnectOptional...)))
			return
		}
	}
	var fe fieldErrors
	if _, direct := connectors.ConnectsDirectly(conn, connectors.ConnectParams(params)); !direct || !isDual(conn) {
		for _, k := range info.ConnectParams {
			if params[k] == "" {
				fe.add(k, "is required")
			}
		}
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.netCtx(c.Request.Context())
	defer cancel()
	if dc, ok := connectors.ConnectsDirectly(conn, connectors.ConnectParams(params)); ok {
		// A webhook URL or an app password: no browser round trip.
		id, tok, err := dc.Connect(ctx, connectors.ConnectParams(params), s.cfg.HTTPClient)
		if err != nil {
			s.fail(c, connectorErr("connect", err))
			return
		}
		acc, err := s.saveAccount(ctx, c, workspace(c), network, params, id, tok)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, gin.H{"account": acc})
		return
	}
	now := s.now()
	redirect := s.redirectURI(network)
	oc, err := conn.OAuth2Config(ctx, connectors.ConnectParams(params), redirect, s.store)
	if err != nil {
		s.fail(c, connectorErr("oauth2 config", err))
		return
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		s.fail(c, fmt.Errorf("api: random state: %w", err))
		return
	}
	state := base64.RawURLEncoding.EncodeToString(raw[:])
	verifier := oauth2.GenerateVerifier()
	hash := sha256.Sum256([]byte(state))
	if n, err := s.store.OpenOAuthStates(ctx, workspace(c), now); err != nil {
		s.fail(c, fmt.Errorf("api: count oauth states: %w", err))
		return
	} else if n >= maxOpenStates {
		c.Header("Retry-After", retryAfter(stateTTL))
		s.fail(c, rythme.Errorf(rythme.ERATELIMITED, "this workspace has %d authorizations in progress: finish them, or retry when they expire (%s)", n, stateTTL))
		return
	}
	binding, err := randomToken()
	if err != nil {
		s.fail(c, fmt.Errorf("api: random binding: %w", err))
		return
	}
	bindingHash := sha256.Sum256([]byte(binding))
	st := &rythme.OAuthState{
		StateHash: hash[:], WorkspaceID: workspace(c), Network: network, Params: params,
		Verifier: verifier, RedirectURI: redirect, BindingHash: bindingHash[:], CreatedAt: now, ExpiresAt: now.Add(stateTTL),
	}
	if err := s.store.CreateOAuthState(ctx, st); err != nil {
		s.fail(c, fmt.Errorf("api: save oauth state: %w", err))
		return
	}
	s.setCookie(c, bindingCookie(state), binding, http.SameSiteLaxMode)
	c.JSON(http.StatusOK, gin.H{"authorize_url": oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), "binding": binding})
}

// oauthErrorCode matches the error codes of RFC 6749 §4.1.2.1, the only
// provider text echoed back.
var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// errBadState is the answer for any state that cannot be used.
var errBadState = rythme.Errorf(rythme.EBADREQUEST,
	"this authorization link is unknown, expired or already used: start connecting the account again")

// oauthCallback finishes an authorization: the state is consumed (single
// use), the code exchanged with the PKCE verifier, the account identified
// and saved, and its held targets released and enqueued.
func (s *server) oauthCallback(c *gin.Context) {
	network := c.Param("network")
	conn, err := s.cfg.Connectors.Get(network)
	if err != nil {
		s.callbackFail(c, err)
		return
	}
	ctx, cancel := s.netCtx(c.Request.Context())
	defer cancel()
	now := s.now()
	state := c.Query("state")
	web.SecurityHeaders(c.Writer.Header())
	if state != "" && c.Query("error") == "" && !s.checkBinding(c, network, state) {
		return
	}
	var st *rythme.OAuthState
	if state != "" {
		hash := sha256.Sum256([]byte(state))
		st, err = s.store.ConsumeOAuthState(ctx, hash[:], now)
		if rythme.ErrorCode(err) == rythme.ENOTFOUND {
			st, err = nil, nil
		} else if err != nil {
			s.callbackFail(c, fmt.Errorf("api: consume oauth state: %w", err))
			return
		}
	}
	if e := c.Query("error"); e != "" {
		switch {
		case e == "access_denied":
			s.callbackFail(c, rythme.Errorf(rythme.EBADREQUEST, "the authorization was refused at the network (access_denied): no account was connected"))
		case oauthErrorCode.MatchString(e):
			s.callbackFail(c, rythme.Errorf(rythme.EBADREQUEST, "the network did not authorize the connection (%s): no account was connected", e))
		default:
			s.callbackFail(c, rythme.Errorf(rythme.EBADREQUEST, "the network did not authorize the connection: no account was connected"))
		}
		return
	}
	if st == nil || st.Network != network {
		s.callbackFail(c, errBadState)
		return
	}
	code := c.Query("code")
	if code == "" {
		s.callbackFail(c, rythme.Errorf(rythme.EBADREQUEST, "the network sent no authorization code: start connecting the account again"))
		return
	}
	params := connectors.ConnectParams(st.Params)
	oc, err := conn.OAuth2Config(ctx, params, st.RedirectURI, s.store)
	if err != nil {
		s.callbackFail(c, connectorErr("oauth2 config", err))
		return
	}
	var tok *oauth2.Token
	if ex, ok := conn.(connectors.Exchanger); ok {
		tok, err = ex.Exchange(ctx, oc, code, st.Verifier)
	} else {
		tok, err = oc.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	}
	if err != nil {
		if _, ok := connectors.AsError(err); ok {
			s.callbackFail(c, connectorErr("exchange", err))
			return
		}
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && (re.Response == nil || re.Response.StatusCode < 500) {
			s.callbackFail(c, &rythme.Error{Code: rythme.EBADREQUEST, Err: err,
				Message: "the network refused the authorization code (it may have expired): start connecting the account again"})
			return
		}
		s.callbackFail(c, unavailable("the network's token endpoint could not be reached; try connecting again shortly", err))
		return
	}
	client := connectors.AuthorizedClient(s.cfg.HTTPClient, oauth2.StaticTokenSource(tok))
	id, err := conn.Identify(ctx, params, client)
	if err != nil {
		s.callbackFail(c, connectorErr("identify", err))
		return
	}
	acc, err := s.saveAccount(ctx, c, st.WorkspaceID, network, params, id, connectors.FromOAuth2(tok))
	if err != nil {
		s.callbackFail(c, err)
		return
	}
	acc.Token = rythme.Token{}
	if s.wantsHTML(c) {
		c.Status(http.StatusOK)
		c.Header("Content-Type", "text/html; charset=utf-8")
		s.setCookie(c, bindingCookie(state), "", http.SameSiteLaxMode)
		_ = callbackPage.Execute(c.Writer, pageData{Title: "Account connected", Message: fmt.Sprintf("Connected @%s on %s — you can close this page.", acc.Username, conn.Info().Title)})
		return
	}
	c.JSON(http.StatusOK, gin.H{"account": acc})
}

// isDual reports whether the connector connects two ways (its direct
// parameters are then optional ones, checked by the connector).
func isDual(c connectors.Connector) bool {
	_, ok := c.(connectors.DualConnector)
	return ok
}

// saveAccount stores a connected (or reconnected) account with its
// credentials, releases its held targets and enqueues what is due. The
// account comes back without its token.
func (s *server) saveAccount(ctx context.Context, c *gin.Context, ws, network string, params map[string]string, id *connectors.Identity, tok rythme.Token) (*rythme.Account, error) {
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
	if err := s.store.UpsertAccount(ctx, acc); err != nil {
		return nil, fmt.Errorf("api: save account: %w", err)
	}
	if n, err := s.store.ReleaseAccountTargets(ctx, acc.ID, now); err != nil {
		return nil, fmt.Errorf("api: release held targets: %w", err)
	} else if n > 0 {
		// The released targets are due and not queued; so may be others
		// (the reconciler's work, done a little early): the queue dedupes
		// by task id, so enqueuing them is harmless.
		refs, err := s.store.DueTargets(ctx, s.cfg.Now().Add(s.cfg.Horizon), false, releaseScan)
		if err != nil {
			s.log.WarnContext(ctx, "api: list released targets; the reconciler will enqueue them", "error", err.Error())
		}
		s.enqueue(c, refs)
	}
	acc.Token = rythme.Token{}
	return acc, nil
}

// wantsHTML reports whether the client prefers HTML over JSON (a browser
// does; curl's */* counts as JSON).
func (s *server) wantsHTML(c *gin.Context) bool {
	return c.NegotiateFormat(gin.MIMEJSON, gin.MIMEHTML) == gin.MIMEHTML
}

// callbackFail answers an error of the callback as a page for a browser
// and in the error shape for anything else.
func (s *server) callbackFail(c *gin.Context, err error) {
	if !s.wantsHTML(c) {
		s.fail(c, err)
		return
	}
	status, body := s.errorOf(c, err)
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	_ = callbackPage.Execute(c.Writer, pageData{Title: "Could not connect the account", Message: body.Message})
	c.Abort()
}

type pageData struct{ Title, Message string }

var callbackPage = template.Must(template.New("callback").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · rythme</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/assets/style.css">
</head><body><main class="callback"><h1>{{.Title}}</h1><p>{{.Message}}</p><p><a href="/">Back to rythme</a></p></main></body></html>
`))
