package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/worker"
)

// replyOnFakenet writes a reply by user to the account's published post on
// fakenet's Mastodon, through its API, and returns its id.
func (pe *pollEnv) replyOnFakenet(t *testing.T, user, text string) string {
	t.Helper()
	due, err := pe.store.ReadTargets(context.Background(), pe.acct.ID, 0)
	if err != nil || len(due) == 0 {
		t.Fatalf("published posts: %d %v", len(due), err)
	}
	tok := pe.fn.Connect(user).Account.Token.AccessToken
	req, _ := http.NewRequest("POST", pe.fn.Base+"/api/v1/statuses", strings.NewReader(url.Values{"status": {text},
		"in_reply_to_id": {due[0].ExternalID}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
		t.Fatalf("reply: %d %v", resp.StatusCode, err)
	}
	return st.ID
}

// eventually polls cond every 20 ms for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestInboxStreamBringsAReplyWithoutAPoll: with the stream open, a reply
// written on fakenet reaches the inbox, under its post, without any read
// of the account (the poll interval plays no part); the sweep then reads
// the account once per StreamedPoll only, and every sweep again once the
// stream is down.
func TestInboxStreamBringsAReplyWithoutAPoll(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 1)
	rdb := redisBackends(t)["miniredis"](t)
	ip := pe.inboxPoller()
	ip.Redis = rdb
	ip.Client = asynq.NewClientFromRedisClient(rdb)
	ip.Inspector = asynq.NewInspectorFromRedisClient(rdb)
	streams := &worker.InboxStreams{Poller: ip, Redis: rdb, Logger: quiet, Scan: 50 * time.Millisecond}
	ip.Streams = streams
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); streams.Run(ctx) }()
	defer func() { cancel(); <-done }()
	eventually(t, "stream open", func() bool { return streams.Live(ctx, pe.acct.ID) })
	// Opening read once what came while it was down: nothing yet.
	reads, mentions := pe.requests("context"), pe.requests("notifications")
	if reads != 1 || mentions != 1 {
		t.Fatalf("%d context and %d notifications requests on opening, want one read", reads, mentions)
	}

	id := pe.replyOnFakenet(t, "bob", "@alice when is the next one?")
	var got *rythme.InboxItem
	eventually(t, "the reply in the inbox", func() bool {
		items, _, err := pe.store.ListInboxItems(ctx, pe.ws.ID, rythme.InboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.ExternalID == id {
				got = it
			}
		}
		return got != nil
	})
	due, _ := pe.store.ReadTargets(ctx, pe.acct.ID, 0)
	if got.Kind != rythme.InboxComment || got.TargetID != due[0].TargetID || got.PostID == "" || got.Author.Handle != "bob" ||
		got.Text != "@alice when is the next one?" || got.Status != rythme.InboxNew {
		t.Fatalf("item %+v", got)
	}
	if pe.requests("context") != reads || pe.requests("notifications") != mentions {
		t.Fatalf("the account was read (%d context, %d notifications requests): the reply came by a poll",
			pe.requests("context"), pe.requests("notifications"))
	}
	// A poll that reads it again stores it once.
	if again, err := ip.ReadAccount(ctx, pe.acct.ID); err != nil || len(again) != 0 {
		t.Fatalf("a read after the stream stored %d again (%v)", len(again), err)
	}

	// While the stream is up, the sweep reads the account once per
	// StreamedPoll (the first now), not every sweep.
	if n, err := ip.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("first sweep: %d %v", n, err)
	}
	if err := ip.Inspector.DeleteTask(worker.MetricsQueue, worker.InboxTaskID(pe.acct.ID)); err != nil {
		t.Fatal(err)
	}
	if n, err := ip.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("a sweep while the stream is up: %d reads, %v", n, err)
	}
	// The stream down, the sweep reads the account again.
	cancel()
	<-done
	if streams.Live(context.Background(), pe.acct.ID) {
		t.Fatal("still live after the worker stopped")
	}
	if n, err := ip.Sweep(context.Background()); err != nil || n != 1 {
		t.Fatalf("a sweep with the stream down: %d reads, %v", n, err)
	}
}

// TestInboxStreamOneOwnerAcrossWorkers: two workers share one stream per
// account through the Redis lease; when the owner stops, the other takes
// it at its next scan.
func TestInboxStreamOneOwnerAcrossWorkers(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 1)
	rdb := redisBackends(t)["miniredis"](t)
	newStreams := func() *worker.InboxStreams {
		ip := pe.inboxPoller()
		ip.Redis = rdb
		return &worker.InboxStreams{Poller: ip, Redis: rdb, Logger: quiet, Scan: time.Hour}
	}
	a, b := newStreams(), newStreams()
	ctxA, stopA := context.WithCancel(context.Background())
	defer stopA()
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	if err := a.ScanOnce(ctxA); err != nil {
		t.Fatal(err)
	}
	if err := b.ScanOnce(ctxB); err != nil {
		t.Fatal(err)
	}
	if a.Owned() != 1 || b.Owned() != 0 {
		t.Fatalf("owned: a %d, b %d", a.Owned(), b.Owned())
	}
	eventually(t, "stream open", func() bool { return a.Live(ctxA, pe.acct.ID) })
	if err := b.ScanOnce(ctxB); err != nil || b.Owned() != 0 {
		t.Fatalf("b took a held stream: %d %v", b.Owned(), err)
	}
	if got := pe.requests("streaming"); got != 1 {
		t.Fatalf("%d streams opened on fakenet, want 1", got)
	}
	stopA()
	eventually(t, "a lets go", func() bool { return a.Owned() == 0 })
	if err := b.ScanOnce(ctxB); err != nil || b.Owned() != 1 {
		t.Fatalf("b after a stopped: %d %v", b.Owned(), err)
	}
	eventually(t, "b's stream open", func() bool { return b.Live(ctxB, pe.acct.ID) })
	if got := pe.requests("streaming"); got != 2 {
		t.Fatalf("%d streams opened on fakenet, want 2", got)
	}
}

// TestInboxStreamLeaseExpiresAndIsLost: a lease held by a worker that died
// (never renewed) is taken once its TTL is past; a worker that finds its
// lease taken (Redis wiped and another worker in) closes its stream.
func TestInboxStreamLeaseExpiresAndIsLost(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 1)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	ip := pe.inboxPoller()
	ip.Redis = rdb
	s := &worker.InboxStreams{Poller: ip, Redis: rdb, Logger: quiet, Scan: time.Hour, Lease: 300 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	key := "rythme:inbox:stream:" + pe.acct.ID
	// A dead worker's lease.
	if err := rdb.Set(ctx, key, "a-dead-worker", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.ScanOnce(ctx); err != nil || s.Owned() != 0 {
		t.Fatalf("took a held lease: %d %v", s.Owned(), err)
	}
	mr.FastForward(time.Second)
	if err := s.ScanOnce(ctx); err != nil || s.Owned() != 1 {
		t.Fatalf("after the dead worker's lease expired: %d %v", s.Owned(), err)
	}
	eventually(t, "stream open", func() bool { return s.Live(ctx, pe.acct.ID) })
	// Another worker holds it now: the renewal finds out and the stream
	// closes.
	if err := rdb.Set(ctx, key, "another-worker", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stream let go", func() bool { return s.Owned() == 0 })
	if v, _ := rdb.Get(ctx, key).Result(); v != "another-worker" {
		t.Fatalf("the lease is %q after letting go, want the other worker's", v)
	}
}
