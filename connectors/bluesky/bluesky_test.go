package bluesky_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/bluesky"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/fakenet"
)

func harness() connectortest.Harness {
	return connectortest.Harness{
		Network: bluesky.Name,
		New: func(base string) connectors.Connector {
			return bluesky.New(bluesky.Config{ServiceURL: base, AppURL: base})
		},
		Params:  func(base string) connectors.ConnectParams { return connectors.ConnectParams{"service_url": base} },
		Refresh: true, // refreshSession rotates both JWTs
		Direct: func(e *connectortest.Env, user string) connectors.ConnectParams {
			id, pw, ok := e.Fake.BlueskyAppPassword(user)
			if !ok {
				e.T.Fatalf("fakenet made no Bluesky account for %q", user)
			}
			return connectors.ConnectParams{"identifier": id, "app_password": pw, "service_url": e.Base}
		},
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harness())
}

// posts returns what fakenet recorded of Bluesky's createRecord calls.
func posts(e *connectortest.Env) []fakenet.Post { return e.Posts() }

func TestConnectKeepsJWTsNotThePassword(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	params := harness().Direct(e, "alice")
	c := e.Connect("alice")
	tok, a := c.Account.Token, c.Account
	if strings.Contains(tok.AccessToken+tok.RefreshToken, params["app_password"]) || tok.RefreshToken == "" {
		t.Fatal("the stored credentials must be the session JWTs, never the app password")
	}
	if d := time.Until(tok.Expiry); d < time.Hour || d > 3*time.Hour {
		t.Errorf("expiry %v from now, want the access JWT's exp (about 2 hours)", d)
	}
	if a.Username != "alice" || a.Meta[bluesky.MetaHandle] != "alice.test" || !strings.HasPrefix(a.ExternalID, "did:plc:") ||
		a.ProfileURL != e.Base+"/profile/alice.test" || a.InstanceURL != e.Base {
		t.Errorf("account %+v", a)
	}
	for _, tc := range []struct {
		name   string
		params connectors.ConnectParams
		code   string
		kind   connectors.Kind
	}{
		{"no password", connectors.ConnectParams{"identifier": "alice.test", "service_url": e.Base}, rythme.EINVALID, 0},
		{"http elsewhere", connectors.ConnectParams{"identifier": "a", "app_password": "b", "service_url": "http://example.com"}, rythme.EINVALID, 0},
		{"private address", connectors.ConnectParams{"identifier": "a", "app_password": "b", "service_url": "https://10.0.0.1"}, rythme.EINVALID, 0},
		{"wrong password", connectors.ConnectParams{"identifier": "alice.test", "app_password": "nope-nope-nope-nope", "service_url": e.Base}, "", connectors.Auth},
	} {
		_, _, err := e.Connector.(connectors.DirectConnector).Connect(context.Background(), tc.params, connectors.NewHTTPClient())
		if tc.code != "" && rythme.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
		if tc.kind != 0 && connectors.KindOf(err) != tc.kind {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.kind)
		}
	}
}

func TestRefreshRotatesAndSaves(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	acct := e.Connect("alice").Account
	var saved []rythme.Token
	save := func(_ context.Context, tok rythme.Token) error { saved = append(saved, tok); return nil }
	sess, err := e.Connector.(connectors.SessionOpener).OpenSession(context.Background(), acct, connectors.NewHTTPClient(), save)
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if len(saved) != 1 || saved[0].RefreshToken == acct.Token.RefreshToken || saved[0].AccessToken == acct.Token.AccessToken {
		t.Fatalf("saved %d tokens; a refresh must save a rotated pair", len(saved))
	}
	// The rotated refresh JWT is the one used next: a second refresh works
	// and rotates again.
	if err := sess.Refresh(context.Background()); err != nil || len(saved) != 2 || saved[1].RefreshToken == saved[0].RefreshToken {
		t.Fatalf("second refresh: %v (saved %d)", err, len(saved))
	}
	if _, err := e.Connector.Publish(context.Background(), acct, sess.Client(), connectors.PublishRequest{Text: "fresh", IdempotencyKey: "k"}); err != nil {
		t.Fatalf("Publish with the refreshed session: %v", err)
	}
	// A revoked app password ends the session: Auth, and no refresh.
	e.InjectFault(fakenet.Fault{Kind: fakenet.FaultRevoke, User: "alice"})
	sess.Invalidate()
	_, err = e.Connector.Publish(context.Background(), acct, sess.Client(), connectors.PublishRequest{Text: "revoked", IdempotencyKey: "k2"})
	if connectors.KindOf(err) != connectors.Auth {
		t.Fatalf("Publish after revoke: %v, want auth", err)
	}
}

