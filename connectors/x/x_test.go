package x_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/x"
	"github.com/rythmehq/rythme/fakenet"
)

func fakenetRoot(base string) string { return strings.TrimSuffix(base, "/"+x.Name) }

// oauth2Only hides the connector's direct connect (OAuth 1.0a keys), so
// that the suite, which connects any DirectConnector directly, runs the
// OAuth 2.0 flow; botHarness runs it on keys.
type oauth2Only struct {
	connectors.Connector
	connectors.Exchanger
	connectors.SessionOpener
	connectors.AudienceFetcher
	connectors.HistoryReader
}

func oauth2Connector(c *x.Connector) connectors.Connector { return oauth2Only{c, c, c, c, c} }

func harness(edit func(*x.Config)) connectortest.Harness {
	return connectortest.Harness{
		Network: x.Name,
		New: func(base string) connectors.Connector {
			cfg := x.FakenetConfig(fakenetRoot(base))
			if edit != nil {
				edit(&cfg)
			}
			return oauth2Connector(x.New(cfg))
		},
		Params:  func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		Refresh: true, // offline.access: refresh tokens, rotated on every use
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harness(nil))
}

func TestInfo(t *testing.T) {
	t.Parallel()
	info := x.New(x.Config{}).Info()
	if info.MaxLength != 280 || info.URLLength != 23 || !info.Threads || info.MaxMedia != 4 || info.IdempotencyKey ||
		info.MaxImageBytes != 5<<20 || info.MaxVideoBytes != 512<<20 {
		t.Errorf("Info %+v", info)
	}
	if _, err := x.New(x.Config{}).OAuth2Config(context.Background(), nil, connectortest.RedirectURI, nil); rythme.ErrorCode(err) != rythme.EINVALID {
		t.Errorf("OAuth2Config without a client id: %v, want EINVALID", err)
	}
	cfg, err := x.New(x.Config{ClientID: "id", ClientSecret: "s3cret"}).OAuth2Config(context.Background(), nil, connectortest.RedirectURI, nil)
	if err != nil || cfg.Endpoint.AuthURL != "https://x.com/i/oauth2/authorize" || cfg.Endpoint.TokenURL != "https://api.x.com/2/oauth2/token" ||
		cfg.Endpoint.AuthStyle != oauth2.AuthStyleInHeader || strings.Join(cfg.Scopes, " ") != "tweet.read tweet.write users.read offline.access media.write tweet.moderate.write" {
		t.Errorf("default config %+v, %v", cfg, err)
	}
	if s := (x.Config{ClientSecret: "s3cret"}).String(); strings.Contains(s, "s3cret") {
		t.Errorf("Config.String shows the secret: %s", s)
	}
}

func TestValidateMessages(t *testing.T) {
	t.Parallel()
	c := x.New(x.Config{})
	msgs := c.Validate(strings.Repeat("日", 141))
	if len(msgs) != 1 || !strings.Contains(msgs[0], "282") || !strings.Contains(msgs[0], "280") {
		t.Errorf("141 CJK characters: %v, want one message naming 282 and 280", msgs)
	}
	if msgs := c.Validate(strings.Repeat("日", 140)); msgs != nil {
		t.Errorf("140 CJK characters: %v", msgs)
	}
	if msgs := c.Validate("ok\uffff"); len(msgs) != 1 {
		t.Errorf("invalid character: %v", msgs)
	}
}

func TestThread(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{
		Text: "1/3 a thread", Thread: []string{"2/3 goes on", "3/3 ends"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(pub.URL, "/alice/status/"+pub.ExternalID) {
		t.Errorf("URL %q", pub.URL)
	}
	posts := e.Posts()
	if len(posts) != 3 || posts[0].ID != pub.ExternalID {
		t.Fatalf("posts %+v", posts)
	}
	for i, p := range posts {
		tw, ok := e.Fake.XTweet(p.ID)
		want := ""
		if i > 0 {
			want = posts[i-1].ID
		}
		if !ok || tw.InReplyTo != want {
			t.Errorf("part %d replies to %q, want %q", i+1, tw.InReplyTo, want)
		}
	}

	// A later part refused: the error names the part, the parts out are
	// reported, and a retry with them Done resumes without the first post.
	var saved []connectors.Part
	req := connectors.PublishRequest{Text: "another start", Thread: []string{"3/3 ends"}, // duplicate content
		PartPublished: func(_ context.Context, p connectors.Part) error { saved = append(saved, p); return nil }}
	_, err = e.Connector.Publish(context.Background(), c.Account, c.Client, req)
	var pe *connectors.PartError
	if connectors.KindOf(err) != connectors.Permanent || !errors.As(err, &pe) || pe.Index != 1 || len(saved) != 1 || saved[0].Index != 0 {
		t.Fatalf("partial thread: %v, saved %+v; want part 2 refused and part 1 saved", err, saved)
	}
	before := len(e.Posts())
	req.Done, req.Thread = saved, []string{"3/3 ends, told differently"}
	pub, err = e.Connector.Publish(context.Background(), c.Account, c.Client, req)
	if err != nil || pub.ExternalID != saved[0].ExternalID {
		t.Fatalf("resumed thread: %+v, %v; want the first post as the result", pub, err)
	}
	if got := e.Posts()[before:]; len(got) != 1 {
		t.Fatalf("resume sent %d posts, want only the missing part", len(got))
	} else if tw, _ := e.Fake.XTweet(got[0].ID); tw.InReplyTo != saved[0].ExternalID {
		t.Errorf("the resumed part replies to %q, want %q", tw.InReplyTo, saved[0].ExternalID)
	}
}

func file(data []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(data))), nil }
}

