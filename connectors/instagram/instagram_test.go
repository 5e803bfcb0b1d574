package instagram_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/instagram"
	"github.com/rythmehq/rythme/fakenet"
)

// image is the medium attached to every post of the conformance suite:
// Instagram publishes no text-only post, and the suite sends text only.
var image = connectors.Media{ID: "m1", ContentType: "image/jpeg", URL: "https://cdn.example.com/photo.jpg", AltText: "a photo"}

type withImage struct{ *instagram.Connector }

func (w withImage) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if len(req.Media) == 0 {
		req.Media = []connectors.Media{image}
	}
	return w.Connector.Publish(ctx, acct, client, req)
}

func harnessWith(cfg func(*instagram.Config)) connectortest.Harness {
	return connectortest.Harness{
		Network: instagram.Name,
		New: func(base string) connectors.Connector {
			c := instagram.FakenetConfig(strings.TrimSuffix(base, "/"+instagram.Name))
			if cfg != nil {
				cfg(&c)
			}
			return withImage{instagram.New(c)}
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		// Long-lived tokens are renewed with ig_refresh_token by the
		// connector's own session, not with an OAuth refresh token.
		Refresh: false,
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harnessWith(nil))
}

func TestValidateCounts(t *testing.T) {
	t.Parallel()
	c := instagram.New(instagram.Config{})
	tags := func(n int, sigil string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%sword%d ", sigil, i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, text string
		problems   int
	}{
		{"2200 characters", strings.Repeat("é", 2200), 0},
		{"2201 characters", strings.Repeat("é", 2201), 1},
		{"30 hashtags", tags(30, "#"), 0},
		{"31 hashtags", tags(31, "#"), 1},
		{"20 mentions", tags(20, "@"), 0},
		{"21 mentions", tags(21, "@"), 1},
		{"e-mail is no mention, anchor is no hashtag", strings.Repeat("a@b.c x&#38; ", 25), 0},
		{"empty", "", 1},
	} {
		if got := c.Validate(tc.text); len(got) != tc.problems {
			t.Errorf("%s: %v, want %d problems", tc.name, got, tc.problems)
		}
	}
	if instagram.Hashtags("#a #b c#d") != 2 || instagram.Mentions("@a hi@b.c @c.d") != 2 {
		t.Error("tag counting")
	}
}

func TestPublishRefusesWhatInstagramCannotTake(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harnessWith(nil))
	c := e.Connect("alice")
	raw := e.Connector.(withImage).Connector
	for _, tc := range []struct {
		name  string
		media []connectors.Media
	}{
		{"no media", nil},
		{"no URL", []connectors.Media{{ContentType: "image/jpeg"}}},
		{"PNG", []connectors.Media{{ContentType: "image/png", URL: "https://cdn.example.com/a.png"}}},
		{"two", []connectors.Media{image, image}},
	} {
		_, err := raw.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "x", Media: tc.media})
		if connectors.KindOf(err) != connectors.Permanent {
			t.Errorf("%s: %v, want permanent", tc.name, err)
		}
	}
	if n := len(e.Posts()); n != 0 {
		t.Errorf("%d requests reached Instagram", n)
	}
	// A medium Instagram cannot fetch: the container ends in ERROR.
	_, err := raw.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "x",
		Media: []connectors.Media{{ContentType: "image/jpeg", URL: "https://unfetchable.invalid/a.jpg"}}})
	if ce, _ := connectors.AsError(err); ce == nil || ce.Kind != connectors.Permanent || !strings.Contains(ce.Message, "download") {
		t.Errorf("unfetchable medium: %v", err)
	}
}

// clocked returns a harness whose connector sleeps by advancing the
// simulator's clock, so video processing finishes without waiting.
func clocked(t *testing.T) (*connectortest.Env, *[]time.Duration) {
	t.Helper()
	var mu sync.Mutex
	var slept []time.Duration
	var env *connectortest.Env
	h := harnessWith(func(c *instagram.Config) {
		c.Now = func() time.Time { return env.Clock.Now() }
		c.Sleep = func(_ context.Context, d time.Duration) error {
			mu.Lock()
			slept = append(slept, d)
			mu.Unlock()
			env.Clock.Advance(d)
			return nil
		}
	})
	env = connectortest.Start(t, h)
	// Tokens' expiry is read on the wall clock (oauth2.Token.Valid): start
	// the simulated clock now.
	env.Clock.Advance(time.Since(env.Clock.Now()).Truncate(time.Second))
	return env, &slept
}

func TestVideoWaitsForTheContainer(t *testing.T) {
	t.Parallel()
	e, slept := clocked(t)
	c := e.Connect("alice")
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "a reel",
		Media: []connectors.Media{{ContentType: "video/mp4", URL: "https://cdn.example.com/reel.mp4"}}})
	if err != nil || !strings.HasPrefix(pub.URL, "https://www.instagram.com/p/") {
		t.Fatalf("publish a reel: %+v, %v", pub, err)
	}
	// Fakenet processes a video for 5 s: checks after 1, 2 and 4 s.
	if got := fmt.Sprint(*slept); got != "[1s 2s 4s]" {
		t.Errorf("waited %s, want [1s 2s 4s]", got)
	}
	if st := e.Fake.Stats().Operations; st["instagram.container_status"] != 4 || st["instagram.publish"] != 1 {
		t.Errorf("operations %v", st)
	}
}

