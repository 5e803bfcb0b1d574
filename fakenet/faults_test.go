package fakenet_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

func TestFaultStatus(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := fntest.Connect(t, e, "alice")
	if err := e.Srv.InjectFault(fakenet.Fault{Network: "mastodon", Match: "publish", Kind: fakenet.FaultStatus,
		Status: 429, RetryAfter: 7, Count: 2}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		var body map[string]string
		resp := fntest.Do(t, "POST", e.Base+"/api/v1/statuses", tok, url.Values{"status": {"x"}}, nil, &body)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || body["error"] != "Too Many Requests" {
			t.Fatalf("request %d: %d %v %v", i, resp.StatusCode, resp.Header, body)
		}
	}
	if code, _, _ := fntest.Publish(t, e, tok, "x", ""); code != 200 {
		t.Fatalf("after the count: %d", code)
	}
	if len(e.Srv.Posts()) != 1 {
		t.Fatalf("a faulted request reached the handler: %+v", e.Srv.Posts())
	}
	// Other operations are untouched; a path substring matches too.
	_ = e.Srv.InjectFault(fakenet.Fault{Network: "mastodon", Match: "/api/v2/instance", Kind: fakenet.FaultStatus, Status: 503, Body: `{"error":"down"}`})
	var body map[string]string
	if resp := fntest.Do(t, "GET", e.Base+"/api/v2/instance", "", nil, nil, &body); resp.StatusCode != 503 || body["error"] != "down" {
		t.Fatalf("path fault: %d %v", resp.StatusCode, body)
	}
	if resp := fntest.Do(t, "GET", e.Base+"/api/v1/instance", "", nil, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("v1 instance: %d", resp.StatusCode)
	}
	e.Srv.ClearFaults()
	if resp := fntest.Do(t, "GET", e.Base+"/api/v2/instance", "", nil, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("after clear: %d", resp.StatusCode)
	}
	if s := e.Srv.Stats(); s.RateLimited != 2 || s.FaultsApplied != 3 {
		t.Errorf("stats %+v", s)
	}
}

