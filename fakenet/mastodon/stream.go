package mastodon

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The streaming side of Mastodon: GET /api/v1/streaming as a WebSocket
// (https://docs.joinmastodon.org/methods/streaming/#websocket), the only
// form GoToSocial serves, with the user's notifications
// (stream=user:notification, or user, which carries them too). Every reply
// by another user to one of the token's user's statuses is pushed as it
// is made: one written through the API at once, a simulated comment
// (materialize) within streamTick of the time the seed gives it.

// streamTick is how often an open stream makes the simulated comments that
// have arrived by now (the clock may be a test's).
const streamTick = 100 * time.Millisecond

// streamBuffer bounds the events waiting for a slow client; past it the
// connection is closed, as Mastodon drops a client that does not read.
const streamBuffer = 256

// subscriber is one open stream.
type subscriber struct {
	user, base string
	events     chan []byte
	overflow   chan struct{} // closed when events was full
	full       bool
}

// mastStreamEvent is one WebSocket message: the event's name and its
// payload, a JSON document encoded as a string.
type mastStreamEvent struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
}

// announce records reply st as a mention of the user it answers (the
// notifications list) and pushes it to that user's streams. Holds m.mu.
func (m *mastodon) announce(st *mStatus) {
	parent, ok := m.statuses[st.replyTo]
	if !ok || parent.user == st.user {
		return
	}
	parent.user.mentions = append(parent.user.mentions, st)
	if len(m.subs[parent.user.username]) == 0 {
		return
	}
	now := m.s.Config().Now()
	for sub := range m.subs[parent.user.username] {
		if sub.full {
			continue
		}
		sj := m.statusJSON(sub.base, st, now)
		n, _ := json.Marshal(mastNotificationJSON{ID: st.id, Type: "mention", CreatedAt: sj.CreatedAt, Account: sj.Account, Status: &sj})
		msg, _ := json.Marshal(mastStreamEvent{Stream: []string{"user:notification"}, Event: "notification", Payload: string(n)})
		select {
		case sub.events <- msg:
		default:
			sub.full = true
			close(sub.overflow)
		}
	}
}

// stream is GET /api/v1/streaming: the WebSocket handshake (anything else
// is answered 400, as GoToSocial does), then the user's notifications
// until the client goes or falls behind.
func (m *mastodon) stream(w http.ResponseWriter, r *http.Request, tok *mToken) {
	switch r.URL.Query().Get("stream") {
	case "user", "user:notification":
	default:
		sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "Stream type is not supported"})
		return
	}
	// Subscribed before the handshake completes: an event made once the
	// client sees the stream open is never missed.
	sub := &subscriber{user: tok.user, base: m.base(r), events: make(chan []byte, streamBuffer), overflow: make(chan struct{})}
	m.mu.Lock()
	if m.subs[tok.user] == nil {
		m.subs[tok.user] = map[*subscriber]struct{}{}
	}
	m.subs[tok.user][sub] = struct{}{}
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.subs[tok.user], sub)
		m.mu.Unlock()
	}()
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept answered the client
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(r.Context()) // answers pings; done when the client closes
	tick := time.NewTicker(streamTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.s.Closing():
			_ = conn.Close(websocket.StatusGoingAway, "")
			return
		case <-sub.overflow:
			_ = conn.Close(websocket.StatusPolicyViolation, "too slow")
			return
		case msg := <-sub.events:
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Write(wctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				return
			}
		case <-tick.C:
			m.mu.Lock()
			if u := m.users[tok.user]; u != nil {
				for _, st := range u.roots {
					m.materialize(st)
				}
			}
			m.mu.Unlock()
		}
	}
}
