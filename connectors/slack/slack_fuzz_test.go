package slack_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/slack"
)

// FuzzSlack: whatever Slack answers to identify, the token exchange, a
// token rotation, a message and reactions, the connector returns a
// classified error or a usable result and never panics; a message Slack
// answered ok to is never reported as worth retrying (chat.postMessage
// has no idempotency key). Validate agrees with Length.
func FuzzSlack(f *testing.F) {
	const sep = "\n~~\n"
	f.Add("Hello <team> & co", "#general", 200, "", []byte(`{"ok":true,"url":"https://acme.slack.com","team":"Acme","team_id":"T1","user_id":"U1"}`+sep+
		`{"ok":true,"team":{"name":"Acme","domain":"acme"}}`+sep+`{"ok":true,"channels":[{"id":"C0123ABCDE","name":"general"}],"response_metadata":{"next_cursor":""}}`))
	f.Add("x", "C0123ABCDE", 200, "", []byte(`{"ok":true,"team_id":"T1"}`+sep+`{"ok":false,"error":"missing_scope","needed":"team:read"}`+sep+`{"ok":false,"error":"channel_not_found"}`))
	f.Add("x", "#general", 200, "", []byte(`{"ok":true,"access_token":"xoxe.xoxb-1","refresh_token":"xoxe-1","token_type":"bot","expires_in":43200}`+sep+
		`{"ok":true,"channel":"C0123ABCDE","ts":"1503435956.000247"}`+sep+`{"ok":false,"error":"ratelimited"}`))
	f.Add("x", "#general", 200, "", []byte(`{"ok":true,"channel":"C1","ts":"1.2"}`+sep+`{"ok":true,"permalink":"https://acme.slack.com/archives/C1/p12"}`+sep+
		`{"ok":true,"message":{"reactions":[{"count":2},{"count":-1}],"reply_count":3}}`+sep+`{"ok":false,"error":"message_not_found"}`))
	f.Add("x", "#general", 429, "Retry-After: 30", []byte(`{"ok":false,"error":"ratelimited"}`))
	f.Add("x", "#general", 200, "", []byte(`{"ok":true,"response_metadata":{"next_cursor":"again"}}`))
	f.Add(strings.Repeat("<", 40000), "bad channel!", 500, "", []byte(`oops`))
	srv := connectortest.NewScriptServer(f)
	f.Fuzz(func(t *testing.T, text, channel string, status int, header string, script []byte) {
		c := slack.New(slack.FakenetConfig(srv.URL))
		if msgs := c.Validate(text); (len(msgs) == 0) != (strings.TrimSpace(text) != "" && slack.Length(text) <= slack.MaxText) {
			t.Fatalf("Validate(%q) = %q", text, msgs)
		}
		if ch, err := slack.NormalizeChannel(channel); err == nil {
			if again, err := slack.NormalizeChannel(ch); err != nil || again != ch {
				t.Fatalf("NormalizeChannel(%q) = %q, which normalises to %q, %v", channel, ch, again, err)
			}
		} else if rythme.ErrorCode(err) != rythme.EINVALID {
			t.Fatalf("NormalizeChannel(%q): %v", channel, err)
		}

		ctx := connectortest.FuzzCtx(t, srv)
		params := connectors.ConnectParams{"channel": channel}
		srv.Set(status, header, script)
		if id, err := c.Identify(ctx, params, srv.Client()); err != nil {
			connectortest.CheckErr(t, "Identify", err)
		} else if id == nil || id.ExternalID == "" || id.Meta[slack.MetaChannelID] == "" {
			// nil: the API's callback would panic saving it; no channel
			// id: no post could name the channel.
			t.Fatalf("Identify succeeded with %+v", id)
		}
		if oc, err := c.OAuth2Config(ctx, params, "https://rythme.test/v1/oauth/slack/callback", nil); err == nil {
			srv.Set(status, header, script)
			if tok, err := c.Exchange(ctx, oc, "code", "verifier"); err == nil && tok.AccessToken == "" {
				t.Fatalf("Exchange succeeded with no token: %+v", tok)
			}
		}

		acct := &rythme.Account{Network: "slack", Meta: map[string]string{slack.MetaChannelID: "C0123ABCDE", slack.MetaTeamURL: "https://acme.slack.com/"},
			Token: rythme.Token{AccessToken: "xoxe.xoxb-old", RefreshToken: "xoxe-1", TokenType: "bot", Expiry: time.Now().Add(-time.Hour)}}
		sess, err := c.OpenSession(ctx, acct, srv.Client(), func(context.Context, rythme.Token) error { return nil })
		if err != nil {
			t.Fatalf("OpenSession: %v", err)
		}
		srv.Set(status, header, script)
		pub, err := c.Publish(ctx, acct, sess.Client(), connectors.PublishRequest{Text: text})
		if err != nil {
			connectortest.CheckErr(t, "Publish", err)
			for _, a := range srv.Answers("/chat.postMessage") {
				if a.Status/100 == 2 && bytes.Contains(a.Body, []byte(`"ok":true`)) && connectors.KindOf(err) == connectors.Retryable {
					t.Fatalf("Publish: Slack answered %d %q and the error is retryable (a retry posts twice): %v", a.Status, a.Body, err)
				}
			}
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.Set(status, header, script)
		ids := []string{"C1:1.2", "C1:1.3", "no-colon", "C1:1.2"}
		if ms, err := c.FetchMetrics(ctx, acct, srv.Client(), ids); err != nil {
			connectortest.CheckErr(t, "FetchMetrics", err)
		} else if len(ms) != 3 {
			t.Fatalf("FetchMetrics of 3 distinct ids gave %d readings", len(ms))
		}
	})
}
