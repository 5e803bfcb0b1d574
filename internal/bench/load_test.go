package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme/internal/bench"
)

// The load generator creates every post through POST /v1/posts with the
// token, on the account, due within the hour from -due, and counts the
// answers that fail.
func TestLoadgen(t *testing.T) {
	due := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		failEach int // every n-th request answers 500 (0: none)
		posts    int
		errors   int
	}{
		{"all created", 0, 40, 0},
		{"some fail", 4, 40, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var n int
			seen := map[string]bool{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/v1/posts" || r.Header.Get("Authorization") != "Bearer tok" {
					t.Errorf("unexpected request %s %s (auth %q)", r.Method, r.URL.Path, r.Header.Get("Authorization"))
				}
				var body struct {
					Content     string    `json:"content"`
					ScheduledAt time.Time `json:"scheduled_at"`
					Targets     []struct {
						AccountID string `json:"account_id"`
					} `json:"targets"`
				}
				if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
					t.Errorf("body: %v", err)
				}
				if len(body.Targets) != 1 || body.Targets[0].AccountID != "acc_1" {
					t.Errorf("targets %+v, want acc_1", body.Targets)
				}
				if body.ScheduledAt.Before(due) || !body.ScheduledAt.Before(due.Add(time.Hour)) {
					t.Errorf("scheduled_at %s outside [%s, +1h)", body.ScheduledAt, due)
				}
				mu.Lock()
				n++
				fail := tc.failEach > 0 && n%tc.failEach == 0
				seen[body.Content] = true
				mu.Unlock()
				if fail {
					http.Error(w, `{"error":{"code":"internal"}}`, http.StatusInternalServerError)
					return
				}
				_, _ = w.Write([]byte(`{"id":"pst_1","targets":[{"id":"tgt_1"}]}`))
			}))
			defer srv.Close()
			var out bytes.Buffer
			err := bench.Loadgen(context.Background(), bench.LoadgenOptions{URL: srv.URL, Token: "tok", Account: "acc_1",
				Posts: tc.posts, Concurrency: 3, Due: due}, &out)
			if err != nil {
				t.Fatal(err)
			}
			var r struct {
				Creates     int    `json:"creates"`
				Errors      int    `json:"errors"`
				FirstError  string `json:"first_error"`
				Concurrency int    `json:"concurrency"`
			}
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("output %q: %v", out.String(), err)
			}
			if r.Creates != tc.posts-tc.errors || r.Errors != tc.errors || r.Concurrency != 3 {
				t.Errorf("got %+v, want %d creates, %d errors, concurrency 3", r, tc.posts-tc.errors, tc.errors)
			}
			if (tc.errors > 0) != strings.Contains(r.FirstError, "500") {
				t.Errorf("first error %q with %d errors", r.FirstError, tc.errors)
			}
			if len(seen) != tc.posts {
				t.Errorf("%d distinct posts sent, want %d", len(seen), tc.posts)
			}
		})
	}
}
