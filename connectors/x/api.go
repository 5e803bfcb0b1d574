package x

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme/connectors"
)

// maxBody bounds a successful answer read into memory.
const maxBody = 4 << 20

// problem is X's error shape: RFC 7807 problem details, possibly with an
// "errors" array (https://docs.x.com/x-api/fundamentals/response-codes-and-errors).
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
	Errors []struct {
		Message string `json:"message"`
		Title   string `json:"title"`
		Detail  string `json:"detail"`
	} `json:"errors"`
	// OAuth 2.0 token endpoint errors.
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// errorMessage extracts X's explanation from an error body: the problem's
// detail (or title), then the messages of its errors array.
func errorMessage(body []byte) string {
	var p problem
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	var parts []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		for _, p := range parts {
			if p == s {
				return
			}
		}
		if s != "" {
			parts = append(parts, s)
		}
	}
	if p.Detail != "" {
		add(p.Detail)
	} else {
		add(p.Title)
	}
	for _, e := range p.Errors {
		switch {
		case e.Message != "":
			add(e.Message)
		case e.Detail != "":
			add(e.Detail)
		default:
			add(e.Title)
		}
	}
	if p.ErrorDescription != "" {
		add(p.ErrorDescription)
	} else {
		add(p.Error)
	}
	return strings.Join(parts, "; ")
}

// fromResponse classifies a non-2xx answer: connectors.FromResponse with
// X's message, and for a 429 the wait X's own headers give. X sends
// x-rate-limit-reset (epoch seconds) for the 15-minute window and, on
// POST /2/tweets, x-user-limit-24hour-* and x-app-limit-24hour-* for the
// daily caps; when a daily cap is spent its reset is the one to wait for.
func fromResponse(resp *http.Response) *connectors.Error {
	h := resp.Header
	e := connectors.FromResponse(resp, errorMessage)
	if e.Kind == connectors.RateLimited {
		if d := RetryAfter(h, time.Now()); d > e.RetryAfter {
			e.RetryAfter = d
		}
	}
	return e
}

// RetryAfter returns how long X asks a client to wait before the next
// request, from Retry-After, x-rate-limit-reset and, when their remaining
// count is 0, x-user-limit-24hour-reset and x-app-limit-24hour-reset (all
// epoch seconds). It returns 0 when none applies; it is not capped, since
// a daily cap can take hours to reset.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	var d time.Duration
	at := func(name string) {
		s, err := strconv.ParseInt(strings.TrimSpace(h.Get(name)), 10, 64)
		if err != nil {
			return
		}
		if w := time.Unix(s, 0).Sub(now); w > d {
			d = w
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && time.Duration(s*float64(time.Second)) > d {
			d = time.Duration(s * float64(time.Second))
		}
	}
	at("x-rate-limit-reset")
	for _, p := range []string{"x-user-limit-24hour", "x-app-limit-24hour"} {
		if strings.TrimSpace(h.Get(p+"-remaining")) == "0" {
			at(p + "-reset")
		}
	}
	return d
}

// do sends a JSON request (body marshalled when not nil) and decodes a 2xx
// answer into out (when not nil).
func (c *Connector) do(ctx context.Context, client *http.Client, method, u string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &connectors.Error{Kind: connectors.Permanent, Message: "the request could not be encoded", Err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return &connectors.Error{Kind: connectors.Permanent, Message: "invalid request URL", Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(client, req, out)
}

// send sends req and decodes a 2xx answer into out.
func (c *Connector) send(client *http.Client, req *http.Request, out any) error {
	req.Header.Set("Accept", "application/json")
	resp, err := connectors.Do(client, req)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fromResponse(resp)
	}
	if err := decodeJSON(resp, out); err != nil {
		return &connectors.Error{Kind: connectors.Retryable, Status: resp.StatusCode, Message: "X's answer is not the JSON it documents", Err: err}
	}
	return nil
}
