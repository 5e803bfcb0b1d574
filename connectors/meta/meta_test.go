package meta_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

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
