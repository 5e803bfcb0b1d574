package discord_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

// discordPost executes a webhook with a JSON body and decodes the answer.
func discordPost(t *testing.T, hook, body string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.Post(hook+"?wait=true", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func TestDiscordWebhook(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	hook := e.Srv.DiscordWebhook(e.HTTP.URL, "alice")
	var wh map[string]any
	resp := fntest.Do(t, "GET", strings.Replace(hook, "/api/", "/api/v10/", 1), "", nil, nil, &wh)
	if resp.StatusCode != 200 || wh["name"] != "alice" || wh["type"] != float64(1) || wh["user"] != nil {
		t.Fatalf("get webhook: %d %v", resp.StatusCode, wh)
	}
	resp, msg := discordPost(t, hook, `{"content":"hello","allowed_mentions":{"parse":[]}}`)
	if resp.StatusCode != 200 || msg["content"] != "hello" || msg["webhook_id"] != wh["id"] {
		t.Fatalf("execute: %d %v", resp.StatusCode, msg)
	}
	if resp.Header.Get("X-RateLimit-Limit") != "30" || resp.Header.Get("X-RateLimit-Remaining") != "29" ||
		resp.Header.Get("X-RateLimit-Reset-After") == "" || resp.Header.Get("X-RateLimit-Bucket") == "" {
		t.Errorf("rate-limit headers %v", resp.Header)
	}
	resp, body := discordPost(t, hook, `{"content":"`+strings.Repeat("é", 2001)+`"}`)
	errs, _ := body["errors"].(map[string]any)
	if resp.StatusCode != 400 || body["code"] != float64(50035) || errs["content"] == nil {
		t.Errorf("too long: %d %v", resp.StatusCode, body)
	}
	if resp, body := discordPost(t, hook+"x", `{"content":"x"}`); resp.StatusCode != 401 || body["code"] != float64(50027) {
		t.Errorf("wrong token: %d %v", resp.StatusCode, body)
	}
	if err := e.Srv.InjectFault(fakenet.Fault{Network: "discord", Kind: fakenet.FaultRevoke, User: "alice"}); err != nil {
		t.Fatal(err)
	}
	if resp, body := discordPost(t, hook, `{"content":"x"}`); resp.StatusCode != 404 || body["message"] != "Unknown Webhook" || body["code"] != float64(10015) {
		t.Errorf("deleted webhook: %d %v", resp.StatusCode, body)
	}
	var created, refused int
	for _, p := range e.Srv.Posts() {
		if p.Network == "discord" && p.Created {
			created++
		} else if p.Network == "discord" && p.Error != "" {
			refused++
		}
	}
	if created != 1 || refused != 1 {
		t.Errorf("recorded %d created, %d refused", created, refused)
	}
}

func TestDiscordRateLimit(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	hook := e.Srv.DiscordWebhook(e.HTTP.URL, "bob")
	for i := range 30 {
		if resp, _ := discordPost(t, hook, `{"content":"x"}`); resp.StatusCode != 200 {
			t.Fatalf("execution %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := discordPost(t, hook, `{"content":"x"}`)
	if resp.StatusCode != 429 || body["global"] != false || body["retry_after"].(float64) <= 0 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("31st: %d %v %v", resp.StatusCode, body, resp.Header)
	}
	e.Clock.Advance(time.Minute)
	if resp, _ := discordPost(t, hook, `{"content":"x"}`); resp.StatusCode != 200 {
		t.Errorf("next window: %d", resp.StatusCode)
	}
	// The HTTP way to make a webhook.
	var wh map[string]any
	if resp := fntest.Do(t, "POST", e.HTTP.URL+"/discord/fakenet/webhooks?user=carol", "", nil, nil, &wh); resp.StatusCode != 200 ||
		!strings.HasPrefix(wh["url"].(string), e.HTTP.URL+"/discord/api/webhooks/") {
		t.Errorf("create webhook: %d %v", resp.StatusCode, wh)
	}
}