func TestMedia(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(func(c *x.Config) { c.ChunkSize = 1000 }))
	c := e.Connect("alice")
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 200)...)
	video := make([]byte, 2500)
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "two pictures",
		Media: []connectors.Media{
			{ContentType: "image/png", Size: int64(len(png)), AltText: "a dancing cat", Open: file(png)},
			{ContentType: "image/png", Size: int64(len(png)), Open: file(png)},
		}})
	if err != nil {
		t.Fatal(err)
	}
	tw, _ := e.Fake.XTweet(pub.ExternalID)
	if len(tw.Media) != 2 || tw.Media[0].AltText != "a dancing cat" || tw.Media[0].Type != "image/png" || tw.Media[0].Chunked {
		t.Errorf("images: %+v", tw.Media)
	}
	pub, err = e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "a video",
		Media: []connectors.Media{{ContentType: "video/mp4", Size: int64(len(video)), Open: file(video)}}})
	if err != nil {
		t.Fatal(err)
	}
	tw, _ = e.Fake.XTweet(pub.ExternalID)
	if len(tw.Media) != 1 || !tw.Media[0].Chunked || tw.Media[0].Size != 2500 || tw.Media[0].Category != "amplify_video" {
		t.Errorf("video: %+v", tw.Media)
	}
	st := e.Fake.Stats()
	if st.Operations["x.media_append"] != 3 || st.Operations["x.media_finalize"] != 1 || st.Operations["x.media_status"] < 1 ||
		st.Operations["x.media_upload"] != 2 || st.Operations["x.media_metadata"] != 1 {
		t.Errorf("operations %v", st.Operations)
	}

	// X's own rules are checked before anything is uploaded.
	five := make([]connectors.Media, 5)
	for i := range five {
		five[i] = connectors.Media{ContentType: "image/png", Size: 10, Open: file(png)}
	}
	mixed := []connectors.Media{five[0], {ContentType: "video/mp4", Size: 10, Open: file(video)}}
	big := []connectors.Media{{ContentType: "image/gif", Size: 16 << 20, Open: file(png)}}
	for name, media := range map[string][]connectors.Media{"five images": five, "mixed": mixed, "large gif": big} {
		_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: name, Media: media})
		if connectors.KindOf(err) != connectors.Permanent {
			t.Errorf("%s: %v, want permanent", name, err)
		}
	}
	if n := e.Fake.Stats().Operations["x.media_upload"]; n != 2 {
		t.Errorf("refused media were uploaded: %d uploads", n)
	}
}

