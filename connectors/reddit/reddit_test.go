package reddit_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/reddit"
	"github.com/rythmehq/rythme/fakenet"
)

func harness(mod func(*reddit.Config)) connectortest.Harness {
	return connectortest.Harness{
		Network:     reddit.Name,
		NoFollowers: "Reddit documents no follower count for a user account",
		New: func(base string) connectors.Connector {
			cfg := reddit.FakenetConfig(strings.TrimSuffix(base, "/"+reddit.Name))
			if mod != nil {
				mod(&cfg)
			}
			return reddit.New(cfg)
		},
		Params:  func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		Refresh: true, // duration=permanent
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harness(nil))
}

func TestTitleAndBody(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 80) // 400 characters
	cases := []struct {
		name, title, text, wantTitle, wantBody string
	}{
		{"title given", "Headline", "Body text", "Headline", "Body text"},
		{"first line", "", "Headline\n\nBody\nmore", "Headline", "Body\nmore"},
		{"single line", "", "Just one line", "Just one line", ""},
		{"leading blank lines", "", "\n\n  Headline  \nBody", "Headline", "Body"},
		{"long first line", "", long + "\nrest", "", long + "\nrest"},
	}
	for _, tc := range cases {
		title, body := reddit.TitleAndBody(tc.title, tc.text)
		if tc.wantTitle == "" {
			if n := utf8.RuneCountInString(title); n > reddit.MaxTitle || !strings.HasSuffix(title, "…") || !strings.HasPrefix(long, strings.TrimSuffix(title, "…")) {
				t.Errorf("%s: title %q (%d characters)", tc.name, title, n)
			}
		} else if title != tc.wantTitle {
			t.Errorf("%s: title %q, want %q", tc.name, title, tc.wantTitle)
		}
		if body != tc.wantBody {
			t.Errorf("%s: body %q, want %q", tc.name, body, tc.wantBody)
		}
	}
}

func TestValidateCountsCodePoints(t *testing.T) {
	t.Parallel()
	c := reddit.New(reddit.Config{})
	if c.Validate(strings.Repeat("é", reddit.MaxSelfText)) != nil {
		t.Error("40000 accented letters must pass")
	}
	if c.Validate(strings.Repeat("🚀", reddit.MaxSelfText+1)) == nil {
		t.Error("40001 emoji must fail")
	}
}

func TestPublishTitleSubredditAndLink(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	ctx := context.Background()
	pub, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Big news\n\nWe shipped it.",
		Options: map[string]string{"subreddit": "r/rythme"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pub.ExternalID, "t3_") || !strings.Contains(pub.URL, "/r/rythme/comments/") {
		t.Errorf("published %+v", pub)
	}
	// Default: the user's profile.
	prof, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Title: "On my profile", Text: "hello"})
	if err != nil || !strings.Contains(prof.URL, "/user/alice/comments/") {
		t.Fatalf("profile post %+v %v", prof, err)
	}
	link, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Read this",
		Options: map[string]string{"url": "https://example.com/article", "subreddit": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.Posts()
	if len(posts) != 3 || posts[0].Text != "Big news\n\nWe shipped it." || posts[1].Text != "On my profile\n\nhello" ||
		posts[2].Text != "Read this\n\nhttps://example.com/article" || posts[2].ID != link.ExternalID {
		t.Errorf("recorded %+v", posts)
	}
}

func TestSubmitErrorsInsideA200(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	ctx := context.Background()
	cases := []struct {
		name string
		req  connectors.PublishRequest
		kind connectors.Kind
		want string
	}{
		{"no such subreddit", connectors.PublishRequest{Text: "x", Options: map[string]string{"subreddit": "nosuchplace"}},
			connectors.Permanent, "SUBREDDIT_NOEXIST: that subreddit doesn't exist (sr)"},
		{"another user's profile", connectors.PublishRequest{Text: "x", Options: map[string]string{"subreddit": "u_bob"}},
			connectors.Permanent, "SUBREDDIT_NOEXIST"},
		{"bad url", connectors.PublishRequest{Text: "x", Options: map[string]string{"url": "notaurl"}},
			connectors.Permanent, "BAD_URL"},
	}
	for _, tc := range cases {
		_, err := e.Connector.Publish(ctx, c.Account, c.Client, tc.req)
		ce, ok := connectors.AsError(err)
		if !ok || ce.Kind != tc.kind || !strings.Contains(ce.Message, tc.want) {
			t.Errorf("%s: %v, want %v containing %q", tc.name, err, tc.kind, tc.want)
		}
	}
	// RATELIMIT: the wait is read from Reddit's sentence.
	e.InjectFault(fakenet.Fault{Match: "publish", Kind: fakenet.FaultStatus, Status: 200, Count: 1,
		Body: `{"json":{"errors":[["RATELIMIT","you are doing that too much. try again in 9 minutes.","ratelimit"]]}}`})
	_, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "too fast"})
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter != 9*time.Minute {
		t.Errorf("RATELIMIT: %v", err)
	}
}

