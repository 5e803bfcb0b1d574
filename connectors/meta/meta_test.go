package meta_test

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

func response(status int, body string, h map[string]string) *http.Response {
	r := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return r
}

func graphErr(code, sub int, msg string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException", "code": code,
		"error_subcode": sub, "fbtrace_id": "AbC"}})
	return string(b)
}

func TestFromResponseKinds(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
	buc := `{"1234":[{"type":"pages","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":17}]}`
	cases := []struct {
		name   string
		status int
		body   string
		h      map[string]string
		kind   connectors.Kind
		wait   time.Duration
	}{
		{"expired token", 400, graphErr(190, 463, "Session has expired"), nil, connectors.Auth, 0},
		{"session", 400, graphErr(102, 0, "Session key invalid"), nil, connectors.Auth, 0},
		{"permission removed", 403, graphErr(200, 0, "(#200) Permissions error"), nil, connectors.Auth, 0},
		{"app throttled", 400, graphErr(4, 0, "(#4) Application request limit reached"), nil, connectors.RateLimited, meta.DefaultRateWait},
		{"app throttled, Retry-After", 400, graphErr(4, 0, "x"), map[string]string{"Retry-After": "42"}, connectors.RateLimited, 42 * time.Second},
		{"user throttled", 400, graphErr(17, 0, "(#17) User request limit reached"), nil, connectors.RateLimited, meta.DefaultRateWait},
		{"page throttled", 400, graphErr(32, 0, "(#32) Page request limit reached"), map[string]string{"X-Business-Use-Case-Usage": buc}, connectors.RateLimited, 17 * time.Minute},
		{"custom rate", 400, graphErr(613, 0, "Calls to this api have exceeded the rate limit."), nil, connectors.RateLimited, meta.DefaultRateWait},
		{"pages BUC", 400, graphErr(80001, 0, "too many calls"), map[string]string{"X-Business-Use-Case-Usage": buc}, connectors.RateLimited, 17 * time.Minute},
		{"usage at 100 % on an odd code", 400, graphErr(100, 0, "x"), map[string]string{"X-App-Usage": `{"call_count":100,"total_cputime":5,"total_time":5}`}, connectors.RateLimited, meta.DefaultRateWait},
		{"transient", 500, graphErr(1, 0, "An unknown error has occurred."), nil, connectors.Retryable, 0},
		{"service", 503, graphErr(2, 0, "Service temporarily unavailable"), nil, connectors.Retryable, 0},
		{"instagram transient -2", 400, graphErr(-2, 2207003, "It takes too long to download the media."), nil, connectors.Retryable, 0},
		{"invalid parameter", 400, graphErr(100, 0, "(#100) Invalid parameter"), nil, connectors.Permanent, 0},
		{"policy block", 400, graphErr(368, 1390008, "(#368) Temporarily blocked"), nil, connectors.Permanent, 0},
		{"duplicate", 400, graphErr(506, 0, "(#506) Duplicate status message"), nil, connectors.Permanent, 0},
		{"429 without a body", 429, "", map[string]string{"Retry-After": "7"}, connectors.RateLimited, 7 * time.Second},
		{"instagram token endpoint", 400, `{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`, nil, connectors.Permanent, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ce := meta.FromResponse(response(tc.status, tc.body, tc.h), now)
			if ce.Kind != tc.kind || ce.RetryAfter != tc.wait {
				t.Fatalf("%v (wait %v), want %v (wait %v)", ce, ce.RetryAfter, tc.kind, tc.wait)
			}
			if tc.body != "" {
				if ce.Message == "" || strings.Contains(ce.Message, "{") {
					t.Errorf("message %q: want Meta's words", ce.Message)
				}
				if e, ok := meta.ErrorOf(ce); !ok || e.Text() == "" {
					t.Errorf("no Graph error behind %v", ce)
				}
			}
		})
	}
}

func TestDeleted(t *testing.T) {
	t.Parallel()
	err := meta.FromResponse(response(400, graphErr(100, 33, "Unsupported get request. Object with ID '1_2' does not exist"), nil), time.Now())
	if !meta.Deleted(err) || meta.Deleted(meta.FromResponse(response(400, graphErr(100, 0, "x"), nil), time.Now())) {
		t.Error("Deleted must be true for code 100 subcode 33 only")
	}
}

