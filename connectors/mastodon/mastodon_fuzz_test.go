package mastodon_test

import (
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/mastodon"
)

// FuzzMastodon: a Mastodon server is anyone's server. Whatever it answers
// to identify, app registration, publishing (with media and a thread) and
// metrics, the connector returns a classified error or a usable result,
// and never panics; Validate agrees with Length on any text.
func FuzzMastodon(f *testing.F) {
	const sep = "\n~~\n"
	f.Add("Hello https://example.com/a?b=c @alice@example.social", 200, "",
		[]byte(`{"id":"1","username":"alice","url":"https://m.example/@alice"}`+sep+`{"version":"4.3.0","source_url":"https://github.com/mastodon/mastodon","configuration":{"statuses":{"max_characters":500}}}`))
	f.Add("Thread start", 200, "X-RateLimit-Remaining: 0\nX-RateLimit-Reset: 2030-01-01T00:00:00Z",
		[]byte(`{"id":"m1"}`+sep+`202 {"id":"m1","url":null}`+sep+`{"id":"m1","url":"https://m.example/m1"}`+sep+`{"id":"s1","url":"https://m.example/@a/s1"}`+sep+`{"id":"s2","uri":"https://m.example/s2"}`))
	f.Add("👍🏽 café", 422, "", []byte(`{"error":"Validation failed: Text too long","error_description":"x"}`))
	f.Add("", 429, "Retry-After: 30", []byte(`{"error":"Too many requests"}`))
	f.Add("x", 200, "", []byte(`[{"id":"1","replies_count":1,"reblogs_count":-2,"favourites_count":3},{"id":"9"}]`+sep+`404 {"error":"Record not found"}`+sep+`{"id":"3"}`))
	f.Add("x", 200, "", []byte(`404 {}`+sep+`{"version":"2.7.0 (compatible; Pleroma 2.5)"}`+sep+`{"client_id":"c","client_secret":"s"}`))
	f.Add(strings.Repeat("a", 501), 200, "", []byte(`not json`))
	f.Add("@user@ http://localhost:3000/x.", 201, "", []byte(`{"id":""}`+sep+`null`+sep+`[]`))
	f.Add("\xff", 500, "Retry-After: -1", []byte(nil))
	mastodon.SetMediaPoll(time.Millisecond)
	srv := connectortest.NewScriptServer(f)
	f.Fuzz(func(t *testing.T, text string, status int, header string, script []byte) {
		c := mastodon.New(mastodon.WithHTTPClient(srv.Client()))
		n := mastodon.Length(text)
		if msgs := c.Validate(text); (len(msgs) == 0) != (strings.TrimSpace(text) != "" && n <= mastodon.MaxCharacters) {
			t.Fatalf("Validate(%q) = %q but Length = %d", text, msgs, n)
		}
		if n < 0 || (strings.TrimSpace(text) == "" && n != 0) {
			t.Fatalf("Length(%q) = %d", text, n)
		}
		if g := uniseg.GraphemeClusterCount(text); utf8.ValidString(text) && !strings.ContainsAny(text, ":@") && strings.TrimSpace(text) != "" && n != g {
			t.Fatalf("Length(%q) = %d, want its %d graphemes", text, n, g)
		}
		_ = mastodon.ErrorMessage(script)

		ctx := connectortest.FuzzCtx(t, srv)
		params := connectors.ConnectParams{"instance_url": srv.URL}
		acct := &rythme.Account{Network: "mastodon", InstanceURL: srv.URL, Meta: map[string]string{}}

		srv.Set(status, header, script)
		if id, err := c.Identify(ctx, params, srv.Client()); err != nil {
			connectortest.CheckErr(t, "Identify", err)
		} else if id == nil || id.ExternalID == "" || id.Username == "" || id.InstanceURL == "" {
			t.Fatalf("Identify succeeded with %+v", id)
		}

		srv.Set(status, header, script)
		if cfg, err := c.OAuth2Config(ctx, params, "https://rythme.test/v1/oauth/mastodon/callback", nil); err != nil {
			connectortest.CheckErr(t, "OAuth2Config", err)
		} else if cfg == nil || cfg.ClientID == "" || cfg.Endpoint.TokenURL == "" {
			t.Fatalf("OAuth2Config succeeded with %+v", cfg)
		}

		srv.Set(status, header, script)
		media := connectors.Media{ID: "med_1", ContentType: "image/png", Size: 3, AltText: "alt",
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("png")), nil }}
		pub, err := c.Publish(ctx, acct, srv.Client(), connectors.PublishRequest{Text: text, IdempotencyKey: "tgt_1",
			Media: []connectors.Media{media}, Thread: []string{"second"}})
		if err != nil {
			connectortest.CheckErr(t, "Publish", err)
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		for _, batch := range []string{"", "false"} {
			acct.Meta[mastodon.MetaStatusesBatch] = batch
			srv.Set(status, header, script)
			ms, err := c.FetchMetrics(ctx, acct, srv.Client(), []string{"1", "2", "3", "1", ""})
			if err != nil {
				connectortest.CheckErr(t, "FetchMetrics", err)
				continue
			}
			if len(ms) != 3 {
				t.Fatalf("FetchMetrics of 3 distinct ids gave %d readings", len(ms))
			}
			for _, m := range ms {
				if m.ExternalID != "1" && m.ExternalID != "2" && m.ExternalID != "3" {
					t.Fatalf("FetchMetrics answered for %q, not asked", m.ExternalID)
				}
			}
		}
	})
}
