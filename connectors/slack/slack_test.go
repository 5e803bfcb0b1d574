package slack_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/slack"
)

func harness() connectortest.Harness {
	return connectortest.Harness{
		Network:     "slack",
		NoFollowers: "a Slack channel has members, not followers, and rythme reads none",
		NoHistory:   "rythme posts to a Slack channel as an app: a channel's history is the team's conversation, not the account's posts, and Slack gives no engagement to compare",
		New: func(base string) connectors.Connector {
			return slack.New(slack.FakenetConfig(strings.TrimSuffix(base, "/slack")))
		},
		Params:  func(string) connectors.ConnectParams { return connectors.ConnectParams{"channel": "#general"} },
		Refresh: true, // token rotation
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harness())
}

func TestValidateCountsEscapedText(t *testing.T) {
	t.Parallel()
	c := slack.New(slack.Config{})
	cases := []struct {
		text string
		ok   bool
	}{
		{strings.Repeat("a", slack.MaxText), true},
		{strings.Repeat("é", slack.MaxText), true},
		{strings.Repeat("a", slack.MaxText-5) + "&", true}, // & is sent as &amp;
		{strings.Repeat("a", slack.MaxText-4) + "&", false},
		{strings.Repeat("<", slack.MaxText/4+1), false},
		{" \n\t", false},
	}
	for i, tc := range cases {
		if got := c.Validate(tc.text) == nil; got != tc.ok {
			t.Errorf("case %d: Validate ok = %v, want %v (length %d)", i, got, tc.ok, slack.Length(tc.text))
		}
	}
	if got := slack.Escape("<!channel> R&D > all"); got != "&lt;!channel&gt; R&amp;D &gt; all" {
		t.Errorf("Escape = %q", got)
	}
}

func TestNormalizeChannel(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"#general": "general", " C0123ABCDE ": "C0123ABCDE", "Marketing-FR": "marketing-fr", "": "", "a b": "", "#": ""}
	for in, want := range cases {
		got, err := slack.NormalizeChannel(in)
		if got != want || (want == "") != (rythme.ErrorCode(err) == rythme.EINVALID) {
			t.Errorf("NormalizeChannel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestIdentifyChannels(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	general := c.Account.Meta[slack.MetaChannelID]
	if general == "" || c.Account.Meta[slack.MetaChannelName] != "general" || !strings.HasSuffix(c.Account.ExternalID, "/"+general) ||
		c.Account.ProfileURL == "" || c.Account.Token.TokenType != "Bearer" {
		t.Fatalf("account %+v", c.Account)
	}
	cases := []struct {
		channel string
		code    string
		name    string
	}{
		{general, "", "general"},
		{"random", "", "random"},
		{"leads", rythme.EINVALID, ""},       // private: not listed
		{"C9999999999", rythme.EINVALID, ""}, // unknown id
		{"nope", rythme.EINVALID, ""},
	}
	for _, tc := range cases {
		id, err := e.Connector.Identify(context.Background(), connectors.ConnectParams{"channel": tc.channel}, c.Client)
		if rythme.ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
			t.Errorf("Identify(%q): %v, want code %q", tc.channel, err, tc.code)
			continue
		}
		if err == nil && id.Meta[slack.MetaChannelName] != tc.name {
			t.Errorf("Identify(%q): channel %q", tc.channel, id.Meta[slack.MetaChannelName])
		}
	}
}

func TestPublishOptionsAndEscaping(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	ctx := context.Background()
	pub, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "R&D <!channel>",
		Options: map[string]string{"channel": "#random"}})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.Posts()
	if last := posts[len(posts)-1]; last.Text != "R&amp;D &lt;!channel&gt;" || last.ID != pub.ExternalID {
		t.Errorf("recorded %+v", last)
	}
	if strings.HasPrefix(pub.ExternalID, c.Account.Meta[slack.MetaChannelID]+":") || !strings.Contains(pub.URL, "/archives/") {
		t.Errorf("published %+v: want another channel's message and a permalink", pub)
	}
	// A private channel the app is not in.
	_, err = e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "x", Options: map[string]string{"channel": "leads"}})
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.Permanent || !strings.HasPrefix(ce.Message, "not_in_channel") {
		t.Errorf("private channel: %v", err)
	}
}

