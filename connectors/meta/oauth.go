package meta

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme/connectors"
)

// HTTPClient returns the client ctx carries for token calls
// (oauth2.HTTPClient, as the API and the conformance suite set it), else
// fallback.
func HTTPClient(ctx context.Context, fallback *http.Client) *http.Client {
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && c != nil {
		return c
	}
	if fallback != nil {
		return fallback
	}
	return connectors.NewHTTPClient()
}

// TokenResponse is what Meta's token endpoints answer:
// {"access_token", "token_type", "expires_in", "user_id"}, or, from Business
// Login for Instagram, {"data": [{"access_token", "user_id", "permissions"}]}.
type TokenResponse struct {
	AccessToken string
	TokenType   string
	ExpiresIn   int64
	UserID      string
	Permissions string
}

func (t *TokenResponse) UnmarshalJSON(b []byte) error {
	type flat struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.Number     `json:"expires_in"`
		UserID      json.RawMessage `json:"user_id"`
		Permissions json.RawMessage `json:"permissions"`
	}
	var v struct {
		flat
		Data []flat `json:"data"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	f := v.flat
	if f.AccessToken == "" && len(v.Data) > 0 {
		f = v.Data[0]
	}
	t.AccessToken, t.TokenType = f.AccessToken, f.TokenType
	if n, err := f.ExpiresIn.Int64(); err == nil {
		t.ExpiresIn = n
	}
	t.UserID = rawString(f.UserID)
	t.Permissions = rawString(f.Permissions)
	return nil
}

// rawString reads a JSON string, number or array of strings as text.
func rawString(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		out := ""
		for i, p := range list {
			if i > 0 {
				out += ","
			}
			out += p
		}
		return out
	}
	return ""
}

// Token converts the answer into an oauth2 token whose expiry is counted
// from now (none when the network gives no expires_in: Page tokens).
func (t *TokenResponse) Token(now time.Time) *oauth2.Token {
	tok := &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer"}
	if t.ExpiresIn > 0 {
		tok.Expiry = now.Add(time.Duration(t.ExpiresIn) * time.Second)
	}
	extra := map[string]any{}
	if t.UserID != "" {
		extra["user_id"] = t.UserID
	}
	if t.Permissions != "" {
		extra["scope"] = t.Permissions
	}
	if len(extra) > 0 {
		tok = tok.WithExtra(extra)
	}
	return tok
}

// TokenCall calls a token endpoint (a form POST when post, else a GET with
// the parameters in the query, as Meta documents each) and reads the
// answer. A refusal is a *connectors.Error of kind Permanent (the code or
// token is not valid) carrying Meta's message; a 5xx is Retryable. The
// parameters, which hold secrets, never appear in the error.
func TokenCall(ctx context.Context, client *http.Client, endpoint string, params url.Values, post bool, now time.Time) (*TokenResponse, error) {
	var req *http.Request
	var err error
	if post {
		req, err = NewRequest(ctx, http.MethodPost, endpoint, params)
	} else {
		req, err = NewRequest(ctx, http.MethodGet, endpoint+"?"+params.Encode(), nil)
	}
	if err != nil {
		return nil, err
	}
	resp, err := connectors.Do(client, req)
	if err != nil {
		if ce, ok := connectors.AsError(err); ok {
			// The URL, which may hold a secret, is in the *url.Error: keep
			// only the kind and our words.
			return nil, &connectors.Error{Kind: ce.Kind, Message: ce.Message + " (token endpoint)"}
		}
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		ce := FromResponse(resp, now)
		if ce.Kind == connectors.Auth || ce.Kind == connectors.Unknown {
			ce.Kind = connectors.Permanent
		}
		return nil, ce
	}
	defer resp.Body.Close()
	var tr TokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tr); err != nil || tr.AccessToken == "" {
		return nil, &connectors.Error{Kind: connectors.Retryable, Status: resp.StatusCode, Message: "the token endpoint's answer has no access token"}
	}
	return &tr, nil
}
