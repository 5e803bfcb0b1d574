package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/bluesky"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/connectors/x"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// oauth2X hides X's direct connect (OAuth 1.0a keys): the matrix connects
// through OAuth 2.0, as most accounts do.
type oauth2X struct {
	connectors.Connector
	connectors.Exchanger
	connectors.SessionOpener
}

// threadNetworks are the networks of the thread fault matrix; dedupes
// says whether the server dedupes a retried part.
var threadNetworks = []struct {
	name    string
	dedupes bool
	harness connectortest.Harness
	// before runs before the account connects (GoToSocial-like Mastodon).
	before func(e *connectortest.Env)
}{
	{name: "mastodon-keys-ignored", dedupes: false,
		harness: connectortest.Harness{Network: mastodon.Name,
			New:    func(string) connectors.Connector { return mastodon.New() },
			Params: func(base string) connectors.ConnectParams { return connectors.ConnectParams{"instance_url": base} }},
		before: func(e *connectortest.Env) {
			e.InjectFault(fakenet.Fault{Kind: fakenet.FaultIgnoreIdempotency})
		}},
	{name: "mastodon", dedupes: true, // honours Idempotency-Key per part
		harness: connectortest.Harness{Network: mastodon.Name,
			New:    func(string) connectors.Connector { return mastodon.New() },
			Params: func(base string) connectors.ConnectParams { return connectors.ConnectParams{"instance_url": base} }}},
	{name: "x", dedupes: false,
		harness: connectortest.Harness{Network: x.Name,
			New: func(base string) connectors.Connector {
				c := x.New(x.FakenetConfig(strings.TrimSuffix(base, "/"+x.Name)))
				return oauth2X{c, c, c}
			},
			Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} }}},
	{name: "bluesky", dedupes: true,
		harness: connectortest.Harness{Network: bluesky.Name,
			New: func(base string) connectors.Connector {
				return bluesky.New(bluesky.Config{ServiceURL: base, AppURL: base})
			},
			Params: func(base string) connectors.ConnectParams { return connectors.ConnectParams{"service_url": base} },
			Direct: func(e *connectortest.Env, user string) connectors.ConnectParams {
				id, pw, _ := e.Fake.BlueskyAppPassword(user)
				return connectors.ConnectParams{"identifier": id, "app_password": pw, "service_url": e.Base}
			}}},
}

// TestThreadFaultMatrix publishes a 3-part thread through the publish
// handler on fakenet, with a fault on each part in turn (5xx, 429, a
// timeout after the request was sent, a connection reset), running the
// retries: no part is ever on the network twice, the parts out are
// stored, the outcome is published (or unconfirmed where an unknown
// outcome cannot be retried safely), and the history says what happened.
func TestThreadFaultMatrix(t *testing.T) {
	t.Parallel()
	for _, nw := range threadNetworks {
		for _, cell := range connectortest.ThreadFaultMatrix() {
			t.Run(nw.name+"/"+cell.Name(), func(t *testing.T) {
				t.Parallel()
				fn, e, acct := startThreadEnv(t, nw.harness, nw.before)
				if got := fn.Connector.Idempotent(acct); got != nw.dedupes {
					t.Fatalf("the account's server dedupes: %v, want %v", got, nw.dedupes)
				}
				p := e.thread(t, acct, connectortest.ThreadParts)
				tg := p.Targets[0]
				fn.InjectFault(cell.Fault(fn.Harness.Network))

				got, attempts := e.runRetries(t, tg.ID)

				// 0 duplicated parts: each text created at most once, and
				// only those that may be out.
				created := map[string]int{}
				ids := map[string]string{}
				for _, fp := range fn.Posts() {
					if fp.Created {
						created[fp.Text]++
						ids[fp.Text] = fp.ID
					}
				}
				for i, text := range connectortest.ThreadParts {
					want := 1
					if got.Status == rythme.TargetUnconfirmed && i > cell.Part {
						want = 0 // never sent after an unknown outcome
					}
					if created[text] != want {
						t.Errorf("part %d is on the network %d times, want %d (status %s: %s)", i+1, created[text], want, got.Status, got.LastError)
					}
				}

				t.Logf("matrix: %s %s → %s after %d attempts, %d parts stored, created %v", nw.name, cell.Name(), got.Status, attempts, len(got.Parts), created)
				if want := cell.Want(nw.dedupes); got.Status != want {
					t.Fatalf("status %s (%q) after %d attempts, want %s", got.Status, got.LastError, attempts, want)
				}
				wantParts := len(connectortest.ThreadParts)
				if got.Status == rythme.TargetUnconfirmed {
					wantParts = cell.Part
				}
				if len(got.Parts) != wantParts {
					t.Fatalf("parts stored %+v, want %d", got.Parts, wantParts)
				}
				for i, part := range got.Parts {
					if part.Index != i || part.ExternalID != ids[connectortest.ThreadParts[i]] {
						t.Errorf("part %d stored as %+v, the network has %q", i+1, part, ids[connectortest.ThreadParts[i]])
					}
				}
				if got.Status == rythme.TargetPublished && got.ExternalID != got.Parts[0].ExternalID {
					t.Errorf("published as %q, want the first part %q", got.ExternalID, got.Parts[0].ExternalID)
				}

				history := e.history(t, p.ID)
				for _, want := range expectedHistory(cell, nw.dedupes) {
					if !strings.Contains(history, want) {
						t.Errorf("history %q lacks %q", history, want)
					}
				}
				if got.Status == rythme.TargetUnconfirmed && cell.Part > 0 && !strings.Contains(got.LastError, fmt.Sprintf("part %d of 3", cell.Part+1)) {
					t.Errorf("unconfirmed message %q does not name the part", got.LastError)
				}
			})
		}
	}
}

