package tiktok_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/tiktok"
	"github.com/rythmehq/rythme/fakenet"
)

func harness() connectortest.Harness {
	return connectortest.Harness{
		Network: tiktok.Name,
		New: func(base string) connectors.Connector {
			return tiktok.New(tiktok.FakenetConfig(strings.TrimSuffix(base, "/"+tiktok.Name)))
		},
		Params:  func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		Refresh: true, // refresh tokens, rotated on every refresh
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harness())
}

// session opens the connector's own session for a connected account,
// counting what it saves.
func session(t *testing.T, e *connectortest.Env, acct *rythme.Account) (connectors.Session, *[]rythme.Token) {
	t.Helper()
	var saved []rythme.Token
	s, err := e.Connector.(connectors.SessionOpener).OpenSession(e.Context(), acct, connectors.NewHTTPClient(),
		func(_ context.Context, tok rythme.Token) error { saved = append(saved, tok); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return s, &saved
}

func TestRotatedRefreshTokenIsTheOneUsedNext(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	acct := e.Connect("alice").Account
	s, saved := session(t, e, acct)
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	if len(*saved) != 1 || (*saved)[0].RefreshToken == acct.Token.RefreshToken || (*saved)[0].AccessToken == acct.Token.AccessToken {
		t.Fatal("a refresh must save a new access token and the rotated refresh token")
	}
	// The second refresh must send the rotated token: the first one no
	// longer works on TikTok.
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatalf("second refresh (with the rotated token): %v", err)
	}
	if len(*saved) != 2 || (*saved)[1].RefreshToken == (*saved)[0].RefreshToken {
		t.Fatalf("saved %d tokens, want 2 distinct refresh tokens", len(*saved))
	}
	// An account still holding the first refresh token cannot refresh.
	stale, _ := session(t, e, acct)
	if err := stale.Refresh(context.Background()); connectors.KindOf(err) != connectors.Auth {
		t.Errorf("refresh with a rotated-out token: %v, want auth", err)
	}
	if _, err := e.Connector.Publish(context.Background(), acct, s.Client(), connectors.PublishRequest{Text: "after two refreshes"}); err != nil {
		t.Errorf("Publish with the refreshed session: %v", err)
	}
	if d := time.Until(s.Expiry()); d < time.Hour || d > 3*time.Hour {
		t.Errorf("expiry in %v, want expires_in (2 hours)", d)
	}
}

func TestOAuthRequestsUseClientKey(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	cfg, err := e.Connector.OAuth2Config(e.Context(), nil, connectortest.RedirectURI, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	q := u.Query()
	if q.Get("client_key") != "awrythmedemo0001" || q.Get("scope") != "user.info.basic,user.info.profile,user.info.stats,video.publish,video.list" ||
		q.Get("code_challenge_method") != "S256" || q.Get("response_type") != "code" {
		t.Errorf("authorize URL %s", u)
	}
	if _, err := tiktok.New(tiktok.Config{}).OAuth2Config(context.Background(), nil, "https://x/cb", nil); rythme.ErrorCode(err) != rythme.EINVALID {
		t.Errorf("unconfigured client key: %v, want EINVALID", err)
	}
}

func TestPublishVideoAndPrivacy(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	video := connectors.Media{ContentType: "video/mp4", URL: "https://cdn.example.com/v/launch.mp4", Size: 1 << 20}
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "Launch day 🚀", Media: []connectors.Media{video}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(pub.URL, "/@alice/video/"+pub.ExternalID) || strings.HasPrefix(pub.ExternalID, "v_pub") {
		t.Errorf("published %+v, want the video's post id and URL", pub)
	}
	// SELF_ONLY posts get no public post id: the publish_id stands in,
	// and metrics resolve it without numbers (never Deleted).
	private, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "just me",
		Media: []connectors.Media{video}, Options: map[string]string{"privacy_level": "SELF_ONLY"}})
	if err != nil || !strings.HasPrefix(private.ExternalID, "v_pub_url~") {
		t.Fatalf("SELF_ONLY: %+v %v", private, err)
	}
	ms, err := e.Connector.FetchMetrics(context.Background(), c.Account, c.Client, []string{pub.ExternalID, private.ExternalID})
	if err != nil || len(ms) != 2 || ms[0].VideoViews == nil || ms[1].Deleted || ms[1].Likes != nil {
		t.Fatalf("metrics %+v %v", ms, err)
	}
	_, err = e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "x",
		Media: []connectors.Media{video}, Options: map[string]string{"privacy_level": "FOLLOWER_OF_CREATOR"}})
	if connectors.KindOf(err) != connectors.Permanent {
		t.Errorf("a privacy level the creator does not offer: %v, want permanent", err)
	}
	// Without a video and without the fakenet placeholder: refused
	// before anything is sent.
	prod := tiktok.New(tiktok.Config{APIURL: e.Base, ClientKey: "k", ClientSecret: "s"})
	before := len(e.Posts())
	if _, err := prod.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "no video"}); connectors.KindOf(err) != connectors.Permanent {
		t.Errorf("no video: %v, want permanent", err)
	}
	if len(e.Posts()) != before {
		t.Error("a post without a video reached TikTok")
	}
}

func TestRateLimitAndErrorEnvelope(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	e.Fake.TikTokRateLimits(true)
	c := e.Connect("alice")
	var err error
	for i := range 7 {
		if _, err = e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "burst"}); err != nil {
			if i != 6 {
				t.Fatalf("publish %d: %v", i, err)
			}
		}
	}
	ce, ok := connectors.AsError(err)
	if !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter != time.Minute || !strings.Contains(ce.Message, "rate_limit_exceeded") {
		t.Fatalf("7th init within a minute: %v, want rate limited for a minute", err)
	}
	e.Clock.Advance(61 * time.Second)
	if _, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "later"}); err != nil {
		t.Errorf("after the window: %v", err)
	}
	// Errors inside HTTP 200 are errors too.
	cases := []struct {
		code string
		kind connectors.Kind
	}{
		{"spam_risk_too_many_posts", connectors.Permanent},
		{"access_token_invalid", connectors.Auth},
		{"scope_not_authorized", connectors.Auth},
		{"rate_limit_exceeded", connectors.RateLimited},
		{"internal_error", connectors.Retryable},
	}
	for _, tc := range cases {
		e.InjectFault(fakenet.Fault{Match: "publish", Kind: fakenet.FaultStatus, Status: http.StatusOK, Count: 1,
			Body: `{"data":{},"error":{"code":"` + tc.code + `","message":"m","log_id":"l"}}`})
		_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: tc.code})
		if connectors.KindOf(err) != tc.kind {
			t.Errorf("%s in a 200: %v, want %v", tc.code, err, tc.kind)
		}
	}
}

func TestValidateCountsUTF16(t *testing.T) {
	t.Parallel()
	c := tiktok.New(tiktok.FakenetConfig("http://127.0.0.1:1"))
	cases := []struct {
		text string
		ok   bool
	}{
		{strings.Repeat("a", 2200), true},
		{strings.Repeat("é", 2200), true},
		{strings.Repeat("😀", 1100), true}, // each a surrogate pair
		{strings.Repeat("😀", 1101), false},
		{" ", false},
	}
	for _, tc := range cases {
		if got := c.Validate(tc.text) == nil; got != tc.ok {
			t.Errorf("Validate(%d runes of %q…): ok=%v, want %v", len([]rune(tc.text)), []rune(tc.text)[0], got, tc.ok)
		}
	}
}
