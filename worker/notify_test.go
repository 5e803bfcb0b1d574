package worker_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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

func TestWebhookURLsCannotReachPrivateAddresses(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	_, err := worker.GuardedClient(false).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err == nil || !strings.Contains(err.Error(), "non-public") {
		t.Fatalf("POST to loopback: %v, want refused", err)
	}
	if _, err := worker.GuardedClient(true).Post(srv.URL, "application/json", strings.NewReader("{}")); err != nil {
		t.Fatalf("allowed private: %v", err)
	}
	for ip, public := range map[string]bool{"10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "::1": false, "fd00::1": false, "0.0.0.0": false, "93.184.216.34": true, "2606:4700::1111": true} {
		if got := worker.PublicIP(net.ParseIP(ip)); got != public {
			t.Errorf("PublicIP(%s) = %v, want %v", ip, got, public)
		}
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