func TestVideoStillProcessingIsRetryable(t *testing.T) {
	t.Parallel()
	// The connector's clock runs, the simulator's does not: the video
	// never finishes, and the wait ends at MaxWait.
	now := time.Now()
	var mu sync.Mutex
	e := connectortest.Start(t, harnessWith(func(c *instagram.Config) {
		c.MaxWait = time.Minute
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		c.Sleep = func(_ context.Context, d time.Duration) error { mu.Lock(); now = now.Add(d); mu.Unlock(); return nil }
	}))
	c := e.Connect("alice")
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "slow",
		Media: []connectors.Media{{ContentType: "video/quicktime", URL: "https://cdn.example.com/reel.mov"}}})
	if connectors.KindOf(err) != connectors.Retryable || !strings.Contains(err.Error(), "processing") {
		t.Fatalf("%v, want retryable: still processing", err)
	}
	if e.Fake.Stats().Operations["instagram.publish"] != 0 {
		t.Error("an unfinished container was published")
	}
}

func TestQuotaOf50PostsIsRateLimitedUntilTheWindowFrees(t *testing.T) {
	t.Parallel()
	e, _ := clocked(t)
	c := e.Connect("alice")
	ctx := context.Background()
	for i := range 50 {
		if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: fmt.Sprint("post ", i)}); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		e.Clock.Advance(10 * time.Minute)
	}
	// The first post was made 500 minutes ago: the window frees in 1440-500.
	_, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "one too many"})
	ce, ok := connectors.AsError(err)
	if !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter != 940*time.Minute {
		t.Fatalf("51st post: %v (wait %v), want rate limited for 940m", err, ce.RetryAfter)
	}
	e.Clock.Advance(ce.RetryAfter)
	if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "now it fits"}); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
}

func TestMetricsFallBackToCounts(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harnessWith(nil))
	c := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "metrics"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(3 * time.Hour)
	ms, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, []string{p.ExternalID})
	if err != nil || ms[0].Impressions == nil || ms[0].Reach == nil || ms[0].Saves == nil || ms[0].Shares == nil {
		t.Fatalf("insights: %+v, %v", ms, err)
	}
	e.InjectFault(fakenet.Fault{Match: "insights", Kind: fakenet.FaultStatus, Status: 400, Count: 1,
		Body: `{"error":{"message":"(#10) Not enough viewers for the media to show insights","type":"OAuthException","code":10,"fbtrace_id":"x"}}`})
	ms, err = e.Connector.FetchMetrics(ctx, c.Account, c.Client, []string{p.ExternalID})
	if err != nil || ms[0].Likes == nil || ms[0].Comments == nil || ms[0].Reach != nil {
		t.Fatalf("too few viewers: %+v, %v", ms, err)
	}
}

func TestSessionRenewsTheLongLivedToken(t *testing.T) {
	t.Parallel()
	e, _ := clocked(t)
	c := e.Connect("alice")
	ig := e.Connector.(withImage).Connector
	saved := 0
	acct := *c.Account
	// 50 days later, 10 days are left: the session renews before use.
	e.Clock.Advance(50 * 24 * time.Hour)
	acct.Token.Expiry = e.Clock.Now().Add(10 * 24 * time.Hour)
	sess, err := ig.OpenSession(e.Context(), &acct, connectors.NewHTTPClient(), func(context.Context, rythme.Token) error { saved++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sess.Invalidate() {
		t.Error("a refused long-lived token cannot be renewed")
	}
	if _, err := e.Connector.Publish(context.Background(), &acct, sess.Client(), connectors.PublishRequest{Text: "renewed"}); err != nil {
		t.Fatalf("publish with the session: %v", err)
	}
	if saved != 1 || !sess.Expiry().After(e.Clock.Now().Add(59*24*time.Hour)) {
		t.Errorf("saved %d, expiry %v", saved, sess.Expiry())
	}
	if err := sess.Refresh(e.Context()); err != nil || saved != 1 {
		t.Errorf("Refresh of a token renewed less than a day ago: %v (saved %d), want nothing done", err, saved)
	}
	e.Clock.Advance(25 * time.Hour)
	if err := sess.Refresh(e.Context()); err != nil || saved != 2 {
		t.Errorf("Refresh: %v (saved %d)", err, saved)
	}
	// Revoked: the renewal is refused as Auth.
	e.InjectFault(fakenet.Fault{Kind: fakenet.FaultRevoke, User: "alice"})
	e.Clock.Advance(25 * time.Hour)
	if err := sess.Refresh(e.Context()); connectors.KindOf(err) != connectors.Auth {
		t.Errorf("Refresh after revocation: %v, want auth", err)
	}
}