func TestSubmitRateLimitFromFakenet(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	var err error
	for i := range 31 {
		_, err = e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: fmt.Sprintf("post %d", i)})
		if i < 30 && err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter != time.Hour {
		t.Errorf("31st post in an hour: %v", err)
	}
}

func TestRateLimitHeadersAreSecondsUntilReset(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	// connectortest's fakenet limits at 300 per 5 minutes: exhaust it.
	var err error
	for range 301 {
		if _, err = e.Connector.FetchMetrics(context.Background(), c.Account, c.Client, []string{"t3_zz"}); err != nil {
			break
		}
	}
	ce, ok := connectors.AsError(err)
	// The suite's clock is 08:00:00 and windows are aligned on 5 minutes.
	if !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter != 5*time.Minute {
		t.Fatalf("after the window's requests: %v", err)
	}
	if got := reddit.ResetWait("12.5"); got != 12500*time.Millisecond {
		t.Errorf("ResetWait(12.5) = %v", got)
	}
	if got := reddit.ResetWait(fmt.Sprint(time.Now().Unix())); got != time.Hour {
		t.Errorf("an epoch is not what Reddit sends; bounded to an hour, got %v", got)
	}
}

func TestFetchMetricsBatchesAndDeleted(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	d := e.Connect("bob")
	var ids []string
	for i := range 30 {
		acct, client := c, c.Client
		if i%2 == 1 {
			acct, client = d, d.Client
		}
		p, err := e.Connector.Publish(context.Background(), acct.Account, client, connectors.PublishRequest{Text: fmt.Sprintf("m %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ExternalID)
	}
	// 250 ids (most unknown): three batches of at most 100.
	all := append([]string{}, ids...)
	for i := range 220 {
		all = append(all, fmt.Sprintf("t3_unknown%d", i))
	}
	e.Fake.DeletePost(reddit.Name, ids[0])
	e.Clock.Advance(time.Hour)
	ms, err := e.Connector.FetchMetrics(context.Background(), c.Account, c.Client, all)
	if err != nil || len(ms) != 250 {
		t.Fatalf("%d readings, %v", len(ms), err)
	}
	if got := e.Fake.Stats().Operations["reddit.info"]; got != 3 {
		t.Errorf("%d /api/info calls, want 3", got)
	}
	if !ms[0].Deleted || ms[1].Deleted || ms[1].Likes == nil || *ms[1].Likes < 1 || !ms[249].Deleted {
		t.Errorf("readings %+v %+v %+v", ms[0], ms[1], ms[249])
	}
}

func TestUserAgentIsRequired(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	cfg := reddit.FakenetConfig(e.Server.URL)
	cfg.UserAgent = "Go-http-client/1.1"
	_, err := reddit.New(cfg).Identify(context.Background(), nil, c.Client)
	if ce, ok := connectors.AsError(err); !ok || ce.Status != http.StatusForbidden || !strings.Contains(ce.Message, "User-Agent") {
		t.Errorf("generic User-Agent: %v", err)
	}
}

func TestRefreshTokenDoesNotRotate(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	before := c.Tokens.Current()
	if time.Until(before.Expiry) > time.Hour+time.Minute {
		t.Errorf("access tokens last an hour, expiry %v", before.Expiry)
	}
	for range 2 {
		if err := c.Session.Refresh(e.Context()); err != nil {
			t.Fatal(err)
		}
	}
	after := c.Tokens.Current()
	if after.AccessToken == before.AccessToken || after.RefreshToken != before.RefreshToken {
		t.Error("a refresh gives a new access token and the same refresh token")
	}
	e.InjectFault(fakenet.Fault{Kind: fakenet.FaultRevoke, User: "alice"})
	if err := c.Session.Refresh(e.Context()); connectors.KindOf(err) != connectors.Auth {
		t.Errorf("refresh after revocation: %v, want auth", err)
	}
}
