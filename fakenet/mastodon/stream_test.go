package mastodon_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

// streamEvent is a notification as a stream client reads it: the message,
// then its payload decoded.
type streamEvent struct {
	Stream []string
	Event  string
	ID     string
	Type   string
	Status struct {
		ID          string  `json:"id"`
		InReplyToID *string `json:"in_reply_to_id"`
		CreatedAt   string  `json:"created_at"`
		Account     struct {
			Acct string `json:"acct"`
		} `json:"account"`
	}
}

func openStream(t *testing.T, e *fntest.Env, token, stream string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(e.Base, "http") + "/api/v1/streaming?" + url.Values{"stream": {stream}}.Encode()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	c, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if c != nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func readEvent(t *testing.T, c *websocket.Conn) streamEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read the stream: %v", err)
	}
	var msg struct {
		Stream  []string `json:"stream"`
		Event   string   `json:"event"`
		Payload string   `json:"payload"`
	}
	if err := json.Unmarshal(b, &msg); err != nil {
		t.Fatalf("message %s: %v", b, err)
	}
	ev := streamEvent{Stream: msg.Stream, Event: msg.Event}
	var n struct {
		ID     string          `json:"id"`
		Type   string          `json:"type"`
		Status json.RawMessage `json:"status"`
	}
	if err := json.Unmarshal([]byte(msg.Payload), &n); err != nil {
		t.Fatalf("payload %q is not a JSON-encoded notification: %v", msg.Payload, err)
	}
	ev.ID, ev.Type = n.ID, n.Type
	if err := json.Unmarshal(n.Status, &ev.Status); err != nil {
		t.Fatalf("status %s: %v", n.Status, err)
	}
	return ev
}

// TestStreamPushesRepliesAsTheyAreMade: the user's notifications stream
// (WebSocket, event "notification", payload a JSON-encoded Notification as
// a string) carries a reply written through the API at once, and the
// simulated comments as they arrive; not the user's own replies; refused
// without a token and for a stream it does not serve.
func TestStreamPushesRepliesAsTheyAreMade(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	alice, bob := fntest.Connect(t, e, "alice"), fntest.Connect(t, e, "bob")
	if _, resp, err := openStream(t, e, "", "user:notification"); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("without a token: %v %v", resp, err)
	}
	if _, resp, err := openStream(t, e, alice, "public"); err == nil || resp == nil || resp.StatusCode != 400 {
		t.Fatalf("stream=public: %v %v", resp, err)
	}
	c, _, err := openStream(t, e, alice, "user:notification")
	if err != nil {
		t.Fatal(err)
	}
	_, st, _ := fntest.Publish(t, e, alice, "Our launch is today", "")
	reply := func(token, text string) string {
		var out fntest.Status
		if resp := fntest.Do(t, "POST", e.Base+"/api/v1/statuses", token, url.Values{"status": {text}, "in_reply_to_id": {st.ID}}, nil, &out); resp.StatusCode != 200 {
			t.Fatalf("reply: %d", resp.StatusCode)
		}
		return out.ID
	}
	reply(alice, "A thread part of alice's own") // not a notification
	bobs := reply(bob, "@alice congratulations!")
	ev := readEvent(t, c)
	if ev.Event != "notification" || len(ev.Stream) != 1 || ev.Stream[0] != "user:notification" || ev.Type != "mention" ||
		ev.Status.ID != bobs || ev.Status.InReplyToID == nil || *ev.Status.InReplyToID != st.ID || ev.Status.Account.Acct != "bob" {
		t.Fatalf("event %+v", ev)
	}
	// Hours later the simulated users' comments arrive, each pushed once.
	e.Clock.Advance(5 * time.Hour)
	seen := map[string]bool{bobs: true}
	ev = readEvent(t, c)
	for {
		if seen[ev.Status.ID] || ev.Status.InReplyToID == nil || *ev.Status.InReplyToID != st.ID || ev.Status.Account.Acct == "alice" {
			t.Fatalf("simulated comment %+v", ev)
		}
		seen[ev.Status.ID] = true
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, b, err := c.Read(ctx)
		cancel()
		if err != nil {
			break // no more for now
		}
		var msg struct{ Payload string }
		_ = json.Unmarshal(b, &msg)
		var n struct {
			Status struct {
				ID          string  `json:"id"`
				InReplyToID *string `json:"in_reply_to_id"`
				Account     struct {
					Acct string `json:"acct"`
				} `json:"account"`
			} `json:"status"`
		}
		_ = json.Unmarshal([]byte(msg.Payload), &n)
		ev.Status.ID, ev.Status.InReplyToID, ev.Status.Account.Acct = n.Status.ID, n.Status.InReplyToID, n.Status.Account.Acct
	}
	// The same comments are the ones the context lists.
	var ctxt struct {
		Descendants []fntest.Status `json:"descendants"`
	}
	fntest.Do(t, "GET", e.Base+"/api/v1/statuses/"+st.ID+"/context", alice, nil, nil, &ctxt)
	others := 0
	for _, d := range ctxt.Descendants {
		if d.Account.Username != "alice" {
			others++
			if !seen[d.ID] {
				t.Errorf("comment %s is in the context but was not streamed", d.ID)
			}
		}
	}
	if others != len(seen) || others < 2 {
		t.Fatalf("streamed %d, context has %d from others", len(seen), others)
	}
	if s := e.Srv.Stats(); s.Operations["mastodon.streaming"] != 3 || s.InFlight != 0 {
		t.Fatalf("stats %+v", s)
	}
}
