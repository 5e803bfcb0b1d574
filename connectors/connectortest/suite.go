package connectortest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/fakenet"
)

// Run runs the conformance suite against h. Every case starts its own
// fakenet and runs in parallel.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Network == "" || h.New == nil || h.Params == nil {
		t.Fatal("connectortest: Harness needs Network, New and Params")
	}
	cases := []struct {
		name string
		fn   func(*testing.T, *Env)
	}{
		{"Info", testInfo},
		{"OAuthFlow", testOAuthFlow},
		{"DirectConnect", testDirectConnect},
		{"Identify", testIdentify},
		{"Publish", testPublish},
		{"RetrySameKey", testRetrySameKey},
		{"ThreadResume", testThreadResume},
		{"FirstComment", testFirstComment},
		{"ServerIgnoresIdempotency", testServerIgnoresIdempotency},
		{"Validate", testValidate},
		{"Errors", testErrors},
		{"ConnectionRefused", testConnectionRefused},
		{"Refresh", testRefresh},
		{"FetchMetrics", testFetchMetrics},
		{"FetchFollowers", testFetchFollowers},
		{"ReadHistory", testReadHistory},
		{"ReadInbox", testReadInbox},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, Start(t, h))
		})
	}
}

func testInfo(t *testing.T, e *Env) {
	info := e.Connector.Info()
	if info.Name != e.Harness.Network || info.Title == "" || info.MaxLength <= 0 {
		t.Errorf("Info %+v: name must be %q, title and max length set", info, e.Harness.Network)
	}
	switch info.Auth {
	case "oauth2", "webhook", "app_password":
	default:
		t.Errorf("Info.Auth %q is not oauth2, webhook or app_password", info.Auth)
	}
}

func testDirectConnect(t *testing.T, e *Env) {
	dc, ok := e.Connector.(connectors.DirectConnector)
	if !ok {
		t.Skip("the network connects through OAuth 2")
	}
	c := e.Connect("alice")
	if c.Account.ExternalID == "" || c.Account.Token.AccessToken == "" {
		t.Fatalf("direct connect: external id %q, credentials kept: %v", c.Account.ExternalID, c.Account.Token.AccessToken != "")
	}
	// Missing or made-up credentials are refused, with a message.
	if _, _, err := dc.Connect(e.Context(), connectors.ConnectParams{}, connectors.NewHTTPClient()); err == nil {
		t.Error("Connect without parameters succeeded")
	}
	bad := connectors.ConnectParams{}
	for k, v := range e.Harness.Direct(e, "mallory") {
		bad[k] = v + "x"
	}
	if _, _, err := dc.Connect(e.Context(), bad, connectors.NewHTTPClient()); err == nil {
		t.Error("Connect with altered credentials succeeded")
	}
}

func testOAuthFlow(t *testing.T, e *Env) {
	if _, ok := e.Connector.(connectors.DirectConnector); ok {
		t.Skip("the network connects without OAuth 2")
	}
	ctx := e.Context()
	if len(e.Connector.Info().ConnectParams) > 0 {
		_, err := e.Connector.OAuth2Config(ctx, connectors.ConnectParams{}, RedirectURI, e.Apps)
		if rythme.ErrorCode(err) != rythme.EINVALID {
			t.Errorf("OAuth2Config without params: %v, want EINVALID", err)
		}
	}
	cfg, err := e.Connector.OAuth2Config(ctx, e.Params, RedirectURI, e.Apps)
	if err != nil {
		t.Fatalf("OAuth2Config: %v", err)
	}
	again, err := e.Connector.OAuth2Config(ctx, e.Params, RedirectURI, e.Apps)
	if err != nil || again.ClientID != cfg.ClientID {
		t.Fatalf("a second OAuth2Config must reuse the client: %v, %q vs %q", err, again.ClientID, cfg.ClientID)
	}
	if e.Apps.Saves() > 1 {
		t.Errorf("the client was registered %d times, want at most once", e.Apps.Saves())
	}
	if cfg.RedirectURL != RedirectURI || !strings.HasPrefix(cfg.Endpoint.TokenURL, e.Base) {
		t.Errorf("config: redirect %q, token URL %q (want on %s)", cfg.RedirectURL, cfg.Endpoint.TokenURL, e.Base)
	}

	verifier := oauth2.GenerateVerifier()
	code := e.Authorize(cfg, "alice", verifier)
	_, err = e.Exchange(ctx, cfg, code, oauth2.GenerateVerifier())
	var re *oauth2.RetrieveError
	if err == nil || (errors.As(err, &re) && re.ErrorCode != "invalid_grant") {
		t.Fatalf("exchange with a wrong verifier: %v, want invalid_grant", err)
	}

	code = e.Authorize(cfg, "alice", verifier)
	tok, err := e.Exchange(ctx, cfg, code, verifier)
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("exchange: %v", err)
	}
	if _, err := e.Exchange(ctx, cfg, code, verifier); err == nil {
		t.Error("an authorization code could be used twice")
	}
	if e.Harness.Refresh && tok.RefreshToken == "" {
		t.Error("the harness says the network issues refresh tokens, but none came")
	}
}