func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	old := c.Tokens.Current()
	if old.RefreshToken == "" || time.Until(old.Expiry) > x.AccessTokenTTL || time.Until(old.Expiry) < x.AccessTokenTTL-time.Minute {
		t.Fatalf("token expiry %v, refresh token given: %v", old.Expiry, old.RefreshToken != "")
	}
	if err := c.Session.Refresh(e.Context()); err != nil {
		t.Fatal(err)
	}
	cur := c.Tokens.Current()
	if cur.RefreshToken == old.RefreshToken || cur.AccessToken == old.AccessToken {
		t.Fatal("the refresh token was not rotated")
	}
	// The old refresh token is spent, as on X.
	_, err := c.Config.TokenSource(e.Context(), &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
	if err == nil || !strings.Contains(err.Error(), "Value passed for the token was invalid") {
		t.Errorf("reusing a rotated refresh token: %v", err)
	}
	if _, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "still connected"}); err != nil {
		t.Errorf("publish with the rotated token: %v", err)
	}
	// Revoked: the refresh fails, an auth error.
	e.InjectFault(fakenet.Fault{Kind: fakenet.FaultRevoke, User: "alice"})
	if err := c.Session.Refresh(e.Context()); connectors.KindOf(err) != connectors.Auth {
		t.Errorf("refresh after revoke: %v, want auth", err)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	fake := fakenet.New(fakenet.Config{RateLimit: 1}) // the wall clock: X's resets are epoch seconds
	hs := httptest.NewServer(fake.Handler())
	t.Cleanup(func() { fake.Close(); hs.Close() })
	conn := oauth2Connector(x.New(x.FakenetConfig(hs.URL)))
	e := &connectortest.Env{T: t, Harness: harness(nil), Fake: fake, Server: hs, Base: hs.URL + "/x", Connector: conn,
		Params: connectors.ConnectParams{}, Apps: &connectortest.Apps{}, Clock: &connectortest.Clock{}}
	c := e.Connect("alice")
	if _, err := conn.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "first"}); err != nil {
		t.Fatal(err)
	}
	_, err := conn.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "second"})
	ce, ok := connectors.AsError(err)
	if !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter <= 0 || ce.RetryAfter > 15*time.Minute {
		t.Fatalf("second publish: %v (retry after %v), want rate limited within X's 15-minute window", err, ce.RetryAfter)
	}

	now := time.Unix(1_700_000_000, 0)
	h := http.Header{}
	h.Set("x-rate-limit-reset", "1700000060")
	h.Set("x-user-limit-24hour-remaining", "0")
	h.Set("x-user-limit-24hour-reset", "1700036000")
	if got := x.RetryAfter(h, now); got != 10*time.Hour {
		t.Errorf("spent daily cap: wait %v, want 10h", got)
	}
	h.Set("x-user-limit-24hour-remaining", "3")
	if got := x.RetryAfter(h, now); got != time.Minute {
		t.Errorf("15-minute window: wait %v, want 1m", got)
	}
}

func TestFetchMetrics(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	alice, bob := e.Connect("alice"), e.Connect("bob")
	ctx := context.Background()
	var ids []string
	for i := range 150 {
		if i == 90 {
			e.Clock.Advance(15 * time.Minute) // X allows 100 posts per 15 minutes
		}
		p, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: fmt.Sprintf("post %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ExternalID)
	}
	e.Fake.DeletePost(x.Name, ids[120])
	e.Clock.Advance(6 * time.Hour)
	ms, err := e.Connector.FetchMetrics(ctx, alice.Account, alice.Client, append(ids, ids[0]))
	if err != nil || len(ms) != 150 {
		t.Fatalf("FetchMetrics: %d readings, %v", len(ms), err)
	}
	if got := e.Fake.Stats().Operations["x.get_tweets"]; got != 2 {
		t.Errorf("GET /2/tweets called %d times for 150 ids, want 2", got)
	}
	if !ms[120].Deleted || ms[120].Likes != nil {
		t.Errorf("deleted post: %+v", ms[120])
	}
	m := ms[0]
	if m.Likes == nil || m.Comments == nil || m.Shares == nil || m.Impressions == nil || m.Saves == nil || m.Clicks == nil || *m.Impressions == 0 {
		t.Fatalf("the author's reading lacks numbers: %+v", m)
	}

	// Another account may not read private metrics: public ones only.
	ms, err = e.Connector.FetchMetrics(ctx, bob.Account, bob.Client, ids[:3])
	if err != nil || ms[0].Likes == nil || ms[0].Clicks != nil || *ms[0].Likes != *m.Likes {
		t.Errorf("another account's reading: %+v, %v", ms, err)
	}
	// An app that may not ask for private fields at all: asked again without.
	e.InjectFault(fakenet.Fault{Match: "get_tweets", Kind: fakenet.FaultStatus, Status: 403, Count: 1,
		Body: `{"title":"Forbidden","detail":"not permitted","type":"about:blank","status":403}`})
	ms, err = e.Connector.FetchMetrics(ctx, alice.Account, alice.Client, ids[:3])
	if err != nil || ms[0].Likes == nil || ms[0].Clicks != nil {
		t.Errorf("fallback reading: %+v, %v", ms, err)
	}
}

func TestErrorsCarryXMessages(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	req := connectors.PublishRequest{Text: "said once"}
	if _, err := e.Connector.Publish(context.Background(), c.Account, c.Client, req); err != nil {
		t.Fatal(err)
	}
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, req)
	ce, ok := connectors.AsError(err)
	if !ok || ce.Kind != connectors.Permanent || ce.Status != 403 || ce.Message != "You are not allowed to create a Tweet with duplicate content." {
		t.Errorf("duplicate: %v", err)
	}
	// The authorization page carries PKCE S256 and the scopes.
	cfg, _ := e.Connector.OAuth2Config(e.Context(), nil, connectortest.RedirectURI, nil)
	u, _ := url.Parse(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if q := u.Query(); q.Get("code_challenge_method") != "S256" || !strings.Contains(q.Get("scope"), "media.write") {
		t.Errorf("authorize URL %s", u)
	}
}
