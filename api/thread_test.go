package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestThreads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	post := func(thread []string) *response {
		return e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "1/3 A thread",
			"scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}},
			"thread": thread})
	}
	if res := post([]string{"2/3"}); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("thread") {
		t.Fatalf("a thread to a network without threads: %d %s", res.Status, res.Body)
	}
	e.fake.info.Threads = true
	if res := post([]string{"2/3", strings.Repeat("x", 101)}); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("thread[1]") {
		t.Fatalf("a part over the network's limit: %d %s", res.Status, res.Body)
	}
	if res := post([]string{"2/3", " "}); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("thread[1]") {
		t.Fatalf("an empty part: %d %s", res.Status, res.Body)
	}
	res := post([]string{"2/3", "3/3"})
	expect(t, res, http.StatusCreated)
	var p struct {
		ID     string   `json:"id"`
		Thread []string `json:"thread"`
	}
	res.decode(t, &p)
	if len(p.Thread) != 2 || p.Thread[1] != "3/3" {
		t.Fatalf("thread = %v", p.Thread)
	}
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{"thread": []string{"only part two"}})
	expect(t, res, http.StatusOK)
	res.decode(t, &p)
	if len(p.Thread) != 1 {
		t.Fatalf("edited thread = %v", p.Thread)
	}
}

// A thread partly on the network: the target shows its parts, an edit of
// what it says answers 409 naming them, a cancel records what remains on
// the network in the history.
func TestThreadPartlyOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	e.fake.info.Threads = true
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "1/3 A thread",
		"scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}},
		"thread": []string{"2/3", "3/3"}})
	expect(t, res, http.StatusCreated)
	var p struct {
		ID      string `json:"id"`
		Targets []struct {
			ID    string `json:"id"`
			Parts []struct {
				Index      int    `json:"index"`
				ExternalID string `json:"external_id"`
				URL        string `json:"url"`
			} `json:"parts"`
		} `json:"targets"`
	}
	res.decode(t, &p)
	tid := p.Targets[0].ID

	// What the worker does when part 2 gets a 503: part 1 is stored, the
	// target goes back to scheduled.
	ctx := context.Background()
	now := e.clock.Now()
	if _, err := e.store.ClaimTarget(ctx, tid, 1, now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SaveTargetPart(ctx, tid, rythme.TargetPart{Index: 0, ExternalID: "101", URL: "https://m.example/101", PublishedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.FinishTarget(ctx, tid, 1, rythme.Outcome{Status: rythme.TargetScheduled, Error: "part 2 of 3: retrying", At: now,
		Event: "part 2 of 3 failed (HTTP 503); part 1 out (https://m.example/101); retrying from part 2"}); err != nil {
		t.Fatal(err)
	}

	res = e.as(rythme.RoleViewer, "GET", "/v1/posts/"+p.ID, nil)
	expect(t, res, http.StatusOK)
	res.decode(t, &p)
	if parts := p.Targets[0].Parts; len(parts) != 1 || parts[0].Index != 0 || parts[0].ExternalID != "101" || parts[0].URL != "https://m.example/101" {
		t.Fatalf("target parts %+v", parts)
	}
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{"thread": []string{"2/3 reworded", "3/3"}})
	expect(t, res, http.StatusConflict)
	if !strings.Contains(string(res.Body), "part 1 out (https://m.example/101)") {
		t.Errorf("409 does not name the parts out: %s", res.Body)
	}
	res = e.as(rythme.RoleEditor, "DELETE", "/v1/posts/"+p.ID, nil)
	expect(t, res, http.StatusOK)
	res = e.as(rythme.RoleViewer, "GET", "/v1/posts/"+p.ID+"/history", nil)
	expect(t, res, http.StatusOK)
	for _, want := range []string{"part 2 of 3 failed (HTTP 503)", `"actor":"rythme"`, `"action":"cancelled"`, tid + ": part 1 out (https://m.example/101) remain on the network"} {
		if !strings.Contains(string(res.Body), want) {
			t.Errorf("history lacks %q: %s", want, res.Body)
		}
	}
}