// startThreadEnv starts fakenet for h, runs before (if any), and connects
// alice in a fresh workspace of an SQLite store.
func startThreadEnv(t *testing.T, h connectortest.Harness, before func(*connectortest.Env)) (*connectortest.Env, *env, *rythme.Account) {
	t.Helper()
	fn := connectortest.Start(t, h)
	if before != nil {
		before(fn)
	}
	e := newEnv(t, storetest.SQLite(t))
	e.reg = connectors.NewRegistry(fn.Connector)
	e.clock.Set(fn.Clock.Now())
	acct := fn.Connect("alice").Account
	acct.ID, acct.WorkspaceID = "", e.ws.ID
	if err := e.store.UpsertAccount(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	return fn, e, acct
}

// runRetries runs the publish handler on the target as asynq would retry
// it (at most 5 attempts), and returns it with the attempts made.
func (e *env) runRetries(t *testing.T, id string) (*rythme.Target, int) {
	t.Helper()
	h := e.handler()
	h.PublishTimeout = 2 * time.Second // a timeout fault waits it out
	attempts := 0
	for cur := e.target(t, id); cur.Status == rythme.TargetScheduled && attempts < 5; cur = e.target(t, id) {
		attempts++
		_ = h.ProcessTask(context.Background(), publishTask(t, id, cur.Version))
	}
	return e.target(t, id), attempts
}

// A person resolves an unconfirmed thread: retry resumes after the parts
// stored (never the first post again), published keeps them.
func TestResolveUnconfirmedThread(t *testing.T) {
	t.Parallel()
	gts := threadNetworks[0]
	for _, outcome := range []rythme.Resolution{rythme.ResolveRetry, rythme.ResolvePublished} {
		t.Run(string(outcome), func(t *testing.T) {
			t.Parallel()
			fn, e, acct := startThreadEnv(t, gts.harness, gts.before)
			p := e.thread(t, acct, connectortest.ThreadParts)
			tg := p.Targets[0]
			fn.InjectFault(connectortest.ThreadFault{Part: 1, Kind: "reset"}.Fault(fn.Harness.Network))
			if got, _ := e.runRetries(t, tg.ID); got.Status != rythme.TargetUnconfirmed || len(got.Parts) != 1 {
				t.Fatalf("after a reset of part 2: %s with %d parts", got.Status, len(got.Parts))
			}
			_, err := e.store.UpdatePost(context.Background(), e.ws.ID, p.ID, func(p *rythme.Post) error {
				return p.ResolveTarget(tg.ID, outcome, e.clock.Now(), "", e.clock.Now())
			})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := e.runRetries(t, tg.ID)
			created := map[string]int{}
			for _, fp := range fn.Posts() {
				if fp.Created {
					created[fp.Text]++
				}
			}
			if created[connectortest.ThreadParts[0]] != 1 {
				t.Errorf("the first post is on the network %d times", created[connectortest.ThreadParts[0]])
			}
			if got.Status != rythme.TargetPublished || got.ExternalID != got.Parts[0].ExternalID {
				t.Fatalf("resolved %s: %s %q, external id %q", outcome, got.Status, got.LastError, got.ExternalID)
			}
			switch outcome {
			case rythme.ResolveRetry:
				// The person's word: part 2 is not out. It is sent again
				// (fakenet did create it), then part 3.
				if len(got.Parts) != 3 || created[connectortest.ThreadParts[2]] != 1 {
					t.Errorf("retry: parts %+v, created %v", got.Parts, created)
				}
				if h := e.history(t, p.ID); !strings.Contains(h, "resumed from part 2 of 3") {
					t.Errorf("history %q", h)
				}
			case rythme.ResolvePublished:
				if len(got.Parts) != 1 || created[connectortest.ThreadParts[2]] != 0 {
					t.Errorf("published: parts %+v, created %v", got.Parts, created)
				}
			}
		})
	}
}

// expectedHistory is what the post's history must say for a cell.
func expectedHistory(cell connectortest.ThreadFault, dedupes bool) []string {
	part := fmt.Sprintf("part %d of 3", cell.Part+1)
	if cell.Want(dedupes) == rythme.TargetUnconfirmed {
		return []string{"unconfirmed: " + part + "'s outcome unknown"}
	}
	status := map[string]string{"5xx": "HTTP 503", "429": "HTTP 429", "timeout": "unknown_outcome", "reset": "unknown_outcome"}[cell.Kind]
	out := []string{fmt.Sprintf("%s failed (%s)", part, status), fmt.Sprintf("retrying from part %d", cell.Part+1)}
	if cell.Part > 0 {
		out = append(out, fmt.Sprintf("resumed from part %d of 3", cell.Part+1))
	}
	return out
}

// thread stores a post with parts (the first its content) due now.
func (e *env) thread(t *testing.T, acct *rythme.Account, parts []string) *rythme.Post {
	t.Helper()
	now := e.clock.Now()
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: e.ws.ID, Content: parts[0], Thread: parts[1:],
		ScheduledAt: now, Timezone: "UTC", Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	p.Targets = []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: e.ws.ID,
		AccountID: acct.ID, Network: acct.Network, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: now,
		CreatedAt: now, UpdatedAt: now}}
	if err := e.store.CreatePost(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// history is the post's history, one event a line.
func (e *env) history(t *testing.T, postID string) string {
	t.Helper()
	evs, err := e.store.PostEvents(context.Background(), e.ws.ID, postID)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "%s %s: %s\n", ev.Actor, ev.Action, ev.Comment)
	}
	return b.String()
}