func TestFaultTimeoutActsButDoesNotAnswer(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := fntest.Connect(t, e, "alice")
	_ = e.Srv.InjectFault(fakenet.Fault{Network: "mastodon", Match: "publish", Kind: fakenet.FaultTimeout, Count: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.Base+"/api/v1/statuses", strings.NewReader("status=held"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok)
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a timeout, got %v", err)
	}
	if p := e.Srv.Posts(); len(p) != 1 || !p[0].Created || p[0].Text != "held" {
		t.Fatalf("the status must be created: %+v", p)
	}
}

func TestFaultSkipAndResetHitTheNthRequest(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := fntest.Connect(t, e, "alice")
	// The 2nd publish is reset after it was acted on; the 3rd gets a 503.
	for _, f := range []fakenet.Fault{
		{Network: "mastodon", Match: "publish", Kind: fakenet.FaultReset, Skip: 1, Count: 1},
		{Network: "mastodon", Match: "publish", Kind: fakenet.FaultStatus, Status: 503, Skip: 2, Count: 1},
	} {
		if err := e.Srv.InjectFault(f); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, _ := fntest.Publish(t, e, tok, "first", ""); code != 200 {
		t.Fatalf("1st publish: %d", code)
	}
	req, _ := http.NewRequest("POST", e.Base+"/api/v1/statuses", strings.NewReader("status=second"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("2nd publish answered %d, want the connection cut", resp.StatusCode)
	}
	if code, _, _ := fntest.Publish(t, e, tok, "third", ""); code != 503 {
		t.Fatalf("3rd publish: %d, want 503", code)
	}
	if code, _, _ := fntest.Publish(t, e, tok, "fourth", ""); code != 200 {
		t.Fatalf("4th publish: %d", code)
	}
	var texts []string
	for _, p := range e.Srv.Posts() {
		if p.Created {
			texts = append(texts, p.Text)
		}
	}
	if strings.Join(texts, ",") != "first,second,fourth" {
		t.Errorf("created %v, want the reset one created and the 503 one not", texts)
	}
	if err := e.Srv.InjectFault(fakenet.Fault{Network: "mastodon", Kind: fakenet.FaultStatus, Status: 500, Skip: -1}); err == nil {
		t.Error("a negative skip was accepted")
	}
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	_ = e.Srv.InjectFault(fakenet.Fault{Network: "mastodon", Match: "instance", Kind: fakenet.FaultLatency, DelayMS: 30, Count: 1})
	began := time.Now()
	if resp := fntest.Do(t, "GET", e.Base+"/api/v2/instance", "", nil, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if time.Since(began) < 30*time.Millisecond {
		t.Fatal("no latency added")
	}
}

func TestFaultRevokeAndIgnoreIdempotency(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	alice, bob := fntest.Connect(t, e, "alice"), fntest.Connect(t, e, "bob")
	_ = e.Srv.InjectFault(fakenet.Fault{Network: "mastodon", Kind: fakenet.FaultRevoke, User: "alice"})
	if code, _, _ := fntest.Publish(t, e, alice, "x", ""); code != 401 {
		t.Fatalf("revoked: %d", code)
	}
	if code, _, _ := fntest.Publish(t, e, bob, "x", ""); code != 200 {
		t.Fatalf("bob: %d", code)
	}
	if len(e.Srv.Stats().Requests) == 0 {
		t.Fatal("no stats")
	}

	_ = e.Srv.InjectFault(fakenet.Fault{Network: "mastodon", Match: "publish", Kind: fakenet.FaultIgnoreIdempotency})
	var inst struct {
		SourceURL string `json:"source_url"`
	}
	fntest.Do(t, "GET", e.Base+"/api/v2/instance", "", nil, nil, &inst)
	if !strings.Contains(inst.SourceURL, "gotosocial") {
		t.Fatalf("instance should look like GoToSocial: %q", inst.SourceURL)
	}
	_, a, _ := fntest.Publish(t, e, bob, "same", "k")
	_, b, _ := fntest.Publish(t, e, bob, "same", "k")
	if a.ID == b.ID {
		t.Fatal("ignore_idempotency: the key deduplicated")
	}
}

func TestControlEndpoints(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := fntest.Connect(t, e, "alice")
	resp, err := http.Post(e.HTTP.URL+"/_fakenet/faults", "application/json",
		strings.NewReader(`{"network":"mastodon","match":"publish","kind":"status","status":500,"count":1}`))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("POST faults: %v %v", err, resp)
	}
	resp.Body.Close()
	if code, _, _ := fntest.Publish(t, e, tok, "x", ""); code != 500 {
		t.Fatalf("fault via HTTP: %d", code)
	}
	fntest.Publish(t, e, tok, "kept", "k1")
	var posts []fakenet.Post
	fntest.Do(t, "GET", e.HTTP.URL+"/_fakenet/posts", "", nil, nil, &posts)
	if len(posts) != 1 || posts[0].Text != "kept" || posts[0].IdempotencyKey != "k1" {
		t.Fatalf("posts %+v", posts)
	}
	var raw []map[string]any
	fntest.Do(t, "GET", e.HTTP.URL+"/_fakenet/posts?network=mastodon&account=alice", "", nil, nil, &raw)
	if ts, _ := raw[0]["received_at"].(string); ts == "" {
		t.Fatalf("received_at missing: %v", raw)
	} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		t.Fatalf("received_at %q: %v", ts, err)
	}
	var st fakenet.Stats
	fntest.Do(t, "GET", e.HTTP.URL+"/_fakenet/stats", "", nil, nil, &st)
	if st.Operations["mastodon.publish"] != 2 || st.FaultsApplied != 1 {
		t.Fatalf("stats %+v", st)
	}
	for _, bad := range []string{`{"network":"nope","kind":"status","status":500}`, `{"network":"mastodon","kind":"explode"}`, `{`} {
		resp, _ := http.Post(e.HTTP.URL+"/_fakenet/faults", "application/json", strings.NewReader(bad))
		if resp.StatusCode < 400 {
			t.Errorf("fault %s accepted", bad)
		}
		resp.Body.Close()
	}
	if resp := fntest.Do(t, "DELETE", e.HTTP.URL+"/_fakenet/faults", "", nil, nil, nil); resp.StatusCode != 204 {
		t.Fatalf("DELETE faults: %d", resp.StatusCode)
	}
	if resp := fntest.Do(t, "POST", e.HTTP.URL+"/_fakenet/reset", "", nil, nil, nil); resp.StatusCode != 204 {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	if len(e.Srv.Posts()) != 0 || len(e.Srv.Stats().Requests) != 0 {
		t.Fatal("reset kept state")
	}
	if code, _, _ := fntest.Publish(t, e, tok, "x", ""); code != 401 {
		t.Fatalf("tokens survive a reset: %d", code)
	}
	var index map[string]any
	fntest.Do(t, "GET", e.HTTP.URL+"/", "", nil, nil, &index)
	if b, _ := json.Marshal(index); !strings.Contains(string(b), e.Base) {
		t.Fatalf("index %s", b)
	}
}

func TestEngagementDeterministic(t *testing.T) {
	t.Parallel()
	run := func(seed int64) []int64 {
		e := fntest.Start(t, fakenet.Config{Seed: seed})
		tok := fntest.Connect(t, e, "alice")
		var ids []string
		for range 3 {
			_, st, _ := fntest.Publish(t, e, tok, "post", "")
			ids = append(ids, st.ID)
		}
		var out []int64
		for _, step := range []time.Duration{0, time.Hour, 24 * time.Hour} {
			e.Clock.Advance(step)
			for _, id := range ids {
				var st fntest.Status
				fntest.Do(t, "GET", e.Base+"/api/v1/statuses/"+id, tok, nil, nil, &st)
				out = append(out, st.FavouritesCount, st.RepliesCount, st.ReblogsCount, st.Account.FollowersCount)
			}
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	if len(a) != 36 {
		t.Fatalf("got %d numbers", len(a))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, same clock, different numbers: %v vs %v", a, b)
		}
	}
	if a[0] != 0 || a[24] < 5 {
		t.Errorf("favourites should start at 0 and reach at least 5 after a day: %v", a)
	}
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("another seed gave the same numbers")
	}
}

func TestEngagementGrows(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"1", "2", "113000000000000042"} {
		prev := fakenet.EngagementAt(7, "mastodon", id, 0)
		if prev != (fakenet.Engagement{}) {
			t.Fatalf("%s: nonzero at age 0: %+v", id, prev)
		}
		for age := time.Minute; age < 72*time.Hour; age *= 2 {
			e := fakenet.EngagementAt(7, "mastodon", id, age)
			if e.Favourites < prev.Favourites || e.Replies < prev.Replies || e.Reblogs < prev.Reblogs {
				t.Fatalf("%s: engagement fell at %v: %+v < %+v", id, age, e, prev)
			}
			prev = e
		}
		if prev.Favourites < 5 {
			t.Errorf("%s: too little engagement after days: %+v", id, prev)
		}
	}
}