func testIdentify(t *testing.T, e *Env) {
	c := e.Connect("alice")
	a := c.Account
	if a.Username != "alice" || a.ExternalID == "" || a.InstanceURL == "" {
		t.Fatalf("identity: username %q, external id %q, instance %q", a.Username, a.ExternalID, a.InstanceURL)
	}
	if got, want := e.Connector.Idempotent(a), e.Connector.Info().IdempotencyKey; got != want {
		t.Errorf("Idempotent on fakenet = %v, want Info().IdempotencyKey = %v", got, want)
	}
	for k, v := range a.Meta {
		if strings.Contains(v, a.Token.AccessToken) {
			t.Errorf("Meta[%q] holds the access token", k)
		}
	}
	bob := e.Connect("bob")
	if bob.Account.ExternalID == a.ExternalID {
		t.Error("two users got the same external id")
	}
}

func testPublish(t *testing.T, e *Env) {
	c := e.Connect("alice")
	text := "Bonjour from the conformance suite #rythme"
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: text, IdempotencyKey: "tgt-1"})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	posts := e.Posts()
	if len(posts) != 1 {
		t.Fatalf("fakenet recorded %d posts, want 1: %+v", len(posts), posts)
	}
	p := posts[0]
	if !p.Created || p.Text != text || p.ID != pub.ExternalID || p.Account != "alice" {
		t.Errorf("recorded %+v, published %+v", p, pub)
	}
	if e.Connector.Info().IdempotencyKey && p.IdempotencyKey != "tgt-1" {
		t.Errorf("idempotency key %q reached the network, want tgt-1", p.IdempotencyKey)
	}
	if pub.URL == "" {
		t.Error("no URL for the published post")
	}
}

func testRetrySameKey(t *testing.T, e *Env) {
	if !e.Connector.Info().IdempotencyKey {
		t.Skip("the network has no idempotency key")
	}
	c := e.Connect("alice")
	req := connectors.PublishRequest{Text: "once only", IdempotencyKey: "tgt-retry"}
	first, err := e.Connector.Publish(context.Background(), c.Account, c.Client, req)
	if err != nil {
		t.Fatalf("first attempt: %v", err)
	}
	second, err := e.Connector.Publish(context.Background(), c.Account, c.Client, req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if second.ExternalID != first.ExternalID {
		t.Errorf("the retry made another post: %s vs %s", second.ExternalID, first.ExternalID)
	}
	created := 0
	for _, p := range e.Posts() {
		if p.Created {
			created++
		}
	}
	if created != 1 || len(e.Posts()) != 2 {
		t.Errorf("fakenet got %d requests and created %d posts, want 2 and 1", len(e.Posts()), created)
	}
}

// testThreadResume: a thread stops when a part cannot be recorded, and a
// retry with the parts out (Done) sends only the rest, replying to the
// last part out, and returns the first part.
func testThreadResume(t *testing.T, e *Env) {
	if !e.Connector.Info().Threads {
		t.Skip("the network has no threads")
	}
	c := e.Connect("alice")
	var out []connectors.Part
	stop := errors.New("the store is down")
	req := connectors.PublishRequest{Text: ThreadParts[0], Thread: ThreadParts[1:], IdempotencyKey: "tgt-thread",
		PartPublished: func(_ context.Context, p connectors.Part) error {
			out = append(out, p)
			if p.Index == 1 {
				return stop
			}
			return nil
		}}
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, req)
	var pe *connectors.PartError
	if !errors.As(err, &pe) || pe.Unsaved == nil || pe.Unsaved.Index != 1 || len(out) != 2 {
		t.Fatalf("a part that cannot be recorded: %v, parts %+v; want a PartError for part 2 and nothing after it", err, out)
	}
	req.Done, req.PartPublished = out, func(_ context.Context, p connectors.Part) error { out = append(out, p); return nil }
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, req)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if pub.ExternalID != out[0].ExternalID || len(out) != 3 || out[2].Index != 2 {
		t.Fatalf("resume returned %+v with parts %+v; want part 1 as the result and part 3 sent", pub, out)
	}
	created := map[string]int{}
	for _, p := range e.Posts() {
		if !p.Created {
			continue
		}
		created[p.Text]++
		if p.Text == ThreadParts[2] && p.ReplyTo != "" && p.ReplyTo != out[1].ExternalID {
			t.Errorf("part 3 replies to %q, want part 2 %q", p.ReplyTo, out[1].ExternalID)
		}
	}
	for _, text := range ThreadParts {
		if created[text] != 1 {
			t.Errorf("%q is on the network %d times, want once", text, created[text])
		}
	}
}