// A thread's second part is a reply to its first, and networks count it in
// the first's replies: the poller takes it off, so comments are other
// people's replies only.
func TestThreadOwnReplyIsNotAComment(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 0)
	ctx := context.Background()
	p := pe.thread(t, pe.acct, []string{"1/3 a thread", "2/3 goes on", "3/3 ends"})
	if err := pe.handler().ProcessTask(ctx, publishTask(t, p.Targets[0].ID, 1)); err != nil {
		t.Fatal(err)
	}
	tg := pe.target(t, p.Targets[0].ID)
	if tg.Status != rythme.TargetPublished || len(tg.Parts) != 3 {
		t.Fatalf("thread: %s %q, %d parts", tg.Status, tg.LastError, len(tg.Parts))
	}
	pe.advance(15 * time.Minute)
	if n, err := pe.poll(t); n != 1 || err != nil {
		t.Fatalf("poll: %d due, %v", n, err)
	}
	snaps, err := pe.store.Snapshots(ctx, pe.ws.ID, pe.clock.Now().Add(-time.Hour), pe.clock.Now())
	if err != nil || len(snaps) != 1 || snaps[0].Metrics.Comments == nil {
		t.Fatalf("snapshots %+v, %v", snaps, err)
	}
	// What the network says: its replies_count includes part 2.
	var st struct {
		RepliesCount int64 `json:"replies_count"`
	}
	resp, err := http.Get(pe.fn.Base + "/api/v1/statuses/" + tg.ExternalID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.RepliesCount < 1 {
		t.Fatalf("the network counts %d replies (%v); part 2 is one", st.RepliesCount, err)
	}
	onNetwork := st.RepliesCount
	if got := *snaps[0].Metrics.Comments; got != onNetwork-1 {
		t.Errorf("comments %d, want the network's %d minus the thread's own reply", got, onNetwork)
	}
}