func TestTokenRotation(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	first := c.Account.Token
	if first.RefreshToken == "" || first.Expiry.IsZero() {
		t.Fatalf("token %+v: want an expiring token and a refresh token", first.Expiry)
	}
	var saved []rythme.Token
	acct := *c.Account
	sess, err := connectors.OpenSession(e.Context(), e.Connector, &acct, connectors.NewHTTPClient(), connectortest.RedirectURI, nil,
		func(_ context.Context, t rythme.Token) error { saved = append(saved, t); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Refresh(context.Background()); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if len(saved) != 1 || saved[0].RefreshToken == first.RefreshToken || saved[0].AccessToken == first.AccessToken ||
		saved[0].TokenType != "Bearer" {
		t.Fatalf("saved %d tokens; rotated: %v", len(saved), len(saved) == 1 && saved[0].RefreshToken != first.RefreshToken)
	}
	if _, err := e.Connector.Publish(context.Background(), &acct, sess.Client(), connectors.PublishRequest{Text: "after rotation"}); err != nil {
		t.Fatalf("publish with the new token: %v", err)
	}
	// The spent refresh token is refused: an OAuth error the worker reads as Auth.
	old, _ := connectors.OpenSession(e.Context(), e.Connector, &rythme.Account{Token: rythme.Token{RefreshToken: first.RefreshToken,
		AccessToken: "old", Expiry: time.Unix(1, 0)}}, connectors.NewHTTPClient(), "", nil, nil)
	err = old.Refresh(context.Background())
	var re *oauth2.RetrieveError
	if connectors.KindOf(err) != connectors.Auth || !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Errorf("refresh with a spent token: %v, want auth (invalid_grant)", err)
	}
}

// stub answers every Slack method with body.
func stub(t *testing.T, status int, hdr map[string]string, body string) (*slack.Connector, *rythme.Account) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer xoxb-test" {
			t.Errorf("Authorization %q", got)
		}
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return slack.New(slack.Config{BaseURL: srv.URL}), &rythme.Account{Meta: map[string]string{slack.MetaChannelID: "C0123ABCDE"}}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		hdr    map[string]string
		body   string
		kind   connectors.Kind
		wait   time.Duration
	}{
		{200, nil, `{"ok":false,"error":"invalid_auth"}`, connectors.Auth, 0},
		{200, nil, `{"ok":false,"error":"token_revoked"}`, connectors.Auth, 0},
		{200, nil, `{"ok":false,"error":"account_inactive"}`, connectors.Auth, 0},
		{200, nil, `{"ok":false,"error":"not_authed"}`, connectors.Auth, 0},
		{200, nil, `{"ok":false,"error":"missing_scope","needed":"chat:write"}`, connectors.Auth, 0},
		{200, nil, `{"ok":false,"error":"channel_not_found"}`, connectors.Permanent, 0},
		{200, nil, `{"ok":false,"error":"not_in_channel"}`, connectors.Permanent, 0},
		{200, nil, `{"ok":false,"error":"msg_too_long"}`, connectors.Permanent, 0},
		{200, nil, `{"ok":false,"error":"no_text"}`, connectors.Permanent, 0},
		{200, nil, `{"ok":false,"error":"ratelimited"}`, connectors.RateLimited, 0},
		{200, nil, `{"ok":false,"error":"internal_error"}`, connectors.Retryable, 0},
		{429, map[string]string{"Retry-After": "30"}, `{"ok":false,"error":"ratelimited"}`, connectors.RateLimited, 30 * time.Second},
		{503, nil, `upstream`, connectors.Retryable, 0},
		{200, nil, `not json`, connectors.Unknown, 0},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d %s", tc.status, tc.body), func(t *testing.T) {
			t.Parallel()
			c, acct := stub(t, tc.status, tc.hdr, tc.body)
			client := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "xoxb-test", TokenType: "bot"})}}
			_, err := c.Publish(context.Background(), acct, client, connectors.PublishRequest{Text: "x"})
			ce, ok := connectors.AsError(err)
			if !ok || ce.Kind != tc.kind || ce.RetryAfter != tc.wait {
				t.Fatalf("got %v, want kind %v wait %v", err, tc.kind, tc.wait)
			}
		})
	}
}

