package discord_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/discord"
)

func harness() connectortest.Harness {
	return connectortest.Harness{
		Network:     "discord",
		NoFollowers: "a Discord webhook gives no audience",
		NoHistory:   "a Discord webhook only posts: it lists no earlier messages, and gives no engagement",
		New: func(base string) connectors.Connector {
			return discord.New(discord.FakenetConfig(strings.TrimSuffix(base, "/discord")))
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		Direct: func(e *connectortest.Env, user string) connectors.ConnectParams {
			return connectors.ConnectParams{"webhook_url": e.Fake.DiscordWebhook(e.Server.URL, user)}
		},
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harness())
}

func TestParseWebhookURL(t *testing.T) {
	t.Parallel()
	c := discord.New(discord.Config{})
	fake := discord.New(discord.FakenetConfig("http://127.0.0.1:8090"))
	const tok = "AbC_def-123"
	cases := []struct {
		c    *discord.Connector
		raw  string
		ok   bool
		id   string
		name string
	}{
		{c, "https://discord.com/api/webhooks/123456789012345678/" + tok, true, "123456789012345678", "discord.com"},
		{c, " https://discordapp.com/api/webhooks/1/" + tok + "/ ", true, "1", "discordapp.com, trailing slash"},
		{c, "https://canary.discord.com/api/v10/webhooks/42/" + tok + "?wait=true", true, "42", "canary, versioned, query"},
		{c, "https://ptb.discord.com/api/webhooks/42/" + tok, true, "42", "ptb"},
		{c, "http://discord.com/api/webhooks/42/" + tok, false, "", "http"},
		{c, "https://evil.example/api/webhooks/42/" + tok, false, "", "other host"},
		{c, "https://discord.com.evil.example/api/webhooks/42/" + tok, false, "", "lookalike host"},
		{c, "https://discord.com/api/webhooks/abc/" + tok, false, "", "id not a snowflake"},
		{c, "https://discord.com/api/webhooks/42", false, "", "no token"},
		{c, "https://discord.com/x/api/webhooks/42/" + tok, false, "", "path prefix on discord.com"},
		{c, "http://127.0.0.1:8090/discord/api/webhooks/42/" + tok, false, "", "fakenet URL on the real connector"},
		{fake, "http://127.0.0.1:8090/discord/api/webhooks/42/" + tok, true, "42", "fakenet"},
		{fake, "http://127.0.0.1:8090/other/api/webhooks/42/" + tok, false, "", "fakenet, wrong prefix"},
		{c, "", false, "", "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := tc.c.ParseWebhookURL(tc.raw)
			if tc.ok != (err == nil) || h.ID != tc.id {
				t.Fatalf("ParseWebhookURL(%q) = %+v, %v", tc.raw, h, err)
			}
			if err != nil {
				if rythme.ErrorCode(err) != rythme.EINVALID || strings.Contains(err.Error(), tok) {
					t.Errorf("error %v: want EINVALID without the token", err)
				}
			} else if h.Token != tok {
				t.Errorf("token %q", h.Token)
			}
		})
	}
}

func TestValidateCountsCodePoints(t *testing.T) {
	t.Parallel()
	c := discord.New(discord.Config{})
	cases := []struct {
		text string
		ok   bool
	}{
		{strings.Repeat("é", 2000), true}, // 2 bytes each, 1 code point
		{strings.Repeat("😀", 2000), true}, // 4 bytes, 2 UTF-16 units, 1 code point
		{strings.Repeat("😀", 2001), false},
		{"  \n", false},
	}
	for _, tc := range cases {
		if got := c.Validate(tc.text) == nil; got != tc.ok {
			t.Errorf("Validate(%d runes of %q…) ok = %v, want %v", len([]rune(tc.text)), []rune(tc.text)[:1], got, tc.ok)
		}
	}
}

func TestPublishLinkAndUsername(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("carol")
	if c.Account.ProfileURL == "" || c.Account.Meta[discord.MetaGuildID] == "" || c.Account.Token.TokenType != "webhook" {
		t.Fatalf("account %+v", c.Account)
	}
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "hi",
		Options: map[string]string{"username": "Rythme bot"}})
	if err != nil {
		t.Fatal(err)
	}
	want := c.Account.ProfileURL + "/" + pub.ExternalID
	if pub.URL != want {
		t.Errorf("URL %q, want %q", pub.URL, want)
	}
	// Discord refuses names containing "discord": the network's words come back.
	_, err = e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "hi",
		Options: map[string]string{"username": "My Discord bot"}})
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.Permanent || !strings.Contains(ce.Message, "username") {
		t.Errorf("username refused: %v", err)
	}
}

