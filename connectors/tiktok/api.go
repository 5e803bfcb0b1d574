package tiktok

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rythmehq/rythme/connectors"
)

// maxBody bounds an answer read into memory.
const maxBody = 4 << 20

// rateWindow is TikTok's rate-limit window: one minute, sliding
// (https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit). TikTok
// sends no header saying when to come back, so a throttled call waits a
// whole window unless Retry-After says otherwise.
const rateWindow = time.Minute

// envelope is every API v2 answer: {"data": …, "error": {"code", "message",
// "log_id"}}; code "ok" means success, and an error may come with HTTP 200
// (https://developers.tiktok.com/doc/tiktok-api-v2-error-handling).
type envelope struct {
	Data  json.RawMessage `json:"data"`
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		LogID   string `json:"log_id"`
	} `json:"error"`
}

// api calls path on the API host with client and decodes data into out.
func (c *Connector) api(ctx context.Context, client *http.Client, method, path string, q url.Values, in, out any) error {
	u := c.cfg.APIURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &connectors.Error{Kind: connectors.Permanent, Message: "could not encode the request", Err: err}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return &connectors.Error{Kind: connectors.Permanent, Message: "invalid request URL", Err: err}
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	}
	resp, err := connectors.Do(client, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return &connectors.Error{Kind: connectors.Unknown, Status: resp.StatusCode, Message: "the answer was cut off", Err: err}
	}
	var env envelope
	jsonErr := json.Unmarshal(raw, &env)
	if code := env.Error.Code; code != "" && code != "ok" {
		return classify(resp, env)
	}
	if resp.StatusCode/100 != 2 {
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		return connectors.FromResponse(resp, nil)
	}
	if jsonErr != nil {
		return &connectors.Error{Kind: connectors.Retryable, Status: resp.StatusCode, Message: "TikTok's answer is not the JSON it documents", Err: jsonErr}
	}
	if out != nil && len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return &connectors.Error{Kind: connectors.Retryable, Status: resp.StatusCode, Message: "TikTok's data is not what it documents", Err: err}
		}
	}
	return nil
}

// classify maps TikTok's error codes to kinds: a refused token or scope is
// Auth, rate_limit_exceeded RateLimited, internal errors Retryable, and
// refused content (invalid_params, spam_risk_*, privacy and ownership
// checks) Permanent.
func classify(resp *http.Response, env envelope) *connectors.Error {
	code := env.Error.Code
	msg := code
	if env.Error.Message != "" {
		msg += ": " + env.Error.Message
	}
	e := &connectors.Error{Status: resp.StatusCode, Message: msg}
	switch {
	case code == "access_token_invalid" || code == "scope_not_authorized" || code == "scope_permission_missed":
		e.Kind = connectors.Auth
	case code == "rate_limit_exceeded":
		e.Kind = connectors.RateLimited
		if e.RetryAfter = connectors.RetryAfter(resp.Header, time.Now()); e.RetryAfter == 0 {
			e.RetryAfter = rateWindow
		}
	case code == "internal_error" || resp.StatusCode >= 500:
		e.Kind = connectors.Retryable
	case strings.HasPrefix(code, "spam_risk") || code == "invalid_params":
		e.Kind = connectors.Permanent
	case resp.StatusCode == http.StatusUnauthorized:
		e.Kind = connectors.Auth
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = connectors.RateLimited
		e.RetryAfter = rateWindow
	default:
		e.Kind = connectors.Permanent
	}
	return e
}
