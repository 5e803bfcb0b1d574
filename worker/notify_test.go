package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

type delivery struct {
	header http.Header
	body   []byte
}

func TestWebhooksAreSignedAndDelivered(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []delivery
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, delivery{r.Header.Clone(), b})
		mu.Unlock()
	}))
	defer recv.Close()

	e := newEnv(t, storetest.SQLite(t))
	e.clock.Set(time.Now())
	rdb := redisBackends(t)["miniredis"](t)
	ctx := context.Background()
	hook := &rythme.Webhook{WorkspaceID: e.ws.ID, URL: recv.URL, Secret: "whsec_test", Events: []string{rythme.EventPostPublished, rythme.EventPostFailed}}
	if err := e.store.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	channel := e.account(t, "announcements", rythme.Token{AccessToken: "c"})
	if err := e.store.CreateWebhook(ctx, &rythme.Webhook{WorkspaceID: e.ws.ID, AccountID: channel.ID, Secret: "s",
		Events: []string{rythme.EventPostPublished}}); err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(worker.Config{Redis: rdb, Store: e.store, Connectors: e.reg, Logger: quiet, PollInterval: 50 * time.Millisecond,
		ReconcileInterval: 200 * time.Millisecond, AllowPrivateWebhooks: true, ShutdownTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p := e.post(t, "hello", time.Now())
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(rctx) }()
	defer func() { cancel(); <-done }()

	waitFor(t, 10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 1 })
	waitFor(t, 10*time.Second, func() bool { return len(e.conn.calls()) >= 2 }) // the post, then the channel message

	mu.Lock()
	d := got[0]
	mu.Unlock()
	if d.header.Get("Rythme-Event") != rythme.EventPostPublished {
		t.Fatalf("event header %q", d.header.Get("Rythme-Event"))
	}
	// The receiver's check: recompute the signature from t and the body.
	sig := d.header.Get(worker.SignatureHeader)
	var ts int64
	for _, part := range strings.Split(sig, ",") {
		if v, ok := strings.CutPrefix(part, "t="); ok {
			ts, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if want := worker.Sign("whsec_test", time.Unix(ts, 0), d.body); sig != want || ts == 0 {
		t.Fatalf("signature %q does not verify (want %q)", sig, want)
	}
	if worker.Sign("another secret", time.Unix(ts, 0), d.body) == sig {
		t.Fatal("the signature does not depend on the secret")
	}
	var ev rythme.Event
	if err := json.Unmarshal(d.body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != rythme.EventPostPublished || ev.Data.TargetID != p.Targets[0].ID || ev.Data.URL == "" || ev.Data.PostID != p.ID {
		t.Fatalf("event = %+v", ev)
	}
	calls := e.conn.calls()
	msg := calls[len(calls)-1]
	if !strings.Contains(msg.Text, "Published on fake") || !strings.Contains(msg.Text, ev.Data.URL) || msg.IdempotencyKey != ev.ID {
		t.Fatalf("channel message %+v", msg)
	}
}

// TestWebhookURLsCannotReachPrivateAddresses: a delivery to a URL that
// resolves to a non-public address never reaches it, and is not retried
// (asynq.SkipRetry), while an allowed one carries rythme's User-Agent.
func TestWebhookURLsCannotReachPrivateAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		ua.Store(r.UserAgent())
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	e := newEnv(t, storetest.SQLite(t))
	ctx := context.Background()
	deliver := func(url string, allow bool) error {
		t.Helper()
		hook := &rythme.Webhook{WorkspaceID: e.ws.ID, URL: url, Secret: "whsec_test", Events: []string{rythme.EventPostPublished}}
		if err := e.store.CreateWebhook(ctx, hook); err != nil {
			t.Fatal(err)
		}
		d := &worker.Deliverer{Store: e.store, Connectors: e.reg, HTTPClient: worker.GuardedClient(allow), Clock: e.clock, Logger: quiet}
		b, _ := json.Marshal(worker.DeliverPayload{WebhookID: hook.ID, Event: rythme.Event{ID: "evt_1", Type: rythme.EventPostPublished}})
		return d.ProcessTask(ctx, asynq.NewTask(worker.TypeDeliverWebhook, b))
	}
	for _, u := range []string{srv.URL + "/hook", "http://localhost:" + port + "/hook", "http://[::ffff:127.0.0.1]:" + port + "/hook",
		"http://[64:ff9b::a9fe:a9fe]:" + port + "/hook"} {
		err := deliver(u, false)
		if err == nil || !errors.Is(err, asynq.SkipRetry) || !strings.Contains(err.Error(), "non-public") {
			t.Errorf("delivery to %s: %v; want refused and not retried", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d deliveries reached a loopback receiver", n)
	}
	if err := deliver(srv.URL+"/hook", true); err != nil {
		t.Fatalf("allowed private: %v", err)
	}
	if got, _ := ua.Load().(string); got != connectors.UserAgent() || !strings.HasPrefix(got, "rythme/") {
		t.Errorf("User-Agent %q, want %q", got, connectors.UserAgent())
	}
}

func TestEventText(t *testing.T) {
	t.Parallel()
	ev := rythme.Event{Type: rythme.EventAccountNeedsReconnect, Data: rythme.EventData{Network: "x", Username: "brand", Reason: "token revoked"}}
	if s := worker.EventText(ev); !strings.Contains(s, "@brand") || !strings.Contains(s, "reconnect") || !strings.Contains(s, "token revoked") {
		t.Fatalf("text %q", s)
	}
	_ = connectors.PublishRequest{}
}
