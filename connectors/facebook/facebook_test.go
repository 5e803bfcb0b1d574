package facebook_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/facebook"
	"github.com/rythmehq/rythme/fakenet"
)

func harness() connectortest.Harness {
	return connectortest.Harness{
		Network: facebook.Name,
		New: func(base string) connectors.Connector {
			return facebook.New(facebook.FakenetConfig(strings.TrimSuffix(base, "/"+facebook.Name)))
		},
		Params:  func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		Refresh: false, // Page tokens do not expire and have no refresh token
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harness())
}

func TestConnectsTheFirstPageOrTheOneNamed(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	first := e.Connect("carol")
	if first.Account.Username != "carol" || first.Account.DisplayName != "Carol's Page" || !first.Account.Token.Expiry.IsZero() {
		t.Fatalf("default Page: %+v (token expiry %v)", first.Account, first.Account.Token.Expiry)
	}
	// Name the other Page: its id is the first's plus one on fakenet.
	var n int64
	if _, err := fmt.Sscan(first.Account.ExternalID, &n); err != nil {
		t.Fatal(err)
	}
	other := fmt.Sprint(n + 1)
	e.Params = connectors.ConnectParams{facebook.ParamPageID: other}
	named := e.Connect("carol")
	if named.Account.ExternalID != other || named.Account.Username != "carol-news" {
		t.Fatalf("page_id %s: connected %+v", other, named.Account)
	}
	pub, err := e.Connector.Publish(context.Background(), named.Account, named.Client, connectors.PublishRequest{Text: "news",
		Options: map[string]string{"link": "https://example.com/a"}})
	if err != nil || !strings.HasPrefix(pub.ExternalID, other+"_") || pub.URL != facebook.Permalink(pub.ExternalID) {
		t.Fatalf("publish on the named Page: %+v, %v", pub, err)
	}
	// A Page not granted is refused at exchange time.
	cfg, err := e.Connector.OAuth2Config(e.Context(), connectors.ConnectParams{facebook.ParamPageID: "42"}, connectortest.RedirectURI, nil)
	if err != nil {
		t.Fatal(err)
	}
	code := e.Authorize(cfg, "carol", "v0123456789012345678901234567890123456789012")
	if _, err := e.Exchange(e.Context(), cfg, code, "v0123456789012345678901234567890123456789012"); connectors.KindOf(err) != connectors.Permanent ||
		!strings.Contains(err.Error(), "42") {
		t.Errorf("exchange for a Page not granted: %v", err)
	}
	if _, err := e.Connector.OAuth2Config(e.Context(), connectors.ConnectParams{facebook.ParamPageID: "my page"}, connectortest.RedirectURI, nil); rythme.ErrorCode(err) != rythme.EINVALID {
		t.Errorf("malformed page_id: %v", err)
	}
}

func TestPublishRequestAsRecorded(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "with a link",
		Options: map[string]string{"link": "notaurl"}})
	if connectors.KindOf(err) != connectors.Permanent || !strings.Contains(err.Error(), "link") {
		t.Errorf("bad link: %v, want permanent naming the link", err)
	}
	if _, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "twice"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "twice"})
	if ce, _ := connectors.AsError(err); ce == nil || ce.Kind != connectors.Permanent || !strings.Contains(ce.Message, "Duplicate") {
		t.Errorf("duplicate: %v, want permanent (506)", err)
	}
}

func TestGraphErrorsMapToKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault fakenet.Fault
		kind  connectors.Kind
		wait  time.Duration
	}{
		{"page throttled with BUC estimate", fakenet.Fault{Kind: fakenet.FaultStatus, Status: 400,
			Body: `{"error":{"message":"(#80001) There have been too many calls to this Page account.","type":"OAuthException","code":80001,"fbtrace_id":"x"}}`},
			connectors.RateLimited, 0},
		{"user request limit", fakenet.Fault{Kind: fakenet.FaultStatus, Status: 400,
			Body: `{"error":{"message":"(#17) User request limit reached","type":"OAuthException","code":17,"fbtrace_id":"x"}}`},
			connectors.RateLimited, 5 * time.Minute},
		{"expired token", fakenet.Fault{Kind: fakenet.FaultStatus, Status: 400,
			Body: `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"x"}}`},
			connectors.Auth, 0},
		{"policy block", fakenet.Fault{Kind: fakenet.FaultStatus, Status: 400,
			Body: `{"error":{"message":"(#368) The action attempted has been deemed abusive or is otherwise disallowed","type":"OAuthException","code":368,"fbtrace_id":"x"}}`},
			connectors.Permanent, 0},
		{"transient", fakenet.Fault{Kind: fakenet.FaultStatus, Status: 500,
			Body: `{"error":{"message":"An unknown error has occurred.","type":"OAuthException","code":1,"is_transient":true,"fbtrace_id":"x"}}`},
			connectors.Retryable, 0},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := connectortest.Start(t, harness())
			c := e.Connect(fmt.Sprintf("u%d", i))
			f := tc.fault
			f.Match, f.Count = "publish", 1
			e.InjectFault(f)
			_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: tc.name})
			ce, ok := connectors.AsError(err)
			if !ok || ce.Kind != tc.kind || (tc.wait > 0 && ce.RetryAfter != tc.wait) {
				t.Fatalf("%v (kind %v, wait %v), want %v %v", err, connectors.KindOf(err), ce.RetryAfter, tc.kind, tc.wait)
			}
		})
	}
}

