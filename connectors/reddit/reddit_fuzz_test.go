package reddit_test

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/reddit"
)

// FuzzReddit: whatever Reddit answers to identify, the token exchange,
// a submission and a listing, the connector returns a classified error or
// a usable result and never panics; a submission Reddit answered 200 to
// is never reported as worth retrying (Reddit has no idempotency key).
// Any text splits into a title Reddit takes and a body.
func FuzzReddit(f *testing.F) {
	const sep = "\n~~\n"
	f.Add("Title line\nBody **markdown**", "", 200, "", []byte(`{"id":"abc","name":"alice"}`+sep+
		`{"access_token":"at","refresh_token":"rt","token_type":"bearer","expires_in":3600}`+sep+
		`{"json":{"errors":[],"data":{"id":"xyz","name":"t3_xyz","url":"https://reddit.example/r/x/comments/xyz/"}}}`+sep+
		`{"data":{"children":[{"kind":"t3","data":{"name":"t3_a","score":5,"num_comments":2,"author":"alice"}},{"kind":"t3","data":{"name":"t3_b","author":"[deleted]","removed_by_category":"moderator"}}]}}`))
	f.Add("x", "my title", 200, "", []byte(`{"json":{"errors":[["RATELIMIT","you are doing that too much. try again in 9 minutes.","ratelimit"]]}}`))
	f.Add("x", "", 200, "", []byte(`{"json":{"errors":[["SUBREDDIT_NOEXIST"],[1,null],[]]}}`))
	f.Add(strings.Repeat("word ", 80), "", 429, "X-Ratelimit-Reset: 12.5\nX-Ratelimit-Remaining: 0", []byte(`{"message":"Too Many Requests","error":429}`))
	f.Add("\n\n  \t", "", 200, "", []byte(`{"json":{"data":{}}}`))
	f.Add("x", "", 200, "", []byte(`{"json":{"errors":"not a list"}}`))
	f.Add("x", "", 403, "", []byte(`{"message":"Forbidden","reason":"private"}`))
	f.Add("x", "", 200, "", []byte(`<html>`))
	srv := connectortest.NewScriptServer(f)
	f.Fuzz(func(t *testing.T, text, title string, status int, header string, script []byte) {
		cfg := reddit.FakenetConfig(srv.URL)
		c := reddit.New(cfg)
		if msgs := c.Validate(text); (len(msgs) == 0) != (strings.TrimSpace(text) != "" && reddit.Length(text) <= reddit.MaxSelfText) {
			t.Fatalf("Validate(%q) = %q", text, msgs)
		}
		tt, _ := reddit.TitleAndBody(title, text)
		if reddit.Length(tt) > reddit.MaxTitle && strings.TrimSpace(title) == "" {
			t.Fatalf("TitleAndBody(%q, %q) gives a title of %d characters", title, text, reddit.Length(tt))
		}
		if d := reddit.ResetWait(header); d < 0 || d > time.Hour {
			t.Fatalf("ResetWait(%q) = %v", header, d)
		}

		ctx := connectortest.FuzzCtx(t, srv)
		srv.Set(status, header, script)
		if id, err := c.Identify(ctx, nil, srv.Client()); err != nil {
			connectortest.CheckErr(t, "Identify", err)
		} else if id.ExternalID == "" || id.Username == "" {
			t.Fatalf("Identify succeeded with %+v", id)
		}
		srv.Set(status, header, script)
		oc, err := c.OAuth2Config(ctx, nil, "https://rythme.test/v1/oauth/reddit/callback", nil)
		if err != nil {
			t.Fatalf("OAuth2Config: %v", err)
		}
		_, _ = oc.Exchange(ctx, "code", oauth2.VerifierOption("verifier")) // the token answer: no panic

		acct := &rythme.Account{Network: "reddit", Username: "alice", ExternalID: "t2_abc"}
		srv.Set(status, header, script)
		pub, err := c.Publish(ctx, acct, srv.Client(), connectors.PublishRequest{Text: text, Title: title,
			Options: map[string]string{"subreddit": "/r/golang/", "nsfw": "true", "flair_id": "f"}})
		if err != nil {
			connectortest.CheckErr(t, "Publish", err)
			for _, a := range srv.Answers("/api/submit") {
				if a.Status/100 == 2 && connectors.KindOf(err) == connectors.Retryable {
					t.Fatalf("Publish: Reddit answered %d %q and the error is retryable (a retry posts twice): %v", a.Status, a.Body, err)
				}
			}
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.Set(status, header, script)
		ms, err := c.FetchMetrics(ctx, acct, srv.Client(), []string{"t3_a", "t3_b", "t3_a", ""})
		if err != nil {
			connectortest.CheckErr(t, "FetchMetrics", err)
		} else if len(ms) != 2 {
			t.Fatalf("FetchMetrics of 2 distinct ids gave %d readings", len(ms))
		}
	})
}