// failingParts is a store whose SaveTargetPart fails for part index fail.
type failingParts struct {
	rythme.Store
	fail  int
	calls int
}

func (s *failingParts) SaveTargetPart(ctx context.Context, id string, p rythme.TargetPart) error {
	if p.Index == s.fail {
		s.calls++
		return rythme.Errorf(rythme.EUNAVAILABLE, "the database is unavailable")
	}
	return s.Store.SaveTargetPart(ctx, id, p)
}

// A part that is out but cannot be stored stops the thread there: the
// target is unconfirmed naming that part, nothing is sent after it, and
// the outcome stores it once the database answers again.
func TestThreadPartThatCannotBeStored(t *testing.T) {
	t.Parallel()
	gts := threadNetworks[0]
	fn, e, acct := startThreadEnv(t, gts.harness, gts.before)
	p := e.thread(t, acct, connectortest.ThreadParts)
	fs := &failingParts{Store: e.store, fail: 1}
	e.store = fs
	got, attempts := e.runRetries(t, p.Targets[0].ID)
	if got.Status != rythme.TargetUnconfirmed || attempts != 1 {
		t.Fatalf("%s after %d attempts (%q), want unconfirmed after 1", got.Status, attempts, got.LastError)
	}
	if fs.calls != 8 {
		t.Errorf("tried to store part 2 %d times, want 8", fs.calls)
	}
	if !strings.Contains(got.LastError, "part 2 of 3 is out but could not be recorded") || !strings.Contains(got.LastError, "parts 1–2 out") {
		t.Errorf("message %q", got.LastError)
	}
	if len(got.Parts) != 2 {
		t.Errorf("parts %+v: the outcome must store the part the callback could not", got.Parts)
	}
	created := 0
	for _, fp := range fn.Posts() {
		if fp.Created {
			created++
		}
	}
	if created != 2 {
		t.Errorf("%d posts on the network, want 2 (nothing after the part that could not be stored)", created)
	}
}

// A permanent refusal of a later part fails the target, saying which parts
// are on the network (a person must know), and never retries.
func TestThreadPartRefused(t *testing.T) {
	t.Parallel()
	fn, e, acct := startThreadEnv(t, threadNetworks[0].harness, threadNetworks[0].before)
	p := e.thread(t, acct, connectortest.ThreadParts)
	fn.InjectFault(fakenet.Fault{Match: "publish", Kind: fakenet.FaultStatus, Status: 422, Skip: 2, Count: 1,
		Body: `{"error":"Validation failed: Text character limit of 500 exceeded"}`})
	got, attempts := e.runRetries(t, p.Targets[0].ID)
	if got.Status != rythme.TargetFailed || attempts != 1 || len(got.Parts) != 2 {
		t.Fatalf("%s after %d attempts with %d parts (%q), want failed after 1 with 2 parts", got.Status, attempts, len(got.Parts), got.LastError)
	}
	if !strings.Contains(got.LastError, "part 3 of 3: the network refused the post: Validation failed") || !strings.Contains(got.LastError, "parts 1–2 out") {
		t.Errorf("message %q", got.LastError)
	}
	if h := e.history(t, p.ID); !strings.Contains(h, "part 3 of 3 failed (HTTP 422); parts 1–2 out (") || !strings.Contains(h, "remain on the network") {
		t.Errorf("history %q", h)
	}
}