func TestPublishTruncatedIsPublished(t *testing.T) {
	t.Parallel()
	c, acct := stub(t, 200, nil, `{"ok":true,"channel":"C0123ABCDE","ts":"1.000002","permalink":"https://x.slack.com/archives/C0123ABCDE/p1000002",`+
		`"response_metadata":{"warnings":["message_truncated"]}}`)
	client := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "xoxb-test"})}}
	pub, err := c.Publish(context.Background(), acct, client, connectors.PublishRequest{Text: "x"})
	if err != nil || pub.ExternalID != "C0123ABCDE:1.000002" || pub.URL == "" {
		t.Fatalf("%+v, %v", pub, err)
	}
}

func TestRateLimitFromSimulator(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("erin")
	// reactions.get is Tier 3: 50 a minute per workspace.
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "one"})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 51)
	for i := range ids {
		ids[i] = pub.ExternalID + strings.Repeat("0", i) // distinct ids, same message prefix
	}
	_, err = e.Connector.FetchMetrics(context.Background(), c.Account, c.Client, ids)
	ce, ok := connectors.AsError(err)
	if !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter <= 0 || ce.RetryAfter > time.Minute {
		t.Fatalf("51 reactions.get in a minute: %v, want rate limited with Retry-After", err)
	}
}

// TestIdentifyChannelWithoutID: a channel Slack names without its id
// (conversations.info or conversations.list) is not an account: its
// external id would be "T1/" and no post could name the channel. Found
// by fuzzing (testdata/fuzz/FuzzSlack/identify_channel_without_id).
func TestIdentifyChannelWithoutID(t *testing.T) {
	t.Parallel()
	answers := map[string]string{
		"/auth.test":          `{"ok":true,"url":"https://acme.slack.com/","team":"Acme","team_id":"T1","user_id":"U1"}`,
		"/team.info":          `{"ok":true,"team":{"name":"Acme","domain":"acme"}}`,
		"/conversations.info": `{"ok":true,"channel":{"name":"general","is_private":false}}`,
		"/conversations.list": `{"ok":true,"channels":[{"name":"general"},{"id":"C0RANDOM01","name":"random"}],"response_metadata":{"next_cursor":""}}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c := slack.New(slack.Config{BaseURL: srv.URL})
	client := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "xoxb-test"})}}
	for _, tc := range []struct{ channel, method string }{{"C0123ABCDE", "conversations.info"}, {"#general", "conversations.list"}} {
		id, err := c.Identify(context.Background(), connectors.ConnectParams{"channel": tc.channel}, client)
		ce, ok := connectors.AsError(err)
		if !ok || ce.Kind != connectors.Permanent || ce.Message != "Slack's "+tc.method+" answer has no channel id" {
			t.Errorf("Identify(%q) = %+v, %v; want a permanent error saying %s's answer has no channel id", tc.channel, id, err, tc.method)
		}
	}
	// The other channel of the list has its id.
	id, err := c.Identify(context.Background(), connectors.ConnectParams{"channel": "random"}, client)
	if err != nil || id.ExternalID != "T1/C0RANDOM01" || id.Meta[slack.MetaChannelID] != "C0RANDOM01" {
		t.Errorf("Identify(random) = %+v, %v", id, err)
	}
}
