package worker_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/facebook"
	"github.com/rythmehq/rythme/connectors/linkedin"
	"github.com/rythmehq/rythme/connectors/reddit"
	"github.com/rythmehq/rythme/connectors/x"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/worker"
)

// commentingX is X connected through OAuth 2.0 (as oauth2X), keeping its
// first comments.
type commentingX struct {
	connectors.Connector
	connectors.Exchanger
	connectors.SessionOpener
	connectors.Commenter
}

const (
	commentPost = "A post with a first comment"
	commentText = "First comment: the link is in here"
)

// commentNetworks are the networks of the first-comment fault matrix:
// dedupes says whether the server dedupes a retried comment, fault where
// the comment's request is (it lets the post's through).
var commentNetworks = []struct {
	name    string
	dedupes bool
	harness connectortest.Harness
	before  func(e *connectortest.Env)
	match   string
	skip    int
}{
	{name: "mastodon", dedupes: true, match: "publish", skip: 1, harness: threadNetworks[1].harness},
	{name: "mastodon-keys-ignored", dedupes: false, match: "publish", skip: 1, harness: threadNetworks[0].harness, before: threadNetworks[0].before},
	{name: "x", dedupes: false, match: "publish", skip: 1, harness: connectortest.Harness{Network: x.Name,
		New: func(base string) connectors.Connector {
			c := x.New(x.FakenetConfig(strings.TrimSuffix(base, "/"+x.Name)))
			return commentingX{c, c, c, c}
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} }}},
	{name: "bluesky", dedupes: true, match: "publish", skip: 1, harness: threadNetworks[3].harness},
	{name: "facebook", dedupes: false, match: "/comments", harness: connectortest.Harness{Network: facebook.Name,
		New: func(base string) connectors.Connector {
			return facebook.New(facebook.FakenetConfig(strings.TrimSuffix(base, "/"+facebook.Name)))
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} }}},
	{name: "linkedin", dedupes: false, match: "/comments", harness: connectortest.Harness{Network: linkedin.Name,
		New: func(base string) connectors.Connector {
			return linkedin.New(linkedin.FakenetConfig(strings.TrimSuffix(base, "/"+linkedin.Name)))
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} }}},
	{name: "reddit", dedupes: false, match: "/api/comment", harness: connectortest.Harness{Network: reddit.Name,
		New: func(base string) connectors.Connector {
			return reddit.New(reddit.FakenetConfig(strings.TrimSuffix(base, "/"+reddit.Name)))
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} }}},
}