func testServerIgnoresIdempotency(t *testing.T, e *Env) {
	if !e.Harness.ServersMayIgnoreIdempotency {
		t.Skip("every server of the network honours idempotency keys")
	}
	e.InjectFault(fakenet.Fault{Kind: fakenet.FaultIgnoreIdempotency, Match: "publish"})
	c := e.Connect("alice")
	if e.Connector.Idempotent(c.Account) {
		t.Error("Idempotent is true on a server that ignores idempotency keys")
	}
}

func testValidate(t *testing.T, e *Env) {
	info := e.Connector.Info()
	max := info.MaxLength
	if msgs := e.Connector.Validate(strings.Repeat("a", max)); msgs != nil {
		t.Errorf("%d characters: %v, want none", max, msgs)
	}
	msgs := e.Connector.Validate(strings.Repeat("a", max+1))
	if len(msgs) != 1 || !strings.Contains(msgs[0], strconv.Itoa(max+1)) || !strings.Contains(msgs[0], strconv.Itoa(max)) {
		t.Errorf("%d characters: %v, want one message naming %d and %d", max+1, msgs, max+1, max)
	}
	if e.Connector.Validate("") == nil {
		t.Error("empty text passed validation")
	}
	if info.URLLength > 0 {
		link := "https://example.com/" + strings.Repeat("long-path/", 12)
		fill := max - info.URLLength - 1
		if msgs := e.Connector.Validate(link + " " + strings.Repeat("b", fill)); msgs != nil {
			t.Errorf("a URL must count as %d: %v", info.URLLength, msgs)
		}
		if msgs := e.Connector.Validate(link + " " + strings.Repeat("b", fill+1)); len(msgs) != 1 {
			t.Errorf("one character over with a URL: %v, want one message", msgs)
		}
	}
}

func testErrors(t *testing.T, e *Env) {
	info := e.Connector.Info()
	cases := []struct {
		name  string
		fault *fakenet.Fault
		text  string
		kind  connectors.Kind
		check func(t *testing.T, err *connectors.Error)
	}{
		{name: "429 with Retry-After", fault: &fakenet.Fault{Match: "publish", Kind: fakenet.FaultStatus, Status: 429, RetryAfter: 7, Count: 1},
			kind: connectors.RateLimited, check: func(t *testing.T, err *connectors.Error) {
				if err.RetryAfter != 7*time.Second {
					t.Errorf("RetryAfter %v, want 7s", err.RetryAfter)
				}
			}},
		{name: "500", fault: &fakenet.Fault{Match: "publish", Kind: fakenet.FaultStatus, Status: 500, Count: 1}, kind: connectors.Retryable},
		{name: "503", fault: &fakenet.Fault{Match: "publish", Kind: fakenet.FaultStatus, Status: 503, Count: 1}, kind: connectors.Retryable},
		{name: "revoked token", kind: connectors.Auth},
		{name: "content rejected", text: strings.Repeat("z", info.MaxLength+25), kind: connectors.Permanent},
		{name: "timeout after sending", fault: &fakenet.Fault{Match: "publish", Kind: fakenet.FaultTimeout, Count: 1}, kind: connectors.Unknown},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			user := fmt.Sprintf("user%d", i)
			c := e.Connect(user)
			client := c.Client
			switch {
			case tc.fault != nil && tc.fault.Kind == fakenet.FaultTimeout:
				client = c.ClientWithTimeout(300 * time.Millisecond)
			case tc.name == "revoked token":
				e.InjectFault(fakenet.Fault{Kind: fakenet.FaultRevoke, User: user})
			}
			if tc.fault != nil {
				f := *tc.fault
				e.InjectFault(f)
			}
			text := tc.text
			if text == "" {
				text = "error case " + tc.name
			}
			before := len(e.Posts())
			_, err := e.Connector.Publish(context.Background(), c.Account, client, connectors.PublishRequest{Text: text, IdempotencyKey: "k-" + user})
			ce, ok := connectors.AsError(err)
			if !ok || ce.Kind != tc.kind {
				t.Fatalf("Publish: %v (kind %v), want kind %v", err, connectors.KindOf(err), tc.kind)
			}
			if ce.Message == "" {
				t.Error("the error has no message")
			}
			if c.Account.Token.AccessToken != "" && strings.Contains(err.Error(), c.Account.Token.AccessToken) {
				t.Error("the error shows the access token")
			}
			posts := e.Posts()[before:]
			switch tc.kind {
			case connectors.Permanent:
				if len(posts) != 1 || posts[0].Error == "" || !strings.Contains(ce.Message, posts[0].Error) {
					t.Errorf("the error %q must carry the network's own message (recorded %+v)", ce.Message, posts)
				}
			case connectors.Unknown:
				if len(posts) != 1 || !posts[0].Created {
					t.Errorf("the timed-out request must have been acted on: %+v", posts)
				}
			default:
				for _, p := range posts {
					if p.Created {
						t.Errorf("a refused request created a post: %+v", p)
					}
				}
			}
			if tc.check != nil {
				tc.check(t, ce)
			}
		})
	}
}

