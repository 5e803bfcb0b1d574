package threads_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/threads"
)

func harnessWith(cfg func(*threads.Config)) connectortest.Harness {
	return connectortest.Harness{
		Network: threads.Name,
		New: func(base string) connectors.Connector {
			c := threads.FakenetConfig(strings.TrimSuffix(base, "/"+threads.Name))
			if cfg != nil {
				cfg(&c)
			}
			return threads.New(c)
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		// Long-lived tokens are renewed with th_refresh_token by the
		// connector's own session, not with an OAuth refresh token.
		Refresh: false,
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harnessWith(nil))
}

func TestLengthCountsEmojiBytes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want int
	}{
		{"hello", 5},
		{"héllo", 5},
		{"日本語", 3},
		{"👍", 4},
		{"❤️", 6},   // U+2764 (3 bytes) + U+FE0F (3 bytes)
		{"👩‍💻", 11}, // 4 + ZWJ 3 + 4
		{"🇫🇷", 8},
	} {
		if got := threads.Length(tc.text); got != tc.want {
			t.Errorf("Length(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
	c := threads.New(threads.Config{})
	if c.Validate(strings.Repeat("a", 496)+"👍") != nil || len(c.Validate(strings.Repeat("a", 497)+"👍")) != 1 {
		t.Error("an emoji must count 4 towards 500")
	}
}

func TestThreadIsPublishedAsReplies(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harnessWith(nil))
	c := e.Connect("alice")
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "1/3 a thread",
		Thread: []string{"2/3 more", "3/3 end"}, Options: map[string]string{"reply_control": "accounts_you_follow"}})
	if err != nil || !strings.Contains(pub.URL, "/@alice/post/") {
		t.Fatalf("publish thread: %+v, %v", pub, err)
	}
	posts := e.Posts()
	if len(posts) != 3 || posts[0].ID != pub.ExternalID || posts[1].Text != "2/3 more" || posts[2].Text != "3/3 end" {
		t.Fatalf("recorded %+v", posts)
	}
	// Each reply names the part before it.
	for i := 1; i < 3; i++ {
		var out struct {
			RepliedTo struct{ ID string } `json:"replied_to"`
		}
		getJSON(t, e, c, posts[i].ID, &out)
		if out.RepliedTo.ID != posts[i-1].ID {
			t.Errorf("part %d replies to %q, want %q", i+1, out.RepliedTo.ID, posts[i-1].ID)
		}
	}
	// A failing reply stops the thread: the error names the part, and the
	// first post is out (reported through PartPublished).
	before := len(e.Posts())
	var saved []connectors.Part
	_, err = e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "root",
		Thread:        []string{strings.Repeat("x", 501), "never"},
		PartPublished: func(_ context.Context, p connectors.Part) error { saved = append(saved, p); return nil }})
	var pe *connectors.PartError
	if connectors.KindOf(err) != connectors.Permanent || !errors.As(err, &pe) || pe.Index != 1 || len(saved) != 1 {
		t.Fatalf("a thread whose reply fails: %v, saved %+v; want part 2 refused, part 1 saved", err, saved)
	}
	got := e.Posts()[before:]
	if len(got) != 2 || !got[0].Created || got[0].ID != saved[0].ExternalID || got[1].Error == "" {
		t.Errorf("recorded %+v, want the root created and the reply refused, nothing after", got)
	}
}

func getJSON(t *testing.T, e *connectortest.Env, c *connectortest.Connected, id string, out any) {
	t.Helper()
	resp, err := c.Client.Get(e.Base + "/graph/v1.0/" + id + "?fields=replied_to")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := jsonDecode(resp.Body, out); err != nil {
		t.Fatal(err)
	}
}

func TestVideoAndImage(t *testing.T) {
	t.Parallel()
	var env *connectortest.Env
	env = connectortest.Start(t, harnessWith(func(c *threads.Config) {
		c.Now = func() time.Time { return env.Clock.Now() }
		c.Sleep = func(_ context.Context, d time.Duration) error { env.Clock.Advance(d); return nil }
	}))
	env.Clock.Advance(time.Since(env.Clock.Now()).Truncate(time.Second))
	c := env.Connect("alice")
	for _, m := range []connectors.Media{
		{ContentType: "image/png", URL: "https://cdn.example.com/a.png", AltText: "alt"},
		{ContentType: "video/mp4", URL: "https://cdn.example.com/a.mp4"},
	} {
		if _, err := env.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "with " + m.ContentType, Media: []connectors.Media{m}}); err != nil {
			t.Fatalf("%s: %v", m.ContentType, err)
		}
	}
	if st := env.Fake.Stats().Operations; st["threads.container_status"] < 3 {
		t.Errorf("the video was not waited for: %v", st)
	}
	_, err := env.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "broken",
		Media: []connectors.Media{{ContentType: "video/mp4", URL: "https://unfetchable.invalid/a.mp4"}}})
	if connectors.KindOf(err) != connectors.Permanent || !strings.Contains(err.Error(), "FAILED_DOWNLOADING_VIDEO") {
		t.Errorf("unfetchable video: %v", err)
	}
}

func TestQuotaOf250(t *testing.T) {
	t.Parallel()
	var env *connectortest.Env
	env = connectortest.Start(t, harnessWith(func(c *threads.Config) {
		c.Now = func() time.Time { return env.Clock.Now() }
	}))
	env.Clock.Advance(time.Since(env.Clock.Now()).Truncate(time.Second))
	c := env.Connect("alice")
	ctx := context.Background()
	for i := range 250 {
		if _, err := env.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: fmt.Sprint("p", i)}); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		if i == 0 {
			env.Clock.Advance(time.Hour)
		}
		if i%50 == 49 { // under fakenet's 300 calls per 5 minutes
			env.Clock.Advance(5 * time.Minute)
		}
	}
	_, err := env.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "too many"})
	ce, ok := connectors.AsError(err)
	// The first post is 1h25m old: the window frees in 22h35m.
	if want := 22*time.Hour + 35*time.Minute; !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter != want {
		t.Fatalf("251st: %v, want rate limited %v", err, want)
	}
}

func TestSessionAndMetrics(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harnessWith(nil))
	c := e.Connect("alice")
	ctx := context.Background()
	sess, err := e.Connector.(connectors.SessionOpener).OpenSession(e.Context(), c.Account, connectors.NewHTTPClient(), func(context.Context, rythme.Token) error { return nil })
	if err != nil || sess.Invalidate() {
		t.Fatalf("session: %v", err)
	}
	p, err := e.Connector.Publish(ctx, c.Account, sess.Client(), connectors.PublishRequest{Text: "via the session"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(12 * time.Hour)
	ms, err := e.Connector.FetchMetrics(ctx, c.Account, sess.Client(), []string{p.ExternalID, p.ExternalID})
	if err != nil || len(ms) != 1 || ms[0].Impressions == nil || ms[0].Comments == nil || ms[0].Shares == nil || *ms[0].Impressions < *ms[0].Likes {
		t.Fatalf("metrics %+v, %v", ms, err)
	}
}

func jsonDecode(r io.Reader, out any) error { return json.NewDecoder(r).Decode(out) }
