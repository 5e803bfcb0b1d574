package bluesky

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme/connectors"
)

// maxBody bounds a successful answer read into memory.
const maxBody = 4 << 20

// xrpcError is the error body of every XRPC method
// (https://atproto.com/specs/xrpc#error-responses).
type xrpcError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func parseXRPCError(body []byte) xrpcError {
	var e xrpcError
	_ = json.Unmarshal(body, &e)
	return e
}

// xrpcMessage is the network's explanation: "Name: message".
func xrpcMessage(body []byte) string {
	e := parseXRPCError(body)
	switch {
	case e.Error != "" && e.Message != "":
		return e.Error + ": " + e.Message
	case e.Message != "":
		return e.Message
	}
	return e.Error
}

// errorFrom turns a non-2xx answer into a *connectors.Error: ExpiredToken
// (the PDS answers it with 400 for an expired or revoked JWT) and
// InvalidToken are Auth; a 429 waits until RateLimit-Reset (epoch
// seconds, https://docs.bsky.app/docs/advanced-guides/rate-limits) when
// no Retry-After is given.
func errorFrom(resp *http.Response) (*connectors.Error, xrpcError) {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, connectors.MaxErrorBody))
	resp.Body.Close()
	xe := parseXRPCError(body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	e := connectors.FromResponse(resp, xrpcMessage)
	switch {
	case xe.Error == "ExpiredToken" || xe.Error == "InvalidToken" || xe.Error == "AuthMissing":
		e.Kind = connectors.Auth
	case e.Kind == connectors.RateLimited && e.RetryAfter == 0:
		e.RetryAfter = rateLimitReset(resp.Header, time.Now())
	}
	return e, xe
}

// rateLimitReset reads RateLimit-Reset, the epoch second the window ends,
// as a wait (0 when absent or past, at most an hour).
func rateLimitReset(h http.Header, now time.Time) time.Duration {
	s, err := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64)
	if err != nil {
		return 0
	}
	d := time.Unix(s, 0).Sub(now)
	switch {
	case d < 0:
		return 0
	case d > time.Hour:
		return time.Hour
	}
	return d.Round(time.Second)
}

// call sends an XRPC request to service and decodes a 2xx answer into out
// (when not nil). in is a JSON body (nil: none); q the query; key an
// Idempotency-Key header (which a PDS ignores; fakenet records it).
func (c *Connector) call(ctx context.Context, client *http.Client, method, service, nsid string, q url.Values, in any, key string, out any) error {
	u := service + "/xrpc/" + nsid
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
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return c.do(client, req, out)
}

// do sends req and decodes a 2xx answer into out.
func (c *Connector) do(client *http.Client, req *http.Request, out any) error {
	resp, err := connectors.Do(client, req)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e, _ := errorFrom(resp)
		return e
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		return &connectors.Error{Kind: connectors.Retryable, Status: resp.StatusCode, Message: "the PDS's answer is not the JSON atproto sends", Err: err}
	}
	return nil
}

// claims are the parts of a session JWT rythme reads.
type claims struct {
	Scope string `json:"scope"`
	Sub   string `json:"sub"`
	Exp   int64  `json:"exp"`
}

// jwtClaims decodes a JWT's payload without checking its signature (only
// the PDS can): rythme only needs to know when it expires.
func jwtClaims(tok string) claims {
	var c claims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err == nil {
		_ = json.Unmarshal(raw, &c)
	}
	return c
}
