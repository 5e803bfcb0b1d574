package tiktok

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// tokenAnswer is the token endpoint's answer: a token, or a Login Kit
// error (https://developers.tiktok.com/doc/oauth-error-handling).
type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	OpenID           string `json:"open_id"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	Scope            string `json:"scope"`
	TokenType        string `json:"token_type"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	LogID            string `json:"log_id"`
}

// tokenRequest posts form to the token endpoint. A Login Kit error (in
// the body, whatever the status) is an *oauth2.RetrieveError.
func (c *Connector) tokenRequest(ctx context.Context, client *http.Client, form url.Values) (*oauth2.Token, error) {
	form.Set("client_key", c.cfg.ClientKey)
	form.Set("client_secret", c.cfg.ClientSecret)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &connectors.Error{Kind: connectors.Permanent, Message: "invalid token URL", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := connectors.Do(client, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, connectors.MaxErrorBody))
	var a tokenAnswer
	if json.Unmarshal(body, &a) != nil || a.Error != "" || a.AccessToken == "" {
		re := &oauth2.RetrieveError{Response: resp, Body: body, ErrorCode: a.Error, ErrorDescription: a.ErrorDescription}
		if re.ErrorCode == "" {
			re.ErrorCode = "invalid_response"
		}
		return nil, re
	}
	tok := &oauth2.Token{AccessToken: a.AccessToken, RefreshToken: a.RefreshToken, TokenType: "Bearer"}
	if a.ExpiresIn > 0 {
		tok.Expiry = c.cfg.Now().Add(time.Duration(a.ExpiresIn) * time.Second)
	}
	return tok.WithExtra(map[string]any{"scope": a.Scope, "open_id": a.OpenID, "refresh_expires_in": a.RefreshExpiresIn}), nil
}

// Exchange trades an authorization code for tokens
// (https://developers.tiktok.com/doc/oauth-user-access-token-management):
// form parameters client_key, client_secret, code, grant_type,
// redirect_uri and code_verifier. The HTTP client is ctx's
// oauth2.HTTPClient when set.
func (c *Connector) Exchange(ctx context.Context, cfg *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	client := c.cfg.HTTPClient
	if hc, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && hc != nil {
		client = hc
	}
	form := url.Values{"code": {code}, "grant_type": {"authorization_code"}, "redirect_uri": {cfg.RedirectURL}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	return c.tokenRequest(ctx, client, form)
}

// refresh renews tokens with grant_type=refresh_token. TikTok answers a
// new refresh token every time and the old one stops working. A refusal
// is Auth; a failing endpoint Retryable.
func (c *Connector) refresh(ctx context.Context, client *http.Client, refreshToken string) (*oauth2.Token, error) {
	tok, err := c.tokenRequest(ctx, client, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	if re, ok := err.(*oauth2.RetrieveError); ok {
		if re.Response != nil && re.Response.StatusCode >= 500 {
			return nil, &connectors.Error{Kind: connectors.Retryable, Status: re.Response.StatusCode, Message: "TikTok's token endpoint failed", Err: err}
		}
		msg := re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		return nil, &connectors.Error{Kind: connectors.Auth, Message: "TikTok refused to refresh the token: " + msg, Err: err}
	}
	return tok, err
}

// OpenSession returns the account's session: requests carry the access
// token, refreshed through the connector (client_key, rotation) when it
// expires or after Invalidate; every new token is saved before use.
func (c *Connector) OpenSession(ctx context.Context, acct *rythme.Account, base *http.Client, save func(context.Context, rythme.Token) error) (connectors.Session, error) {
	if acct == nil || acct.Token.AccessToken == "" {
		return nil, connectors.Errorf(connectors.Auth, "the account has no TikTok token; connect it again")
	}
	if base == nil {
		base = c.cfg.HTTPClient
	}
	ts := &tokenSource{c: c, ctx: ctx, base: base, save: save, tok: connectors.ToOAuth2(acct.Token)}
	return &session{ts: ts, client: connectors.AuthorizedClient(base, ts)}, nil
}

type session struct {
	ts     *tokenSource
	client *http.Client
}

func (s *session) Client() *http.Client { return s.client }
func (s *session) Invalidate() bool     { return s.ts.invalidate() }
func (s *session) Expiry() time.Time    { return s.ts.current().Expiry }

// Refresh renews the token now and saves it.
func (s *session) Refresh(context.Context) error {
	if !s.ts.invalidate() {
		return connectors.Errorf(connectors.Auth, "the TikTok token cannot be refreshed (no refresh token)")
	}
	_, err := s.ts.Token()
	return err
}

// tokenSource is an oauth2.TokenSource refreshing through the connector.
type tokenSource struct {
	c    *Connector
	ctx  context.Context
	base *http.Client
	save func(context.Context, rythme.Token) error

	mu      sync.Mutex
	tok     *oauth2.Token
	invalid bool
}

func (s *tokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.invalid && s.tok.Valid() {
		return s.tok, nil
	}
	if s.tok.RefreshToken == "" {
		return nil, connectors.Errorf(connectors.Auth, "the TikTok token expired and there is no refresh token")
	}
	nt, err := s.c.refresh(s.ctx, s.base, s.tok.RefreshToken)
	if err != nil {
		return nil, err
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = s.tok.RefreshToken
	}
	if s.save != nil {
		if err := s.save(s.ctx, connectors.FromOAuth2(nt)); err != nil {
			return nil, &connectors.Error{Kind: connectors.Retryable, Message: "could not save the refreshed token", Err: err}
		}
	}
	s.tok, s.invalid = nt, false
	return nt, nil
}

func (s *tokenSource) invalidate() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalid = true
	return s.tok.RefreshToken != ""
}

func (s *tokenSource) current() rythme.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return connectors.FromOAuth2(s.tok)
}
