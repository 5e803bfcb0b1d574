// Package meta holds what rythme's three Meta connectors (connectors/facebook,
// connectors/instagram, connectors/threads) share: the Graph API's error
// shape and how it maps to connector error kinds, its rate-limit usage
// headers, JSON calls, the OAuth code and long-lived token exchanges, and a
// session that refreshes long-lived tokens.
//
// Meta documents the error shape at
// https://developers.facebook.com/docs/graph-api/guides/error-handling and
// the rate-limit headers at
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting/.
//
// This package never logs, and never puts a token or an app secret into an
// error or a URL it returns: tokens travel in the Authorization header, or in
// the query of the token endpoints only.
package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme/connectors"
)

// MaxBody bounds a successful answer read into memory.
const MaxBody = 4 << 20

// DefaultRateWait is how long to wait after a throttling error that says
// nothing of when access comes back: Meta's platform limits are counted
// over a rolling hour, so a few minutes lets the count fall.
const DefaultRateWait = 5 * time.Minute

// maxRateWait bounds a wait read from the network's headers.
const maxRateWait = 24 * time.Hour

// APIError is the Graph API's error object:
//
//	{"error": {"message", "type", "code", "error_subcode", "error_user_title",
//	           "error_user_msg", "is_transient", "fbtrace_id"}}
//
// It is the Err of the *connectors.Error a call returns, so that connectors
// can look at the code (see ErrorOf).
type APIError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	UserTitle   string `json:"error_user_title"`
	UserMessage string `json:"error_user_msg"`
	IsTransient bool   `json:"is_transient"`
	FBTraceID   string `json:"fbtrace_id"`
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("graph error %d", e.Code)
	if e.Subcode != 0 {
		s += fmt.Sprintf("/%d", e.Subcode)
	}
	if e.Type != "" {
		s += " (" + e.Type + ")"
	}
	if e.FBTraceID != "" {
		s += " fbtrace_id " + e.FBTraceID
	}
	return s
}

// Text is what a person should read: the message, and the user message
// when Meta gives a different one.
func (e *APIError) Text() string {
	msg := strings.TrimSpace(e.Message)
	if um := strings.TrimSpace(e.UserMessage); um != "" && um != msg {
		if msg == "" {
			return um
		}
		return msg + " (" + um + ")"
	}
	return msg
}

// ParseError reads a Graph API error body. It also understands the flat
// shape of api.instagram.com's token endpoint ({"error_type", "code",
// "error_message"}) and OAuth 2's {"error", "error_description"}. It
// returns nil when body is neither.
func ParseError(body []byte) *APIError {
	var g struct {
		Error json.RawMessage `json:"error"`
		// api.instagram.com/oauth/access_token
		ErrorType    string `json:"error_type"`
		Code         int    `json:"code"`
		ErrorMessage string `json:"error_message"`
		// RFC 6749
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &g) != nil {
		return nil
	}
	if len(g.Error) > 0 && g.Error[0] == '{' {
		var e APIError
		if json.Unmarshal(g.Error, &e) == nil && (e.Message != "" || e.Code != 0) {
			return &e
		}
	}
	if g.ErrorMessage != "" {
		return &APIError{Message: g.ErrorMessage, Type: g.ErrorType, Code: g.Code}
	}
	var code string
	if len(g.Error) > 0 && json.Unmarshal(g.Error, &code) == nil && code != "" {
		msg := code
		if g.Description != "" {
			msg += ": " + g.Description
		}
		return &APIError{Message: msg, Type: code}
	}
	return nil
}

// ErrorOf returns the Graph API error behind err, if any.
func ErrorOf(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}

// Codes of https://developers.facebook.com/docs/graph-api/guides/error-handling
// and of the rate-limiting guide.
const (
	CodeUnknown         = 1   // temporary: retry
	CodeService         = 2   // temporary downtime: retry
	CodeTooManyCalls    = 4   // app-level throttling
	CodePublishLimit    = 9   // Instagram: with subcode 2207042, the 24-hour publishing limit
	CodePermission      = 10  // permission denied or removed (Instagram insights: not enough viewers)
	CodeUserTooMany     = 17  // user-level throttling
	CodePageTooMany     = 32  // page-level throttling
	CodeInvalidParam    = 100 // invalid parameter; subcode 33: the object does not exist
	CodeSession         = 102 // session expired or invalid
	CodeAccessToken     = 190 // access token expired, revoked or invalid
	CodeAppLimit        = 341 // application limit reached
	CodePolicyBlock     = 368 // temporarily blocked for policy violations
	CodeDuplicatePost   = 506
	CodeCustomRateLimit = 613
)

// SubcodeNoObject is the subcode of code 100 for an object that does not
// exist (or cannot be seen): a deleted post.
const SubcodeNoObject = 33

// SubcodePublishLimit is Instagram's subcode of code 9 for an account that
// published as many posts as its 24-hour quota allows.
const SubcodePublishLimit = 2207042