func testConnectionRefused(t *testing.T, e *Env) {
	c := e.Connect("alice")
	e.Server.Close()
	// A fresh client, so that the request is not first written onto a
	// kept-alive connection the server already closed (whose outcome a
	// client cannot know): the dial itself is refused.
	client := c.ClientWithTimeout(10 * time.Second)
	_, err := e.Connector.Publish(context.Background(), c.Account, client, connectors.PublishRequest{Text: "nobody home", IdempotencyKey: "k"})
	if connectors.KindOf(err) != connectors.Retryable {
		t.Fatalf("Publish to a closed server: %v, want retryable", err)
	}
	if _, ok := connectors.AsError(err); !ok {
		t.Errorf("the error is not a *connectors.Error: %T", err)
	}
}

func testRefresh(t *testing.T, e *Env) {
	c := e.Connect("alice")
	if direct := c.Tokens == nil; direct && !e.Harness.Refresh { // connected without OAuth 2
		if c.Session.Invalidate() {
			t.Error("Invalidate says credentials that never expire can be refreshed")
		}
		t.Skip("the credentials never expire (a webhook URL)")
	}
	if !e.Harness.Refresh {
		// Tokens that never expire: nothing to refresh, and a refused
		// token is an Auth error the worker acts on.
		if c.Account.Token.RefreshToken != "" {
			t.Errorf("the harness says no refresh tokens, but one came")
		}
		if c.Session.Invalidate() {
			t.Error("Invalidate says a refresh is possible without a refresh token")
		}
		_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "x", IdempotencyKey: "k"})
		if connectors.KindOf(err) != connectors.Auth {
			t.Fatalf("Publish with an invalidated token and no refresh token: %v, want auth", err)
		}
		return
	}
	if c.Account.Token.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	old := ""
	if c.Tokens != nil {
		old = c.Tokens.Current().AccessToken
	}
	if !c.Session.Invalidate() {
		t.Fatal("Invalidate says no refresh is possible")
	}
	if _, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "after refresh", IdempotencyKey: "k"}); err != nil {
		t.Fatalf("Publish after refresh: %v", err)
	}
	if (c.Tokens != nil && c.Tokens.Current().AccessToken == old) || c.Saved() == 0 {
		t.Error("the credentials were not refreshed and saved")
	}
	// The refresh-ahead task's path: Refresh renews now.
	before := c.Saved()
	if err := c.Session.Refresh(e.Context()); err != nil {
		t.Fatalf("Session.Refresh: %v", err)
	}
	if c.Saved() != before+1 {
		t.Error("Session.Refresh did not save new credentials")
	}
}