func TestExpiredTokenAnswerRefreshesAndReplays(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	// The PDS answers an expired access JWT with 400 ExpiredToken.
	e.InjectFault(fakenet.Fault{Match: "publish", Kind: fakenet.FaultStatus, Status: 400, Count: 1,
		Body: `{"error":"ExpiredToken","message":"Token has expired"}`})
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "replayed", IdempotencyKey: "k"})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if c.Saved() != 1 {
		t.Errorf("saved %d sessions, want 1 refresh", c.Saved())
	}
	if p := posts(e); len(p) != 1 || p[0].ID != pub.ExternalID {
		t.Errorf("fakenet recorded %+v", p)
	}
}

func TestRetryAfterTimeoutAndThreads(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	key := "tgt_01JCZ3Q7W8X9Y0Z1A2B3C4D5E6"
	// The first attempt times out after the PDS made the post.
	e.InjectFault(fakenet.Fault{Match: "publish", Kind: fakenet.FaultTimeout, Count: 1})
	_, err := e.Connector.Publish(context.Background(), c.Account, c.ClientWithTimeout(300*time.Millisecond),
		connectors.PublishRequest{Text: "first part", IdempotencyKey: key})
	if connectors.KindOf(err) != connectors.Unknown {
		t.Fatalf("timed-out attempt: %v, want unknown", err)
	}
	// The retry carries the whole thread: the first part is found, the
	// rest are replies to it.
	req := connectors.PublishRequest{Text: "first part", Thread: []string{"second part", "third part"}, IdempotencyKey: key}
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	rk := bluesky.RecordKey(key, 0)
	if !strings.HasSuffix(pub.ExternalID, "/app.bsky.feed.post/"+rk) || pub.URL != e.Base+"/profile/alice.test/post/"+rk {
		t.Errorf("external id %s, URL %s, want record key %s", pub.ExternalID, pub.URL, rk)
	}
	var created, dedup int
	for _, p := range posts(e) {
		switch {
		case p.Created:
			created++
		case p.ID == pub.ExternalID:
			dedup++
		}
		if p.IdempotencyKey != key {
			t.Errorf("recorded key %q, want %q", p.IdempotencyKey, key)
		}
	}
	if created != 3 || dedup != 1 {
		t.Errorf("fakenet created %d posts and deduplicated %d, want 3 and 1: %+v", created, dedup, posts(e))
	}
	// A second retry creates nothing.
	if again, err := e.Connector.Publish(context.Background(), c.Account, c.Client, req); err != nil || again.ExternalID != pub.ExternalID {
		t.Fatalf("second retry: %v %+v", err, again)
	}
	if n := len(posts(e)); n != 7 {
		t.Errorf("%d requests recorded, want 7", n)
	}
}

func TestRecordKey(t *testing.T) {
	t.Parallel()
	id := rythme.NewID(rythme.PrefixTarget)
	seen := map[string]bool{}
	for _, key := range []string{id, "tgt-1", "x"} {
		for i := range 3 {
			k := bluesky.RecordKey(key, i)
			if len(k) != 13 || !strings.ContainsRune("234567abcdefghij", rune(k[0])) || seen[k] {
				t.Errorf("RecordKey(%q, %d) = %q: not a fresh TID", key, i, k)
			}
			seen[k] = true
			if bluesky.RecordKey(key, i) != k {
				t.Errorf("RecordKey(%q, %d) is not deterministic", key, i)
			}
		}
	}
	// A rythme ID's key sorts at the ID's creation time (now), like the
	// PDS's own TIDs.
	now := bluesky.RecordKey(id, 0)
	if now < bluesky.RecordKey("tgt-1", 0) {
		t.Errorf("the TID of a new rythme ID (%s) sorts before one from 2024", now)
	}
}

func TestRateLimitReset(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	reset := time.Now().Add(90 * time.Second).Unix()
	e.InjectFault(fakenet.Fault{Match: "publish", Kind: fakenet.FaultStatus, Status: 429, Count: 1,
		Body: `{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`})
	// Fault answers carry no RateLimit-* headers: check the parsing on a
	// canned response instead, then the fault's kind.
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "x", IdempotencyKey: "k"})
	if connectors.KindOf(err) != connectors.RateLimited {
		t.Fatalf("429: %v", err)
	}
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Ratelimit-Reset": {strconv.FormatInt(reset, 10)}, "Ratelimit-Remaining": {"0"}},
		Body: io.NopCloser(strings.NewReader(`{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`))}
	ce := bluesky.ErrorFrom(resp)
	if ce.Kind != connectors.RateLimited || ce.RetryAfter < 80*time.Second || ce.RetryAfter > 91*time.Second {
		t.Errorf("RateLimit-Reset %d: %+v, want about 90s", reset, ce)
	}
}