// commentPostWith stores a post with a first comment, due now.
func (e *env) commentPostWith(t *testing.T, acct *rythme.Account) *rythme.Post {
	t.Helper()
	now := e.clock.Now()
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: e.ws.ID, Content: commentPost, FirstComment: commentText,
		ScheduledAt: now, Timezone: "UTC", Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	p.Targets = []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: e.ws.ID,
		AccountID: acct.ID, Network: acct.Network, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: now,
		CreatedAt: now, UpdatedAt: now}}
	if err := e.store.CreatePost(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// onNetwork counts what fakenet created: the post (by its text), and the
// comments under postID (any text), returning the comments' ids.
func onNetwork(fn *connectortest.Env, postID string) (posts int, comments []string) {
	for _, fp := range fn.Posts() {
		switch {
		case !fp.Created:
		case fp.Text == commentPost:
			posts++
		case fp.ReplyTo != "" && fp.ReplyTo == postID && fp.Text == commentText:
			comments = append(comments, fp.ID)
		}
	}
	return posts, comments
}

// postID is the network id of the fakenet post made for the matrix.
func postID(fn *connectortest.Env) string {
	for _, fp := range fn.Posts() {
		if fp.Created && fp.Text == commentPost {
			return fp.ID
		}
	}
	return ""
}

// TestFirstCommentFaultMatrix publishes a post with a first comment
// through the publish handler on fakenet, with a fault on the comment's
// request (5xx, 429, a timeout after it was sent, a connection reset),
// running the retries: the post is on the network once, the comment at
// most once (exactly once unless unconfirmed), the outcome is published
// with the comment stored, or unconfirmed where an unknown outcome cannot
// be retried safely, and the history says what happened.
func TestFirstCommentFaultMatrix(t *testing.T) {
	t.Parallel()
	for _, nw := range commentNetworks {
		for _, kind := range []string{"5xx", "429", "timeout", "reset"} {
			t.Run(nw.name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				fn, e, acct := startThreadEnv(t, nw.harness, nw.before)
				if got := fn.Connector.Idempotent(acct); got != nw.dedupes {
					t.Fatalf("the account's server dedupes: %v, want %v", got, nw.dedupes)
				}
				p := e.commentPostWith(t, acct)
				cell := connectortest.ThreadFault{Part: nw.skip, Kind: kind}
				f := cell.Fault(fn.Harness.Network)
				f.Match = nw.match
				fn.InjectFault(f)

				got, attempts := e.runRetries(t, p.Targets[0].ID)
				posts, comments := onNetwork(fn, postID(fn))
				t.Logf("matrix: %s %s → %s after %d attempts (%q): %d posts, comments %v", nw.name, kind, got.Status, attempts, got.LastError, posts, comments)
				if posts != 1 {
					t.Errorf("the post is on the network %d times, want 1", posts)
				}
				want := cell.Want(nw.dedupes)
				if got.Status != want {
					t.Fatalf("status %s (%q) after %d attempts, want %s", got.Status, got.LastError, attempts, want)
				}
				if len(got.Parts) != 1 || got.Parts[0].ExternalID != postID(fn) {
					t.Errorf("parts %+v: the post must be stored as part 1", got.Parts)
				}
				switch want {
				case rythme.TargetPublished:
					if len(comments) != 1 {
						t.Fatalf("%d first comments on the network, want exactly 1", len(comments))
					}
					if got.Comment == nil || got.Comment.ExternalID != comments[0] || got.ExternalID != postID(fn) {
						t.Errorf("stored comment %+v, external id %q; the network has comment %s under %s", got.Comment, got.ExternalID, comments[0], postID(fn))
					}
				case rythme.TargetUnconfirmed:
					if len(comments) != 1 { // the fault let the request act: it is out, unrecorded
						t.Errorf("%d first comments on the network, want the 1 the fault let through", len(comments))
					}
					if got.Comment != nil || !strings.Contains(got.LastError, "first comment") || !strings.Contains(got.LastError, "the post is out") {
						t.Errorf("unconfirmed with comment %+v, message %q", got.Comment, got.LastError)
					}
					if h := e.history(t, p.ID); !strings.Contains(h, "the first comment's outcome is unknown") {
						t.Errorf("history %q", h)
					}
				}
				if want == rythme.TargetPublished && !cell.Acted() {
					if h := e.history(t, p.ID); !strings.Contains(h, "retrying the comment only") || !strings.Contains(h, "resumed after the post") {
						t.Errorf("history %q", h)
					}
				}
			})
		}
	}
}

// crashingStore kills the goroutine of the publish handler (as a worker
// process that dies) in SaveTargetPart, when it is asked to store the part
// at index crashAt: before storing it (the thing is out, unrecorded), or
// right after when after is set.
type crashingStore struct {
	rythme.Store
	crashAt int
	after   bool
	once    sync.Once
}

func (s *crashingStore) SaveTargetPart(ctx context.Context, id string, p rythme.TargetPart) error {
	crash := false
	if p.Index == s.crashAt {
		s.once.Do(func() { crash = true })
	}
	if crash && !s.after {
		runtime.Goexit()
	}
	err := s.Store.SaveTargetPart(ctx, id, p)
	if crash {
		runtime.Goexit()
	}
	return err
}

// crashRun runs the handler on the target in a goroutine of its own, which
// the store may kill.
func (e *env) crashRun(t *testing.T, h *worker.PublishHandler, id string, version int) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = h.ProcessTask(context.Background(), publishTask(t, id, version))
	}()
	<-done
}

