package x_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/x"
)

// FuzzX: whatever X answers to identify (OAuth 2 and OAuth 1.0a), the
// token exchange, a media upload with its processing status, a thread of
// posts and metrics, the connector returns a classified error or a
// usable result and never panics; a post X answered 2xx to is never
// reported as worth retrying (X has no idempotency key).
func FuzzX(f *testing.F) {
	const sep = "\n~~\n"
	f.Add(200, "", []byte(`{"data":{"id":"2244994945","name":"X Dev","username":"XDevelopers"}}`+sep+
		`{"token_type":"bearer","expires_in":7200,"access_token":"at","scope":"tweet.write","refresh_token":"rt"}`))
	f.Add(200, "", []byte(`{"media_id_string":"710511363345354753","expires_after_secs":86400}`+sep+`{"media_id_string":"710511363345354753","processing_info":{"state":"pending","check_after_secs":1}}`+sep+
		`{"processing_info":{"state":"succeeded"}}`+sep+`201 {"data":{"id":"1445880548472328192","text":"x"}}`+sep+`{"data":{"id":"2"}}`))
	f.Add(403, "", []byte(`{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`))
	f.Add(429, "x-rate-limit-reset: 1800000900\nx-user-limit-24hour-remaining: 0\nx-user-limit-24hour-reset: 1800050000", []byte(`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`))
	f.Add(400, "", []byte(`{"errors":[{"message":"m1"},{"detail":"d"},{"title":"t"}],"error":"invalid_request","error_description":"Value passed for the authorization code was invalid."}`))
	f.Add(200, "", []byte(`{"data":[{"id":"1","public_metrics":{"like_count":1,"reply_count":2,"retweet_count":3,"quote_count":4,"impression_count":5}}],"errors":[{"resource_id":"2","title":"Not Found Error"}]}`))
	f.Add(201, "", []byte(`{"data":{}}`+sep+`{"data":{"id":""}}`+sep+`[]`))
	f.Add(200, "", []byte(`{"media_id_string":"1"}`+sep+`{"processing_info":{"state":"failed","error":{"message":"InvalidMedia"}}}`))
	srv := connectortest.NewScriptServer(f)
	f.Fuzz(func(t *testing.T, status int, header string, script []byte) {
		cfg := x.FakenetConfig(srv.URL)
		// 5 ms of 1 ms polls still reach "still processing"; 50 ms let one
		// input send up to 40 status requests (as FuzzTikTok, see .ci/fuzz).
		cfg.PollInterval, cfg.MaxProcessingWait = time.Millisecond, 5*time.Millisecond
		c := x.New(cfg)
		_ = x.ErrorMessage(script)
		resp := &http.Response{StatusCode: 429, Header: http.Header{"X-Rate-Limit-Reset": {header}}, Body: io.NopCloser(bytes.NewReader(script))}
		if e := x.FromResponse(resp); e.Kind != connectors.RateLimited || e.RetryAfter < 0 {
			t.Fatalf("fromResponse of a 429: %+v", e)
		}

		ctx := connectortest.FuzzCtx(t, srv)
		srv.Set(status, header, script)
		if id, err := c.Identify(ctx, nil, srv.Client()); err != nil {
			connectortest.CheckErr(t, "Identify", err)
		} else if id == nil || id.ExternalID == "" {
			t.Fatalf("Identify succeeded with %+v", id)
		}
		srv.Set(status, header, script)
		keys := connectors.ConnectParams{x.ParamConsumerKey: "ck", x.ParamConsumerSecret: "cs", x.ParamAccessToken: "at", x.ParamAccessTokenSecret: "ats"}
		if id, tok, err := c.Connect(ctx, keys, srv.Client()); err != nil {
			connectortest.CheckErr(t, "Connect", err)
		} else if id == nil || id.ExternalID == "" || tok.AccessToken == "" {
			t.Fatalf("Connect succeeded with %+v", id)
		}
		oc, err := c.OAuth2Config(ctx, nil, "https://rythme.test/v1/oauth/x/callback", nil)
		if err != nil {
			t.Fatalf("OAuth2Config: %v", err)
		}
		srv.Set(status, header, script)
		_, _ = c.Exchange(ctx, oc, "code", "verifier") // the token answer: no panic

		acct := &rythme.Account{Network: "x", Username: "XDevelopers", ExternalID: "2244994945"}
		srv.Set(status, header, script)
		media := connectors.Media{ID: "med_1", ContentType: "video/mp4", Size: 3,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("mp4")), nil }}
		pub, err := c.Publish(ctx, acct, srv.Client(), connectors.PublishRequest{Text: "hello", Media: []connectors.Media{media}, Thread: []string{"two"}})
		if err != nil {
			connectortest.CheckErr(t, "Publish", err)
			for _, a := range srv.Answers("/2/tweets") {
				if a.Method == http.MethodPost && a.Status/100 == 2 && connectors.KindOf(err) == connectors.Retryable {
					t.Fatalf("Publish: X answered %d %q and the error is retryable (a retry posts twice): %v", a.Status, a.Body, err)
				}
			}
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.Set(status, header, script)
		if ms, err := c.FetchMetrics(ctx, acct, srv.Client(), []string{"1", "2", "1", ""}); err != nil {
			connectortest.CheckErr(t, "FetchMetrics", err)
		} else if len(ms) != 2 {
			t.Fatalf("FetchMetrics of 2 distinct ids gave %d readings", len(ms))
		}
	})
}