// Deleted reports whether err says the object asked for does not exist.
func Deleted(err error) bool {
	e, ok := ErrorOf(err)
	return ok && e.Code == CodeInvalidParam && e.Subcode == SubcodeNoObject
}

// FromResponse turns a non-2xx Graph API answer into a *connectors.Error,
// reading and closing its body. The kind follows the Graph error code where
// there is one (Meta answers most errors with HTTP 400), else the status:
//
//   - 190, 102 (token expired, revoked or invalid), 10 and 200–299 (a
//     permission the account no longer grants): Auth, so the account is
//     reconnected and its posts held, not failed;
//   - 4, 17, 32, 341, 613 and 80001–80014 (throttling), or usage headers at
//     100 %: RateLimited, waiting for Retry-After, else the largest
//     estimated_time_to_regain_access of X-Business-Use-Case-Usage, else
//     DefaultRateWait;
//   - 1, 2, -1, -2 or is_transient: Retryable;
//   - 368 (blocked for policy violations; Meta says it lasts until the block
//     lifts, which takes hours to days and a person's attention), 100, 506,
//     1609005 and the rest: Permanent, with Meta's message.
//
// The message is Meta's text; without one, the body's text (valid UTF-8,
// cut at a character boundary to at most 300 bytes and an ellipsis), else
// the status text, else "HTTP <status>": never empty, even for a status
// net/http has no name for (599).
func FromResponse(resp *http.Response, now time.Time) *connectors.Error {
	var apiErr *APIError
	ce := connectors.FromResponse(resp, func(body []byte) string {
		apiErr = ParseError(body)
		if apiErr != nil {
			if msg := apiErr.Text(); msg != "" {
				return msg
			}
		}
		return connectors.BodyMessage(body, resp.StatusCode)
	})
	if apiErr == nil {
		if wait, throttled := UsageWait(resp.Header, now); throttled && ce.Kind != connectors.Retryable {
			ce.Kind, ce.RetryAfter = connectors.RateLimited, wait
		}
		return ce
	}
	ce.Err = apiErr
	if ce.Kind == connectors.RateLimited && ce.RetryAfter == 0 {
		ce.RetryAfter = rateWait(resp.Header, now)
	}
	switch c := apiErr.Code; {
	case c == CodeAccessToken || c == CodeSession || c == CodePermission || (c >= 200 && c <= 299):
		ce.Kind = connectors.Auth
	case c == CodeTooManyCalls || c == CodeUserTooMany || c == CodePageTooMany || c == CodeAppLimit ||
		c == CodeCustomRateLimit || (c >= 80001 && c <= 80014):
		ce.Kind = connectors.RateLimited
		ce.RetryAfter = rateWait(resp.Header, now)
	case c == CodeUnknown || c == CodeService || c == -1 || c == -2 || apiErr.IsTransient:
		ce.Kind = connectors.Retryable
	case resp.StatusCode >= 500:
		ce.Kind = connectors.Retryable
	default:
		if wait, throttled := UsageWait(resp.Header, now); throttled {
			ce.Kind, ce.RetryAfter = connectors.RateLimited, wait
		} else if ce.Kind != connectors.RateLimited {
			ce.Kind = connectors.Permanent
		}
	}
	return ce
}

// rateWait is how long a throttled call waits: Retry-After when given, else
// the usage headers' estimate, else DefaultRateWait.
func rateWait(h http.Header, now time.Time) time.Duration {
	if d := connectors.RetryAfter(h, now); d > 0 {
		return d
	}
	if d, _ := UsageWait(h, now); d > 0 {
		return d
	}
	return DefaultRateWait
}

// Usage is one entry of a usage header: percentages of the limit used.
type Usage struct {
	Type         string  `json:"type"`
	CallCount    float64 `json:"call_count"`
	TotalCPUTime float64 `json:"total_cputime"`
	TotalTime    float64 `json:"total_time"`
	// EstimatedTimeToRegainAccess is in minutes (Business Use Case only).
	EstimatedTimeToRegainAccess float64 `json:"estimated_time_to_regain_access"`
}

// Max is the largest of the three percentages.
func (u Usage) Max() float64 { return math.Max(u.CallCount, math.Max(u.TotalCPUTime, u.TotalTime)) }

