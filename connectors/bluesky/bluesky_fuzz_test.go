package bluesky_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/bluesky"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// FuzzBluesky: a PDS is anyone's server. Whatever it answers to signing
// in, refreshing a session, resolving mentions, uploading images,
// creating records and reading posts, the connector returns a classified
// error or a usable result and never panics. Any text gives spans inside
// it and a stable record key.
func FuzzBluesky(f *testing.F) {
	const sep = "\n~~\n"
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImNvbS5hdHByb3RvLmFwcFBhc3MiLCJleHAiOjE4MDAwMDAwMDB9.c2ln"
	f.Add("Hi @alice.bsky.social see https://example.com/x?y=1. #launch", 200, "",
		[]byte(`{"accessJwt":"`+jwt+`","refreshJwt":"r","handle":"bob.bsky.social","did":"did:plc:bob","didDoc":{"service":[{"id":"#atproto_pds","serviceEndpoint":"https://pds.example"}]}}`+sep+
			`{"availableUserDomains":[".bsky.social",""]}`+sep+`{"did":"did:plc:alice"}`+sep+`{"blob":{"$type":"blob","ref":{"$link":"b"}}}`+sep+`{"uri":"at://did:plc:bob/app.bsky.feed.post/3k","cid":"c"}`))
	f.Add("thread", 400, "", []byte(`{"error":"ExpiredToken","message":"Token has expired"}`+sep+`200 {"accessJwt":"a.b.c","refreshJwt":"r2"}`+sep+`200 {"uri":"at://x/y/z"}`))
	f.Add("x", 500, "", []byte(`{"error":"InternalServerError","message":"Internal Server Error"}`+sep+`200 {"uri":"at://did:plc:bob/app.bsky.feed.post/3k","cid":"c"}`))
	f.Add("x", 429, "RateLimit-Reset: 1800000300\nRateLimit-Remaining: 0", []byte(`{"error":"RateLimitExceeded"}`))
	f.Add("x", 200, "", []byte(`{"posts":[{"uri":"at://a/app.bsky.feed.post/1","likeCount":2,"replyCount":1,"repostCount":1,"quoteCount":1}]}`+sep+`400 {"error":"RecordNotFound","message":"Could not locate record"}`))
	f.Add("#", 200, "", []byte(`{"uri":""}`+sep+`{"accessJwt":""}`+sep+`[]`+sep+`null`))
	f.Add("@a @b.c (https://x.y) ＃tag", 201, "", []byte(`not json`))
	f.Add(strings.Repeat("é", 301), 200, "", []byte(nil))
	srv := connectortest.NewScriptServer(f)
	f.Fuzz(func(t *testing.T, text string, status int, header string, script []byte) {
		c := bluesky.New(bluesky.Config{ServiceURL: srv.URL, AppURL: "https://bsky.app", HTTPClient: srv.Client()})
		_ = c.Validate(text)
		last := 0
		for _, sp := range bluesky.DetectSpans(text) {
			if sp.Start < last || sp.End <= sp.Start || sp.End > len(text) || !utf8.ValidString(text[sp.Start:sp.End]) && utf8.ValidString(text) {
				t.Fatalf("DetectSpans(%q): span %+v out of order, empty, outside the text or cutting a character", text, sp)
			}
			last = sp.End
		}
		for i := range 2 {
			k := bluesky.RecordKey(text, i)
			if len(k) != 13 || strings.Trim(k, "234567abcdefghijklmnopqrstuvwxyz") != "" || k != bluesky.RecordKey(text, i) {
				t.Fatalf("RecordKey(%q, %d) = %q: not a stable TID", text, i, k)
			}
		}

		ctx := connectortest.FuzzCtx(t, srv)
		srv.Set(status, header, script)
		id, tok, err := c.Connect(ctx, connectors.ConnectParams{"identifier": "@bob.bsky.social", "app_password": "abcd-efgh", "service_url": srv.URL}, srv.Client())
		if err != nil {
			connectortest.CheckErr(t, "Connect", err)
		} else if id == nil || id.ExternalID == "" || tok.AccessToken == "" {
			t.Fatalf("Connect succeeded with %+v", id)
		}

		srv.Set(status, header, script)
		_, err = c.Identify(ctx, connectors.ConnectParams{"service_url": srv.URL}, srv.Client())
		connectortest.CheckErr(t, "Identify", err)

		acct := &rythme.Account{Network: "bluesky", InstanceURL: srv.URL, ExternalID: "did:plc:bob", Username: "bob",
			Meta:  map[string]string{bluesky.MetaHandle: "bob.bsky.social"},
			Token: rythme.Token{AccessToken: "expired.jwt.x", RefreshToken: "r", Expiry: time.Now().Add(-time.Minute)}}
		saved := 0
		sess, err := c.OpenSession(ctx, acct, srv.Client(), func(context.Context, rythme.Token) error { saved++; return nil })
		if err != nil {
			t.Fatalf("OpenSession: %v", err)
		}
		srv.Set(status, header, script)
		media := connectors.Media{ID: "med_1", ContentType: "image/png", Size: 3, AltText: "alt",
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("png")), nil }}
		pub, err := c.Publish(ctx, acct, sess.Client(), connectors.PublishRequest{Text: text, IdempotencyKey: "tgt_01J5Z3K8M9N0P1Q2R3S4T5V6W7",
			Media: []connectors.Media{media}, Thread: []string{"second @carol.example"}, Options: map[string]string{"langs": "en, fr"}})
		if err != nil {
			connectortest.CheckErr(t, "Publish", err)
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.Set(status, header, script)
		ids := []string{"at://a/app.bsky.feed.post/1", "at://a/app.bsky.feed.post/2", "not-a-uri", "at://a/app.bsky.feed.post/1"}
		ms, err := c.FetchMetrics(ctx, acct, srv.Client(), ids)
		if err != nil {
			connectortest.CheckErr(t, "FetchMetrics", err)
		} else if len(ms) != 3 {
			t.Fatalf("FetchMetrics of 3 distinct ids gave %d readings", len(ms))
		}

		srv.Set(status, header, script)
		resp := &http.Response{StatusCode: 200 + int(uint(status)%400), Header: http.Header{"Ratelimit-Reset": {header}}, Body: io.NopCloser(bytes.NewReader(script))}
		if e := bluesky.ErrorFrom(resp); e == nil || e.RetryAfter < 0 || e.RetryAfter > time.Hour {
			t.Fatalf("ErrorFrom: %+v", e)
		}
	})
}