func TestRateLimitHeadersGiveTheWait(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 6, 2, 8, 0, 30, 0, time.UTC)
	fake := fakenet.New(fakenet.Config{Now: func() time.Time { return at }, RateLimit: 4, RateWindow: 10 * time.Minute})
	srv := newServer(t, fake)
	h := harness()
	e := &connectortest.Env{T: t, Harness: h, Fake: fake, Server: srv, Base: srv.URL + "/facebook",
		Connector: h.New(srv.URL + "/facebook"), Params: connectors.ConnectParams{}, Apps: &connectortest.Apps{}}
	c := e.Connect("alice") // GET /me: one Page-token call
	var err error
	for i := 0; i < 5 && err == nil; i++ {
		_, err = e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: fmt.Sprint("n", i)})
	}
	ce, ok := connectors.AsError(err)
	// The window ends at 08:10:00; 9.5 minutes left round up to 10.
	if !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter != 10*time.Minute {
		t.Fatalf("past the limit: %v (wait %v), want rate limited for 10m (X-Business-Use-Case-Usage)", err, ce.RetryAfter)
	}
}

func newServer(t *testing.T, fake *fakenet.Server) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(fake.Handler())
	t.Cleanup(func() { fake.Close(); s.Close() })
	return s
}

func TestFetchMetricsBatchesAndFallsBack(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	ctx := context.Background()
	var ids []string
	for i := range 60 {
		p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: fmt.Sprint("post ", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ExternalID)
	}
	e.Clock.Advance(6 * time.Hour)
	ms, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, ids)
	if err != nil || len(ms) != 60 {
		t.Fatalf("FetchMetrics: %d, %v", len(ms), err)
	}
	if m := ms[0]; m.Likes == nil || m.Comments == nil || m.Shares == nil || m.Impressions == nil || m.Reach == nil || m.Clicks == nil || *m.Impressions < *m.Reach {
		t.Errorf("reading %+v: want likes, comments, shares, views ≥ reach and clicks", m)
	}
	st := e.Fake.Stats()
	if got := st.Operations["facebook.get_posts"]; got != 2 {
		t.Errorf("GET /?ids= called %d times for 60 ids, want 2", got)
	}
	if got := st.Operations["facebook.get_post"]; got != 0 {
		t.Errorf("single reads: %d, want 0", got)
	}
	// A deleted post makes Graph refuse its batch: that batch is read one
	// by one.
	e.Fake.DeletePost(facebook.Name, ids[55])
	ms, err = e.Connector.FetchMetrics(ctx, c.Account, c.Client, ids)
	if err != nil || !ms[55].Deleted || ms[55].Likes != nil || ms[54].Likes == nil || ms[0].Likes == nil {
		t.Fatalf("with a deleted post: %v, %+v", err, ms[55])
	}
	if got := e.Fake.Stats().Operations["facebook.get_post"]; got != 10 {
		t.Errorf("single reads after a deletion: %d, want the 10 of the second batch", got)
	}
	// Metrics refused (deprecated): the counts are still read.
	e.InjectFault(fakenet.Fault{Match: "get_posts", Kind: fakenet.FaultStatus, Status: 400, Count: 1,
		Body: `{"error":{"message":"(#100) The value must be a valid insights metric","type":"OAuthException","code":100,"fbtrace_id":"x"}}`})
	ms, err = e.Connector.FetchMetrics(ctx, c.Account, c.Client, ids[:3])
	if err != nil || ms[0].Likes == nil || ms[0].Impressions != nil {
		t.Fatalf("insights refused: %v, %+v", err, ms[0])
	}
}
