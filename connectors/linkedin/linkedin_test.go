package linkedin_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/linkedin"
	"github.com/rythmehq/rythme/fakenet"
)

func harness(mod func(*linkedin.Config)) connectortest.Harness {
	return connectortest.Harness{
		Network: linkedin.Name,
		New: func(base string) connectors.Connector {
			cfg := linkedin.FakenetConfig(strings.TrimSuffix(base, "/"+linkedin.Name))
			if mod != nil {
				mod(&cfg)
			}
			return linkedin.New(cfg)
		},
		Params:  func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		Refresh: true, // fakenet's demo app is approved for programmatic refresh tokens
	}
}

// withComments grants the restricted permission that reads comments (an
// app approved for it), so that the suite's ReadInbox has something to read.
func withComments(c *linkedin.Config) {
	c.Scopes = append(slices.Clone(linkedin.DefaultScopes), linkedin.ScopeReadComments)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harness(withComments))
}

// An app not approved for programmatic refresh tokens gets none: the
// suite's no-refresh path.
func TestConformanceWithoutRefreshTokens(t *testing.T) {
	t.Parallel()
	h := harness(func(c *linkedin.Config) { withComments(c); c.ClientID = "norefresh-app" })
	h.Refresh = false
	connectortest.Run(t, h)
}

func TestEscape(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"Hello (world) #rythme", `Hello \(world\) #rythme`},
		{"a_b*c~d|e", `a\_b\*c\~d\|e`},
		{"mail me @alice [x] {y} <z>", `mail me \@alice \[x\] \{y\} \<z\>`},
		{`back\slash`, `back\\slash`},
		{"# not a tag, ends with #", `\# not a tag, ends with \#`},
		{"#1 and #été", "#1 and #été"},
	}
	for _, tc := range cases {
		if got := linkedin.Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLengthCountsUTF16(t *testing.T) {
	t.Parallel()
	c := linkedin.New(linkedin.Config{})
	cases := []struct {
		text string
		n    int
		ok   bool
	}{
		{"été", 3, true},
		{"🚀", 2, true},
		{strings.Repeat("a", 2998) + "🚀", 3000, true},
		{strings.Repeat("a", 2999) + "🚀", 3001, false},
		{strings.Repeat("(", 3000), 3000, true}, // escapes do not count
	}
	for _, tc := range cases {
		if n := linkedin.Length(tc.text); n != tc.n {
			t.Errorf("Length(%.10q…) = %d, want %d", tc.text, n, tc.n)
		}
		if got := c.Validate(tc.text) == nil; got != tc.ok {
			t.Errorf("Validate(%.10q…) ok = %v, want %v", tc.text, got, tc.ok)
		}
	}
}

func TestPublishEscapesAndSendsHeaders(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	if !strings.HasPrefix(c.Account.ExternalID, "urn:li:person:") || c.Account.Username != "alice" {
		t.Fatalf("identity %q %q", c.Account.ExternalID, c.Account.Username)
	}
	text := "Launch (beta) — see [notes] & ask @team_lead ~ #rythme *now*"
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.Posts()
	// fakenet cuts the text at an unescaped reserved character, as LinkedIn does.
	if len(posts) != 1 || posts[0].Text != text || posts[0].ID != pub.ExternalID {
		t.Fatalf("recorded %+v", posts)
	}
	if !strings.HasPrefix(pub.ExternalID, "urn:li:share:") || pub.URL != "https://www.linkedin.com/feed/update/"+pub.ExternalID+"/" {
		t.Errorf("published %+v", pub)
	}
	// A duplicate commentary is refused for good.
	_, err = e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: text})
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.Permanent || !strings.Contains(ce.Message, "duplicate of "+pub.ExternalID) {
		t.Errorf("duplicate: %v", err)
	}
}

func TestSunsetVersionIsPermanent(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(func(c *linkedin.Config) { c.Version = "202301" }))
	c := e.Connect("alice")
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "old version"})
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.Permanent || ce.Status != 426 || !strings.Contains(ce.Message, "NONEXISTENT_VERSION") {
		t.Fatalf("publish with a sunset version: %v", err)
	}
}

func TestExpiredAndRevokedTokensAreAuth(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(func(c *linkedin.Config) { c.ClientID = "norefresh-app" }))
	c := e.Connect("alice")
	e.Clock.Advance(61 * 24 * time.Hour) // fakenet's clock: the 60-day token has expired
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "late"})
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.Auth || !strings.Contains(ce.Message, "EXPIRED_ACCESS_TOKEN") {
		t.Fatalf("expired: %v", err)
	}
	d := e.Connect("bob")
	e.InjectFault(fakenet.Fault{Kind: fakenet.FaultRevoke, User: "bob"})
	_, err = e.Connector.Publish(context.Background(), d.Account, d.Client, connectors.PublishRequest{Text: "revoked"})
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.Auth || !strings.Contains(ce.Message, "REVOKED_ACCESS_TOKEN") {
		t.Fatalf("revoked: %v", err)
	}
}

func TestRefreshKeepsRefreshToken(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	before := c.Tokens.Current()
	if before.RefreshToken == "" || before.Expiry.IsZero() {
		t.Fatalf("token %v", before.Expiry)
	}
	if err := c.Session.Refresh(e.Context()); err != nil {
		t.Fatal(err)
	}
	after := c.Tokens.Current()
	if after.AccessToken == before.AccessToken || after.RefreshToken != before.RefreshToken {
		t.Error("LinkedIn issues a new access token and keeps the same refresh token")
	}
	// A revoked member's refresh token no longer works: Auth.
	e.InjectFault(fakenet.Fault{Kind: fakenet.FaultRevoke, User: "alice"})
	if err := c.Session.Refresh(e.Context()); connectors.KindOf(err) != connectors.Auth {
		t.Errorf("refresh after revocation: %v, want auth", err)
	}
}