// TestFirstCommentCrash kills the worker after the post is stored and
// before its comment is sent, and after the comment is sent but before it
// is stored: the lease expires, the reconciler resolves it (a retry with
// the same keys where the server dedupes, unconfirmed where it cannot),
// a person's retry resumes after what is stored, and in every case the
// post is on the network once and the comment exactly once.
func TestFirstCommentCrash(t *testing.T) {
	t.Parallel()
	nets := []int{0, 1, 4} // mastodon, mastodon without keys, facebook
	for _, at := range []struct {
		name  string
		index int
		after bool
	}{{"after-the-post", 0, true}, {"after-the-comment", rythme.FirstCommentIndex, false}} {
		for _, ni := range nets {
			nw := commentNetworks[ni]
			t.Run(at.name+"/"+nw.name, func(t *testing.T) {
				t.Parallel()
				fn, e, acct := startThreadEnv(t, nw.harness, nw.before)
				p := e.commentPostWith(t, acct)
				id := p.Targets[0].ID
				real := e.store
				e.store = &crashingStore{Store: real, crashAt: at.index, after: at.after}
				e.crashRun(t, e.handler(), id, 1)
				e.store = real
				tg := e.target(t, id)
				if tg.Status != rythme.TargetPublishing || len(tg.Parts) != 1 || tg.Comment != nil {
					t.Fatalf("after the crash: %s with parts %+v, comment %+v; want publishing with the post stored", tg.Status, tg.Parts, tg.Comment)
				}

				// The lease expires; the reconciler resolves it.
				rdb := redisBackends(t)["miniredis"](t)
				q := worker.NewQueue(asynq.NewClientFromRedisClient(rdb), e.store, time.Hour, e.clock)
				r := &worker.Reconciler{Store: e.store, Queue: q, Redis: rdb, Connectors: e.reg, Clock: e.clock, Logger: quiet,
					Horizon: time.Hour, Batch: 100, FullLimit: 1000}
				e.clock.Set(e.clock.Now().Add(10 * time.Minute))
				if _, err := r.Run(context.Background(), false); err != nil {
					t.Fatal(err)
				}
				tg = e.target(t, id)
				if nw.dedupes {
					if tg.Status != rythme.TargetScheduled {
						t.Fatalf("after the lease: %s (%q), want scheduled (the server dedupes)", tg.Status, tg.LastError)
					}
				} else {
					if tg.Status != rythme.TargetUnconfirmed || !strings.Contains(tg.LastError, "its first comment is not recorded as out") {
						t.Fatalf("after the lease: %s (%q), want unconfirmed naming the first comment", tg.Status, tg.LastError)
					}
					_, comments := onNetwork(fn, postID(fn))
					if at.index == rythme.FirstCommentIndex {
						// It is out: the person checks the account and says so.
						if len(comments) != 1 {
							t.Fatalf("%d comments on the network after the crash, want 1", len(comments))
						}
						resolve(t, e, p.ID, id, rythme.ResolvePublished)
						if got := e.target(t, id); got.Status != rythme.TargetPublished {
							t.Fatalf("resolved published: %s", got.Status)
						}
						if posts, comments := onNetwork(fn, postID(fn)); posts != 1 || len(comments) != 1 {
							t.Errorf("on the network: %d posts, %d comments; want 1 and 1", posts, len(comments))
						}
						return
					}
					// It is not out: the person retries, which resumes after the post.
					if len(comments) != 0 {
						t.Fatalf("%d comments on the network after the crash, want 0", len(comments))
					}
					resolve(t, e, p.ID, id, rythme.ResolveRetry)
				}
				got, _ := e.runRetries(t, id)
				posts, comments := onNetwork(fn, postID(fn))
				if got.Status != rythme.TargetPublished || posts != 1 || len(comments) != 1 {
					t.Fatalf("%s (%q): %d posts, comments %v; want published, 1 post and 1 comment", got.Status, got.LastError, posts, comments)
				}
				if got.Comment == nil || got.Comment.ExternalID != comments[0] {
					t.Errorf("stored comment %+v, the network has %s", got.Comment, comments[0])
				}
			})
		}
	}
}

