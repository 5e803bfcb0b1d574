package slack

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// oauth.v2.access answers HTTP 200 with {"ok":false,"error":"invalid_code"}
// when it refuses, and token_type "bot" when it grants
// (https://docs.slack.dev/reference/methods/oauth.v2.access). The oauth2
// package expects RFC 6749: a 4xx with {"error":…} and a token type it can
// put in the Authorization header. tokenTransport translates both ways,
// so that a refused grant is an *oauth2.RetrieveError (which rythme
// classifies as Auth) and the token is sent as "Bearer".

// rfcError maps Slack's token errors to RFC 6749 §5.2 codes.
var rfcError = map[string]string{
	"invalid_code": "invalid_grant", "invalid_refresh_token": "invalid_grant", "bad_redirect_uri": "invalid_grant",
	"invalid_client_id": "invalid_client", "bad_client_secret": "invalid_client",
	"invalid_grant_type": "unsupported_grant_type", "no_scopes": "invalid_scope",
}

type tokenTransport struct {
	base     http.RoundTripper
	tokenURL string
}

func wrapTokenClient(hc *http.Client, tokenURL string) *http.Client {
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c := *hc
	c.Transport = &tokenTransport{base: base, tokenURL: tokenURL}
	return &c
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(req.URL.String(), t.tokenURL) {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		if ok, _ := m["ok"].(bool); !ok {
			code, _ := m["error"].(string)
			rfc := rfcError[code]
			if rfc == "" {
				rfc = "invalid_request"
			}
			body, _ = json.Marshal(map[string]string{"error": rfc, "error_description": "Slack: " + code})
			resp.StatusCode, resp.Status = http.StatusBadRequest, "400 Bad Request"
		} else if _, has := m["token_type"]; has {
			m["token_type"] = "Bearer"
			body, _ = json.Marshal(m)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return resp, nil
}

// bearer returns client with its oauth2 token always sent as "Bearer":
// a token saved from a plain oauth2 exchange keeps Slack's token_type
// "bot", which oauth2 would put in the Authorization header as is.
func bearer(client *http.Client) *http.Client {
	t, ok := client.Transport.(*oauth2.Transport)
	if !ok {
		return client
	}
	c := *client
	c.Transport = &oauth2.Transport{Source: bearerSource{t.Source}, Base: t.Base}
	return &c
}

type bearerSource struct{ src oauth2.TokenSource }

func (b bearerSource) Token() (*oauth2.Token, error) {
	tok, err := b.src.Token()
	if err != nil || strings.EqualFold(tok.TokenType, "bearer") {
		return tok, err
	}
	c := *tok
	c.TokenType = "Bearer"
	return &c, nil
}