func testFetchMetrics(t *testing.T, e *Env) {
	if !e.Connector.Info().Metrics {
		t.Skip("the network gives no metrics")
	}
	c := e.Connect("alice")
	ctx := context.Background()
	var ids []string
	for i := range 25 { // more than one batch on every network
		p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: fmt.Sprintf("metrics %d", i), IdempotencyKey: fmt.Sprintf("m-%d", i)})
		if err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
		ids = append(ids, p.ExternalID)
	}
	gone := ids[3]
	if !e.Fake.DeletePost(e.Harness.Network, gone) {
		t.Fatal("fakenet could not delete the post")
	}
	fetch := func() map[string]rythme.Metrics {
		t.Helper()
		ms, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, ids)
		if err != nil {
			t.Fatalf("FetchMetrics: %v", err)
		}
		if len(ms) != len(ids) {
			t.Fatalf("FetchMetrics returned %d readings for %d posts", len(ms), len(ids))
		}
		out := map[string]rythme.Metrics{}
		for i, m := range ms {
			if m.ExternalID != ids[i] {
				t.Fatalf("reading %d is for %q, want %q (same order as asked)", i, m.ExternalID, ids[i])
			}
			out[m.ExternalID] = m
		}
		return out
	}
	early := fetch()
	if !early[gone].Deleted || early[gone].Likes != nil {
		t.Errorf("deleted post: %+v, want Deleted and no numbers", early[gone])
	}
	e.Clock.Advance(48 * time.Hour)
	late := fetch()
	var before, after int64
	for _, id := range ids {
		if id == gone {
			continue
		}
		a, b := early[id], late[id]
		if a.Deleted || b.Deleted || a.Likes == nil || b.Likes == nil || b.At.IsZero() {
			t.Fatalf("post %s: %+v then %+v", id, a, b)
		}
		if *b.Likes < *a.Likes || (a.Comments != nil && b.Comments != nil && *b.Comments < *a.Comments) {
			t.Errorf("post %s: engagement fell: %+v then %+v", id, a, b)
		}
		before += *a.Likes
		after += *b.Likes
	}
	if after <= before {
		t.Errorf("likes did not grow with the clock: %d then %d", before, after)
	}
}

// testFetchFollowers reads the account's followers twice at one time
// (the same count) and a month later (more: fakenet's audiences grow).
func testFetchFollowers(t *testing.T, e *Env) {
	af, ok := e.Connector.(connectors.AudienceFetcher)
	if !ok {
		if e.Harness.NoFollowers == "" {
			t.Fatal("the connector reads no followers and Harness.NoFollowers does not say why")
		}
		t.Skip(e.Harness.NoFollowers)
	}
	if e.Harness.NoFollowers != "" {
		t.Errorf("the connector reads followers, but Harness.NoFollowers says %q", e.Harness.NoFollowers)
	}
	c := e.Connect("alice")
	ctx := context.Background()
	read := func() int64 {
		t.Helper()
		n, err := af.FetchFollowers(ctx, c.Account, c.Client)
		if err != nil {
			t.Fatalf("FetchFollowers: %v", err)
		}
		return n
	}
	first := read()
	if first <= 0 {
		t.Fatalf("followers = %d, want the account's count", first)
	}
	if again := read(); again != first {
		t.Errorf("followers read twice at the same time: %d then %d", first, again)
	}
	e.Clock.Advance(30 * 24 * time.Hour)
	if later := read(); later <= first {
		t.Errorf("followers a month later: %d, want more than %d", later, first)
	}
}

// testReadInbox, for a connector that reads the inbox: the comments other
// users write on a published post arrive (fakenet writes some over time),
// each with its network id, kind, author, text and time, under the post;
// the account's own thread part is not among them.
func testReadInbox(t *testing.T, e *Env) {
	r, ok := e.Connector.(connectors.InboxReader)
	if !ok {
		t.Skip("the connector reads no inbox")
	}
	c := e.Connect("alice")
	ctx := context.Background()
	req := connectors.PublishRequest{Text: "inbox " + e.Harness.Network, IdempotencyKey: "tgt_inbox"}
	if e.Connector.Info().Threads {
		req.Thread = []string{"our own second part"}
	}
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, req)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	e.Clock.Advance(12 * time.Hour)
	page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
	if err != nil {
		t.Fatalf("ReadInbox: %v", err)
	}
	if len(page.Entries) == 0 {
		t.Fatal("no comment after 12 hours: fakenet's users comment on published posts")
	}
	for _, en := range page.Entries {
		if en.Text == "our own second part" {
			t.Fatalf("the account's own thread part was read: %+v", en)
		}
		if en.ExternalID == "" || !en.Kind.Valid() || en.Author.Handle == "" || en.Text == "" || en.CreatedAt.IsZero() ||
			en.CreatedAt.After(e.Clock.Now()) {
			t.Fatalf("entry %+v", en)
		}
		if en.Kind != rythme.InboxMention && en.PostID != p.ExternalID {
			t.Fatalf("a comment not under the post: %+v", en)
		}
	}
}