// Usages reads X-App-Usage and X-Ad-Account-Usage style headers (one object)
// and X-Business-Use-Case-Usage ({"<business-object-id>": [objects]}).
// Malformed headers are ignored.
func Usages(h http.Header) []Usage {
	var out []Usage
	if v := h.Get("X-App-Usage"); v != "" {
		var u Usage
		if json.Unmarshal([]byte(v), &u) == nil {
			u.Type = "app"
			out = append(out, u)
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var m map[string][]Usage
		if json.Unmarshal([]byte(v), &m) == nil {
			for _, us := range m {
				out = append(out, us...)
			}
		}
	}
	return out
}

// UsageWait reads the usage headers: throttled is true when one of them is
// at 100 % or gives a time to regain access, and wait is the longest
// estimated_time_to_regain_access (DefaultRateWait when a header is at 100 %
// without one), bounded to a day.
func UsageWait(h http.Header, now time.Time) (wait time.Duration, throttled bool) {
	for _, u := range Usages(h) {
		if u.EstimatedTimeToRegainAccess > 0 {
			throttled = true
			if d := time.Duration(u.EstimatedTimeToRegainAccess * float64(time.Minute)); d > wait {
				wait = d
			}
		} else if u.Max() >= 100 {
			throttled = true
		}
	}
	if throttled && wait == 0 {
		wait = DefaultRateWait
	}
	return min(wait, maxRateWait), throttled
}

// NewRequest builds a request; form, when not nil, is sent as
// application/x-www-form-urlencoded.
func NewRequest(ctx context.Context, method, u string, form url.Values) (*http.Request, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &connectors.Error{Kind: connectors.Permanent, Message: "invalid request URL", Err: err}
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// Call sends req with client and decodes a 2xx JSON answer into out (which
// may be nil); any other answer is a *connectors.Error from FromResponse.
// A 2xx answer that cannot be read is Retryable for a GET and Unknown
// otherwise (the network accepted something).
func Call(client *http.Client, req *http.Request, now func() time.Time, out any) error {
	resp, err := connectors.Do(client, req)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return FromResponse(resp, now())
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxBody))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, MaxBody)).Decode(out); err != nil {
		kind := connectors.Unknown
		if req.Method == http.MethodGet {
			kind = connectors.Retryable
		}
		return &connectors.Error{Kind: kind, Status: resp.StatusCode, Message: "the answer is not the JSON the Graph API sends", Err: err}
	}
	return nil
}

// Get is Call for a GET of u with the query q.
func Get(ctx context.Context, client *http.Client, u string, q url.Values, now func() time.Time, out any) error {
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := NewRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	return Call(client, req, now, out)
}

// Post is Call for a form POST to u.
func Post(ctx context.Context, client *http.Client, u string, form url.Values, now func() time.Time, out any) error {
	req, err := NewRequest(ctx, http.MethodPost, u, form)
	if err != nil {
		return err
	}
	return Call(client, req, now, out)
}

// Insight is one metric of an /insights answer; Value reads either
// "values": [{"value": n}] or "total_value": {"value": n}.
type Insight struct {
	Name   string `json:"name"`
	Values []struct {
		Value json.RawMessage `json:"value"`
	} `json:"values"`
	TotalValue *struct {
		Value json.RawMessage `json:"value"`
	} `json:"total_value"`
}

// Value returns the metric's number, false when there is none (Meta
// returns an empty set for a metric it cannot compute yet).
func (i Insight) Value() (int64, bool) {
	var raw json.RawMessage
	switch {
	case i.TotalValue != nil:
		raw = i.TotalValue.Value
	case len(i.Values) > 0:
		raw = i.Values[len(i.Values)-1].Value
	default:
		return 0, false
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil {
		return 0, false
	}
	return int64(f), true
}

// InsightValues maps metric names to their numbers.
func InsightValues(data []Insight) map[string]int64 {
	out := map[string]int64{}
	for _, in := range data {
		if v, ok := in.Value(); ok {
			out[in.Name] = v
		}
	}
	return out
}

// Ptr returns a pointer to the value of m[k], nil when absent.
func Ptr(m map[string]int64, k string) *int64 {
	if v, ok := m[k]; ok {
		return &v
	}
	return nil
}

// Itoa formats an int for a form.
func Itoa(n int) string { return strconv.Itoa(n) }

// FollowersCount reads the followers_count field of the Graph node at u
// (a Facebook Page, an Instagram user); Permanent when the answer has
// none (a token without the permission to see it).
func FollowersCount(ctx context.Context, client *http.Client, u string, now func() time.Time) (int64, error) {
	var out struct {
		FollowersCount *int64 `json:"followers_count"`
	}
	if err := Get(ctx, client, u, url.Values{"fields": {"followers_count"}}, now, &out); err != nil {
		return 0, err
	}
	if out.FollowersCount == nil {
		return 0, connectors.Errorf(connectors.Permanent, "the Graph answer has no followers_count")
	}
	return *out.FollowersCount, nil
}

// Pages reads up to max pages of the Graph API list at u (with q),
// following paging.cursors.after, and hands each page's data to fn. An
// object that is gone (Deleted) ends the list without an error.
func Pages[T any](ctx context.Context, client *http.Client, u string, q url.Values, now func() time.Time, max int, fn func([]T)) error {
	q = maps.Clone(q)
	for range max {
		var out struct {
			Data   []T `json:"data"`
			Paging struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
			} `json:"paging"`
		}
		err := Get(ctx, client, u, q, now, &out)
		if Deleted(err) {
			return nil
		} else if err != nil {
			return err
		}
		fn(out.Data)
		after := out.Paging.Cursors.After
		if after == "" || len(out.Data) == 0 {
			return nil
		}
		q.Set("after", after)
	}
	return nil
}