func resolve(t *testing.T, e *env, postID, targetID string, r rythme.Resolution) {
	t.Helper()
	_, err := e.store.UpdatePost(context.Background(), e.ws.ID, postID, func(p *rythme.Post) error {
		return p.ResolveTarget(targetID, r, e.clock.Now(), "", e.clock.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A comment out that the store cannot record makes the target
// unconfirmed after 8 tries, naming it; the outcome stores it once the
// database answers, and it is never sent again.
func TestFirstCommentThatCannotBeStored(t *testing.T) {
	t.Parallel()
	nw := commentNetworks[1]
	fn, e, acct := startThreadEnv(t, nw.harness, nw.before)
	p := e.commentPostWith(t, acct)
	fs := &failingParts{Store: e.store, fail: rythme.FirstCommentIndex}
	e.store = fs
	got, attempts := e.runRetries(t, p.Targets[0].ID)
	if got.Status != rythme.TargetUnconfirmed || attempts != 1 || fs.calls != 8 {
		t.Fatalf("%s after %d attempts and %d tries to store the comment (%q), want unconfirmed after 1 and 8", got.Status, attempts, fs.calls, got.LastError)
	}
	if !strings.Contains(got.LastError, "its first comment is out") || !strings.Contains(got.LastError, "could not be recorded") {
		t.Errorf("message %q", got.LastError)
	}
	posts, comments := onNetwork(fn, postID(fn))
	if posts != 1 || len(comments) != 1 {
		t.Fatalf("on the network: %d posts, %d comments; want 1 and 1", posts, len(comments))
	}
	if got.Comment == nil || got.Comment.ExternalID != comments[0] {
		t.Errorf("the outcome stored comment %+v, the network has %s", got.Comment, comments[0])
	}
}

// A network that refuses the comment for good fails the target, saying
// the post is out; a person's retry sends the comment only.
func TestFirstCommentRefused(t *testing.T) {
	t.Parallel()
	nw := commentNetworks[1]
	fn, e, acct := startThreadEnv(t, nw.harness, nw.before)
	p := e.commentPostWith(t, acct)
	fn.InjectFault(fakenet.Fault{Match: "publish", Kind: fakenet.FaultStatus, Status: 422, Skip: 1, Count: 1,
		Body: `{"error":"Validation failed: Text character limit of 500 exceeded"}`})
	got, attempts := e.runRetries(t, p.Targets[0].ID)
	if got.Status != rythme.TargetFailed || attempts != 1 {
		t.Fatalf("%s after %d attempts (%q), want failed after 1", got.Status, attempts, got.LastError)
	}
	if !strings.Contains(got.LastError, "first comment: the network refused it: Validation failed") || !strings.Contains(got.LastError, "the post is out (") {
		t.Errorf("message %q", got.LastError)
	}
	resolve(t, e, p.ID, p.Targets[0].ID, rythme.ResolveRetry)
	got, _ = e.runRetries(t, p.Targets[0].ID)
	posts, comments := onNetwork(fn, postID(fn))
	if got.Status != rythme.TargetPublished || posts != 1 || len(comments) != 1 {
		t.Fatalf("after a retry: %s, %d posts, %d comments; want published, 1 and 1", got.Status, posts, len(comments))
	}
}

// The first comment is in the inbox as the team's own item, once, under
// the post; the inbox poller, reading the post's replies, does not bring
// it in again.
func TestFirstCommentInInbox(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 0)
	ctx := context.Background()
	p := pe.commentPostWith(t, pe.acct)
	if err := pe.handler().ProcessTask(ctx, publishTask(t, p.Targets[0].ID, 1)); err != nil {
		t.Fatal(err)
	}
	tg := pe.target(t, p.Targets[0].ID)
	if tg.Status != rythme.TargetPublished || tg.Comment == nil {
		t.Fatalf("%s (%q), comment %+v", tg.Status, tg.LastError, tg.Comment)
	}
	items, _, err := pe.store.ListInboxItems(ctx, pe.ws.ID, rythme.InboxFilter{PostID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Fatalf("%d inbox items for the post, want 1: %+v", len(items), items)
	}
	it := items[0]
	if !it.Own || it.ExternalID != tg.Comment.ExternalID || it.Text != commentText || it.TargetID != tg.ID ||
		it.InReplyTo != tg.ExternalID || it.Status != rythme.InboxDone || it.Author.Handle != pe.acct.Username {
		t.Errorf("inbox item %+v; want the team's own comment %s under %s", it, tg.Comment.ExternalID, tg.ExternalID)
	}
	pe.advance(15 * time.Minute)
	if _, err := pe.inboxPoller().ReadAccount(ctx, pe.acct.ID); err != nil {
		t.Fatal(err)
	}
	items, _, err = pe.store.ListInboxItems(ctx, pe.ws.ID, rythme.InboxFilter{PostID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	own := 0
	for _, it := range items {
		if it.ExternalID == tg.Comment.ExternalID {
			own++
		}
	}
	if own != 1 {
		t.Errorf("the first comment is %d times in the inbox after a read, want 1", own)
	}
}