func TestDailyLimitWaitsUntilMidnightUTC(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(func(c *linkedin.Config) {
		c.Now = func() time.Time { return time.Date(2025, 6, 2, 22, 30, 0, 0, time.UTC) }
	}))
	c := e.Connect("alice")
	e.InjectFault(fakenet.Fault{Match: "publish", Kind: fakenet.FaultStatus, Status: 429, Count: 1,
		Body: `{"status":429,"code":"TOO_MANY_REQUESTS","message":"Resource level throttle MEMBER DAY limit for calls to this resource is reached."}`})
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "too many"})
	ce, ok := connectors.AsError(err)
	if !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter != 90*time.Minute {
		t.Fatalf("daily limit: %v (retry after %v), want 1h30m", err, ce.RetryAfter)
	}
}

func TestPublishImages(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	img := func(id string) connectors.Media {
		return connectors.Media{ID: id, ContentType: "image/png", Size: 4, AltText: "alt " + id,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader([]byte("\x89PNG"))), nil }}
	}
	for _, n := range []int{1, 3} {
		var media []connectors.Media
		for i := range n {
			media = append(media, img(string(rune('a'+i))))
		}
		if _, err := e.Connector.Publish(context.Background(), c.Account, c.Client,
			connectors.PublishRequest{Text: "with images " + string(rune('0'+n)), Media: media}); err != nil {
			t.Fatalf("%d images: %v", n, err)
		}
	}
	st := e.Fake.Stats()
	if st.Operations["linkedin.initialize_upload"] != 4 || st.Operations["linkedin.upload"] != 4 || st.Created != 2 {
		t.Errorf("operations %v, created %d", st.Operations, st.Created)
	}
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "video",
		Media: []connectors.Media{{ID: "v", ContentType: "video/mp4"}}})
	if connectors.KindOf(err) != connectors.Permanent {
		t.Errorf("a video: %v, want permanent", err)
	}
}

func TestMetricsNeedTheAnalyticsScope(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(func(c *linkedin.Config) { c.Scopes = []string{"openid", "profile", "w_member_social"} }))
	c := e.Connect("alice")
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "no analytics"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Connector.FetchMetrics(context.Background(), c.Account, c.Client, []string{pub.ExternalID})
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.Permanent || ce.Status != 403 {
		t.Errorf("metrics without r_member_postAnalytics: %v", err)
	}
}

func TestMetricsFields(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "metrics"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(12 * time.Hour)
	ms, err := e.Connector.FetchMetrics(context.Background(), c.Account, c.Client, []string{pub.ExternalID, pub.ExternalID})
	if err != nil || len(ms) != 1 {
		t.Fatalf("%+v %v", ms, err)
	}
	m := ms[0]
	if m.Likes == nil || m.Comments == nil || m.Shares == nil || m.Impressions == nil || m.Reach == nil || *m.Impressions <= *m.Likes {
		t.Errorf("metrics %+v", m)
	}
	if got := e.Fake.Stats().Operations["linkedin.post_analytics"]; got != 5 {
		t.Errorf("%d analytics calls for one post, want 5 (one per metric)", got)
	}
}

func TestOrganizationAuthorOption(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client,
		connectors.PublishRequest{Text: "as the page", Options: map[string]string{"author": "12345"}})
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.Permanent || ce.Status != 403 {
		t.Errorf("organization author without w_organization_social: %v", err)
	}
	_, err = e.Connector.Publish(context.Background(), c.Account, c.Client,
		connectors.PublishRequest{Text: "bad", Options: map[string]string{"visibility": "friends"}})
	if connectors.KindOf(err) != connectors.Permanent {
		t.Errorf("bad visibility: %v", err)
	}
}

// TestHistoryNeedsTheRestrictedScope: listing a member's posts needs
// r_member_social, which DefaultScopes leave out (LinkedIn grants it to
// approved partners only): without it the import fails for good, with
// LinkedIn's refusal.
func TestHistoryNeedsTheRestrictedScope(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(func(c *linkedin.Config) { c.Scopes = linkedin.DefaultScopes }))
	c := e.Connect("noscope")
	hr := e.Connector.(connectors.HistoryReader)
	_, err := hr.ReadHistory(context.Background(), c.Account, c.Client, connectors.HistoryRequest{Since: e.Clock.Now().Add(-90 * 24 * time.Hour)})
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.Permanent || ce.Status != 403 || !strings.Contains(ce.Message, linkedin.HistoryScope) {
		t.Fatalf("ReadHistory without %s: %v, want a permanent 403", linkedin.HistoryScope, err)
	}
}

func TestUnescapeUndoesEscape(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"Earlier post #1 of @alice, from 5 days ago.", `a \ b (c) [d] {e} <f> *g* _h_ ~i~ |j|`, "été 🎉 #tag"} {
		if got := linkedin.Unescape(linkedin.Escape(s)); got != s {
			t.Errorf("Unescape(Escape(%q)) = %q", s, got)
		}
	}
	if got := linkedin.Unescape(`Hello @[Ada Lovelace](urn:li:person:123) {hashtag|\#|rythme}`); got != "Hello Ada Lovelace #rythme" {
		t.Errorf("mention and hashtag template: %q", got)
	}
}