func TestTokenResponseShapes(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"access_token":"T","token_type":"bearer","expires_in":5183944,"user_id":17841400000000001}`,
		`{"data":[{"access_token":"T","user_id":"17841400000000001","permissions":"a,b"}],"expires_in":5183944}`,
	} {
		var tr meta.TokenResponse
		if err := json.Unmarshal([]byte(body), &tr); err != nil || tr.AccessToken != "T" || tr.UserID != "17841400000000001" {
			t.Errorf("%s: %+v, %v", body, tr, err)
		}
	}
	var tr meta.TokenResponse
	_ = json.Unmarshal([]byte(`{"access_token":"T","expires_in":3600}`), &tr)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if tok := tr.Token(now); !tok.Expiry.Equal(now.Add(time.Hour)) {
		t.Errorf("expiry %v", tok.Expiry)
	}
}

func TestInsightValues(t *testing.T) {
	t.Parallel()
	var data []meta.Insight
	_ = json.Unmarshal([]byte(`[{"name":"views","values":[{"value":12}]},{"name":"likes","total_value":{"value":3}},{"name":"reach","values":[]}]`), &data)
	v := meta.InsightValues(data)
	if v["views"] != 12 || v["likes"] != 3 || meta.Ptr(v, "reach") != nil {
		t.Errorf("%v", v)
	}
}

// TestFromResponseMessageIsValidUTF8: a body without a Graph message
// becomes the message, cut to at most 300 bytes at a character boundary
// (cutting inside "é" made invalid UTF-8), its invalid bytes replaced.
// Found by fuzzing (testdata/fuzz/FuzzMeta/message_cut_inside_a_character).
func TestFromResponseMessageIsValidUTF8(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, want string
	}{
		{"odd offset", "x" + strings.Repeat("é", 200), "x" + strings.Repeat("é", 149) + "…"},
		{"even offset", strings.Repeat("é", 200), strings.Repeat("é", 150) + "…"},
		{"4-byte runes", "ab" + strings.Repeat("😀", 100), "ab" + strings.Repeat("😀", 74) + "…"},
		{"short", "  Bad gateway: é  ", "Bad gateway: é"},
		{"invalid bytes", "bad \xff\xfe answer", "bad \uFFFD answer"},
		{"empty Graph message", `{"error":{"code":1,"message":""}}`, `{"error":{"code":1,"message":""}}`},
	}
	for _, tc := range cases {
		ce := meta.FromResponse(response(502, tc.body, nil), time.Now())
		if ce.Message != tc.want || !utf8.ValidString(ce.Message) || len(strings.TrimSuffix(ce.Message, "…")) > 300 {
			t.Errorf("%s: message %q (%d bytes, valid UTF-8 %v), want %q", tc.name, ce.Message, len(ce.Message), utf8.ValidString(ce.Message), tc.want)
		}
	}
}

// TestFromResponseStatusWithoutName: a status net/http has no text for,
// with no message in the body, still says something.
func TestFromResponseStatusWithoutName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		body   string
		want   string
		kind   connectors.Kind
	}{
		{599, "", "HTTP 599", connectors.Retryable},
		{599, " \n\t", "HTTP 599", connectors.Retryable},
		{299, "", "HTTP 299", connectors.Permanent},
		{499, `{"error":{}}`, `{"error":{}}`, connectors.Permanent},
		{503, "", "Service Unavailable", connectors.Retryable},
	}
	for _, tc := range cases {
		ce := meta.FromResponse(response(tc.status, tc.body, nil), time.Now())
		if ce.Message != tc.want || ce.Kind != tc.kind || ce.Status != tc.status {
			t.Errorf("FromResponse(%d, %q) = %v (message %q), want %v with message %q", tc.status, tc.body, ce, ce.Message, tc.kind, tc.want)
		}
	}
}

// TestQuotaWindow: quota_duration comes from the network; outside one
// second to a week it is not believed and the window is a day.
func TestQuotaWindow(t *testing.T) {
	t.Parallel()
	cases := map[int]time.Duration{
		86400: 24 * time.Hour, 1: time.Second, 3600: time.Hour, 7 * 86400: 7 * 24 * time.Hour,
		7*86400 + 1: meta.DefaultQuotaWindow, 0: meta.DefaultQuotaWindow, -86400: meta.DefaultQuotaWindow,
		9223372036: meta.DefaultQuotaWindow, math.MaxInt: meta.DefaultQuotaWindow, math.MinInt: meta.DefaultQuotaWindow,
	}
	for seconds, want := range cases {
		if got := meta.QuotaWindow(seconds); got != want {
			t.Errorf("QuotaWindow(%d) = %v, want %v", seconds, got, want)
		}
	}
}

// TestQuotaWaitDuration: the wait QuotaWait computes follows a sane
// quota_duration and falls back to a day's window for an absurd one
// (9223372036 seconds waited 292 years; a larger one overflowed), and is
// never longer than the window.
func TestQuotaWaitDuration(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC) }
	const twoHoursAgo = "2027-01-15T07:00:00+0000"
	cases := []struct {
		duration, stamp string
		want            time.Duration
	}{
		{"86400", twoHoursAgo, 22 * time.Hour},
		{"10800", twoHoursAgo, time.Hour},
		{"9223372036", twoHoursAgo, 22 * time.Hour},
		{"9223372037", twoHoursAgo, 22 * time.Hour},
		{"864000", twoHoursAgo, 22 * time.Hour},
		{"-86400", twoHoursAgo, 22 * time.Hour},
		{"0", twoHoursAgo, 22 * time.Hour},
		{"86400", "9999-01-15T07:00:00+0000", 24 * time.Hour}, // a post dated in the future: at most a window
	}
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/1/content_publishing_limit":
				_, _ = io.WriteString(w, `{"data":[{"quota_usage":1,"config":{"quota_total":1,"quota_duration":`+tc.duration+`}}]}`)
			case "/1/media":
				_, _ = io.WriteString(w, `{"data":[{"timestamp":"`+tc.stamp+`"}]}`)
			default:
				http.NotFound(w, r)
			}
		}))
		got := meta.QuotaWait(context.Background(), srv.Client(), srv.URL+"/1/content_publishing_limit", srv.URL+"/1/media", 1, now)
		srv.Close()
		if got != tc.want {
			t.Errorf("quota_duration %s, post at %s: QuotaWait = %v, want %v", tc.duration, tc.stamp, got, tc.want)
		}
	}
}