// A stub Discord: checks what the connector sends and answers a scripted
// status.
func stub(t *testing.T, status int, hdr map[string]string, body string) (*discord.Connector, *rythme.Account, *[]map[string]any) {
	t.Helper()
	var seen []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("User-Agent"), "DiscordBot (") {
			t.Errorf("User-Agent %q", r.Header.Get("User-Agent"))
		}
		if r.Method == http.MethodPost {
			if r.URL.Query().Get("wait") != "true" {
				t.Errorf("wait=%q", r.URL.Query().Get("wait"))
			}
			var m map[string]any
			b, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(b, &m)
			seen = append(seen, m)
		}
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := discord.New(discord.Config{BaseURL: srv.URL + "/api/v10", AppURL: "https://discord.com", Now: func() time.Time { return now }})
	acct := &rythme.Account{Token: rythme.Token{AccessToken: srv.URL + "/api/v10/webhooks/42/tok"},
		Meta: map[string]string{discord.MetaGuildID: "7"}}
	return c, acct, &seen
}

func TestPublishRequestAndQuota(t *testing.T) {
	t.Parallel()
	c, acct, seen := stub(t, 200, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "1.5"},
		`{"id":"99","channel_id":"8"}`)
	pub, err := c.Publish(context.Background(), acct, http.DefaultClient, connectors.PublishRequest{Text: "@everyone hello"})
	if err != nil {
		t.Fatal(err)
	}
	if pub.ExternalID != "99" || pub.URL != "https://discord.com/channels/7/8/99" {
		t.Errorf("published %+v", pub)
	}
	if want := time.Date(2025, 1, 1, 0, 0, 1, 500e6, time.UTC); !pub.QuotaResetAt.Equal(want) {
		t.Errorf("QuotaResetAt %v, want %v", pub.QuotaResetAt, want)
	}
	m := (*seen)[0]
	am, _ := m["allowed_mentions"].(map[string]any)
	if parse, ok := am["parse"].([]any); !ok || len(parse) != 0 || m["content"] != "@everyone hello" {
		t.Errorf("sent %v: allowed_mentions must be {parse: []}", m)
	}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		hdr    map[string]string
		body   string
		kind   connectors.Kind
		wait   time.Duration
		msg    string
	}{
		{"429 retry_after wins", 429, map[string]string{"Retry-After": "65", "X-RateLimit-Reset-After": "64.57"},
			`{"message":"You are being rate limited.","retry_after":64.57,"global":false}`, connectors.RateLimited, 64570 * time.Millisecond, "rate limited"},
		{"429 reset-after without body", 429, map[string]string{"X-RateLimit-Reset-After": "2.25"}, ``, connectors.RateLimited, 2250 * time.Millisecond, ""},
		{"deleted webhook", 404, nil, `{"message":"Unknown Webhook","code":10015}`, connectors.Auth, 0, "Unknown Webhook"},
		{"wrong token", 401, nil, `{"message":"Invalid Webhook Token","code":50027}`, connectors.Auth, 0, "Invalid Webhook Token"},
		{"missing access", 403, nil, `{"message":"Missing Access","code":50001}`, connectors.Permanent, 0, "Missing Access"},
		{"nested form errors", 400, nil, `{"code":50035,"message":"Invalid Form Body","errors":{"embeds":{"0":{"title":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 256 or fewer in length."}]}}}}}`,
			connectors.Permanent, 0, "Invalid Form Body: embeds.0.title: Must be 256 or fewer in length."},
		{"5xx", 502, nil, `<html>bad gateway</html>`, connectors.Retryable, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, acct, _ := stub(t, tc.status, tc.hdr, tc.body)
			_, err := c.Publish(context.Background(), acct, http.DefaultClient, connectors.PublishRequest{Text: "x"})
			ce, ok := connectors.AsError(err)
			if !ok || ce.Kind != tc.kind || ce.RetryAfter != tc.wait || !strings.Contains(ce.Message, tc.msg) {
				t.Fatalf("got %v (retry after %v), want kind %v, wait %v, message with %q", err, ce.RetryAfter, tc.kind, tc.wait, tc.msg)
			}
			if strings.Contains(err.Error(), "/webhooks/42/tok") {
				t.Error("the error shows the webhook URL")
			}
		})
	}
}

func TestRealRateLimitHeaders(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("dave")
	var last error
	for i := range 31 {
		_, last = e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "burst " + string(rune('a'+i%26))})
		if i < 30 && last != nil {
			t.Fatalf("publish %d: %v", i, last)
		}
	}
	ce, ok := connectors.AsError(last)
	if !ok || ce.Kind != connectors.RateLimited || ce.RetryAfter <= 0 || ce.RetryAfter > time.Minute {
		t.Fatalf("31st execution in a minute: %v, want rate limited with a wait under a minute", last)
	}
	e.Clock.Advance(time.Minute)
	if _, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "later"}); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
