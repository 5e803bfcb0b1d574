package api

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connecting"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/web"
)

func (s *server) listNetworks(c *gin.Context) {
	all := s.cfg.Connectors.All()
	out := make([]rythme.Network, 0, len(all))
	for _, conn := range all {
		n := connectors.Describe(conn, nil)
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
	// TokenExpiresAt is when the access token expires, where the network
	// said (never the token itself): the accounts page warns before it.
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
	// TokenRenews: the network gave a refresh token, so the worker renews
	// the access token before it expires.
	TokenRenews bool `json:"token_renews,omitempty"`
}

func (s *server) accountJSON(a *rythme.Account) accountJSON {
	out := accountJSON{Account: a}
	if !a.Token.Expiry.IsZero() {
		exp := a.Token.Expiry.UTC()
		out.TokenExpiresAt = &exp
	}
	out.TokenRenews = a.Token.RefreshToken != ""
	if conn, err := s.cfg.Connectors.Get(a.Network); err == nil {
		n := connectors.Describe(conn, a)
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
	acc, err := s.connecting.Disconnect(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, acc)
}

// redirectURI is where the network sends the browser back.
func (s *server) redirectURI(network string) string {
	return s.cfg.PublicURL + "/v1/oauth/" + network + "/callback"
}

// connectAccount connects an account (connecting.Service.Start): at once
// for a network that connects directly, else it starts an OAuth
// authorization and answers the URL to send the user's browser to.
func (s *server) connectAccount(c *gin.Context) {
	network := c.Param("network")
	if _, err := s.cfg.Connectors.Get(network); err != nil {
		s.fail(c, err)
		return
	}
	var params map[string]string
	if err := decodeJSON(c, &params); err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.connecting.Start(c.Request.Context(), workspace(c), network, params)
	if errors.Is(err, connecting.ErrTooManyAuthorizations) {
		c.Header("Retry-After", retryAfter(connecting.StateTTL))
	}
	if err != nil {
		s.fail(c, networkErr(err))
		return
	}
	if st.Account != nil {
		c.JSON(http.StatusCreated, gin.H{"account": st.Account})
		return
	}
	s.setCookie(c, bindingCookie(st.State), st.Binding, http.SameSiteLaxMode)
	c.JSON(http.StatusOK, gin.H{"authorize_url": st.AuthorizeURL, "binding": st.Binding})
}

// oauthCallback finishes an authorization (connecting.Service.Finish) once
// the request is bound to whoever started it (checkBinding), and answers
// the account: as a page for a browser, as JSON for anything else.
func (s *server) oauthCallback(c *gin.Context) {
	network := c.Param("network")
	conn, err := s.cfg.Connectors.Get(network)
	if err != nil {
		s.callbackFail(c, err)
		return
	}
	state := c.Query("state")
	web.SecurityHeaders(c.Writer.Header())
	if state != "" && c.Query("error") == "" && !s.checkBinding(c, network, state) {
		return
	}
	acc, err := s.connecting.Finish(c.Request.Context(), connecting.Callback{
		Network: network, State: state, Code: c.Query("code"), Error: c.Query("error")})
	if err != nil {
		s.callbackFail(c, networkErr(err))
		return
	}
	if s.wantsHTML(c) {
		c.Status(http.StatusOK)
		c.Header("Content-Type", "text/html; charset=utf-8")
		s.setCookie(c, bindingCookie(state), "", http.SameSiteLaxMode)
		_ = callbackPage.Execute(c.Writer, pageData{Title: "Account connected", Back: "/#/accounts?connected=" + url.QueryEscape(acc.ID),
			Message: fmt.Sprintf("Connected @%s on %s — you can close this page.", acc.Username, conn.Info().Title)})
		return
	}
	c.JSON(http.StatusOK, gin.H{"account": acc})
}

// networkErr answers a step of the connect flow that the network failed
// (connectorErr); any other error as it is.
func networkErr(err error) error {
	var ne *connecting.NetworkError
	if !errors.As(err, &ne) {
		return err
	}
	if _, ok := connectors.AsError(ne.Err); !ok && ne.Step == "exchange" {
		return unavailable("the network's token endpoint could not be reached; try connecting again shortly", ne.Err)
	}
	return connectorErr(ne.Step, ne.Err)
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
	_ = callbackPage.Execute(c.Writer, pageData{Title: "Could not connect the account", Message: body.Message, Back: "/#/accounts"})
	c.Abort()
}

// pageData fills the callback page; Back is the dashboard's accounts page,
// which says what became of the account it names.
type pageData struct{ Title, Message, Back string }

var callbackPage = template.Must(template.New("callback").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · rythme</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/assets/style.css">
</head><body><main class="callback"><h1>{{.Title}}</h1><p>{{.Message}}</p><p><a id="back" href="{{.Back}}">Back to your accounts in rythme</a></p></main></body></html>
`))
