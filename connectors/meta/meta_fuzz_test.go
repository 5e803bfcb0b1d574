package meta_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/meta"
)

// FuzzMeta: the Graph API helpers that Facebook, Instagram and Threads
// share read every answer of those networks. Whatever the status,
// headers (X-App-Usage, X-Business-Use-Case-Usage) and body, errors are
// classified with a bounded wait and a message (valid UTF-8, never
// empty), token answers decode, container waits and quota reads end (a
// quota wait within a week), and nothing panics.
func FuzzMeta(f *testing.F) {
	const sep = "\n~~\n"
	usage := `X-App-Usage: {"call_count":100,"total_cputime":5,"total_time":5}`
	f.Add(400, "", []byte(`{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A"}}`))
	f.Add(400, usage, []byte(`{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"is_transient":true}}`))
	f.Add(403, `X-Business-Use-Case-Usage: {"123":[{"type":"instagram","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":1e300}]}`,
		[]byte(`{"error":{"message":"rate","code":80002}}`))
	f.Add(400, "", []byte(`{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`))
	f.Add(400, "", []byte(`{"error":"invalid_grant","error_description":"bad code"}`))
	f.Add(200, "", []byte(`{"access_token":"EAAB","token_type":"bearer","expires_in":"5183944","user_id":17841400000000000,"permissions":["a","b"]}`))
	f.Add(200, "", []byte(`{"data":[{"access_token":"IGQV","user_id":"1","expires_in":9223372036854775807}]}`))
	f.Add(200, "", []byte(`{"status_code":"IN_PROGRESS"}`+sep+`{"status":"IN_PROGRESS"}`+sep+`{"status_code":"FINISHED"}`))
	f.Add(200, "", []byte(`{"status_code":"ERROR","status":"Error: 2207026","error_message":"unsupported video"}`))
	f.Add(200, "", []byte(`{"data":[{"quota_usage":25,"config":{"quota_total":25,"quota_duration":86400}}]}`+sep+
		`{"data":[{"timestamp":"2027-01-15T08:00:00+0000"},{"timestamp":"garbage"}]}`))
	f.Add(200, "", []byte(`{"data":[{"config":{"quota_total":1,"quota_duration":9223372036}}]}`+sep+`{"data":[{"timestamp":"2027-01-15T08:00:00+0000"}]}`))
	f.Add(500, "Retry-After: 7", []byte(`<html>`))
	srv := connectortest.NewScriptServer(f)
	now := func() time.Time { return time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, status int, header string, script []byte) {
		srv.Set(status, header, script)
		body := bytes.Split(script, []byte("\n~~\n"))[0]
		if e := meta.ParseError(body); e != nil {
			_ = e.Error()
			_ = e.Text()
		}
		h := http.Header{}
		for _, line := range strings.Split(header, "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && name != "" {
				h.Add(name, strings.TrimSpace(value))
			}
		}
		if wait, throttled := meta.UsageWait(h, now()); wait < 0 || wait > 24*time.Hour || (throttled && wait == 0) {
			t.Fatalf("UsageWait(%q) = %v, %v", header, wait, throttled)
		}
		code := 200 + int(uint(status)%400)
		e := meta.FromResponse(&http.Response{StatusCode: code, Header: h, Body: io.NopCloser(bytes.NewReader(body))}, now())
		connectortest.CheckErr(t, "FromResponse", e)
		if e.Message == "" || !utf8.ValidString(e.Message) {
			t.Fatalf("FromResponse(%d, %q, %q): message %q, want valid UTF-8 that says something", code, header, body, e.Message)
		}
		if e.RetryAfter < 0 || e.RetryAfter > 24*time.Hour {
			t.Fatalf("FromResponse(%d, %q, %q) waits %v", code, header, body, e.RetryAfter)
		}
		var tr meta.TokenResponse
		if json.Unmarshal(body, &tr) == nil {
			if tok := tr.Token(now()); tok == nil || tok.TokenType != "Bearer" {
				t.Fatalf("Token of %q = %+v", body, tok)
			}
		}
		_ = meta.InsightValues(nil)

		ctx := connectortest.FuzzCtx(t, srv)
		var out map[string]any
		connectortest.CheckErr(t, "Get", meta.Get(ctx, srv.Client(), srv.URL+"/v21.0/me", url.Values{"fields": {"id"}}, now, &out))
		srv.Set(status, header, script)
		if _, err := meta.TokenCall(ctx, srv.Client(), srv.URL+"/oauth/access_token", url.Values{"code": {"c"}}, true, now()); err != nil {
			connectortest.CheckErr(t, "TokenCall", err)
		}
		srv.Set(status, header, script)
		w := meta.Waiter{Client: srv.Client(), Now: now, MaxWait: time.Hour, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
		connectortest.CheckErr(t, "Wait", w.Wait(ctx, srv.URL+"/v21.0/178", "status_code,status"))
		srv.Set(status, header, script)
		if d := meta.QuotaWait(ctx, srv.Client(), srv.URL+"/v21.0/1/content_publishing_limit", srv.URL+"/v21.0/1/media", 25, now); d <= 0 || d > meta.MaxQuotaWindow {
			t.Fatalf("QuotaWait = %v", d)
		}
	})
}
