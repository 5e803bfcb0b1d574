package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/worker"
)

// recorder is the fake network that a worker publishes to in these tests.
type recorder struct {
	*fakeConnector
	mu    sync.Mutex
	texts []string
}

func (r *recorder) Publish(_ context.Context, _ *rythme.Account, _ *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.texts = append(r.texts, req.Text)
	return &connectors.Published{ExternalID: req.IdempotencyKey}, nil
}

func (r *recorder) published() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.texts...)
}

// workerClock gives the API's test clock to a worker.
type workerClock struct{ c *clock }

func (w workerClock) Now() time.Time                                   { return w.c.Now() }
func (w workerClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// runTasks hands every task the API queued to a real publish handler, in
// the order queued, with the clock at each one's time.
func runTasks(t *testing.T, e *env, reg *connectors.Registry, refs []rythme.TargetRef) {
	t.Helper()
	h := &worker.PublishHandler{Store: e.store, Connectors: reg, HTTPClient: http.DefaultClient, Clock: workerClock{e.clock},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Lease: time.Minute, PublishTimeout: 5 * time.Second,
		RedirectURI: func(n string) string { return "https://rythme.test/v1/oauth/" + n + "/callback" }, Apps: e.store}
	for _, ref := range refs {
		if d := ref.ScheduledAt.Sub(e.clock.Now()); d > 0 {
			e.clock.Add(d)
		}
		b, _ := json.Marshal(worker.PublishPayload{TargetID: ref.ID, Version: ref.Version})
		if err := h.ProcessTask(context.Background(), asynq.NewTask(worker.TypePublish, b)); err != nil {
			t.Fatalf("task %s v%d: %v", ref.ID, ref.Version, err)
		}
	}
}

// TestCampaignEditWhileQueued: a themed week is edited while the queue
// holds its posts' tasks; the posts follow the new plan in place, removed
// items are cancelled, new ones made, and only the new versions publish.
func TestCampaignEditWhileQueued(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{fakeConnector: &fakeConnector{info: rythme.Network{Name: "fakenet", Title: "Fakenet", Auth: "oauth2",
				MaxLength: 100, IdempotencyKey: true},
				oauth2Config: func(context.Context, connectors.ConnectParams, string, connectors.Apps) (*oauth2.Config, error) {
					return &oauth2.Config{ClientID: "rythme", Endpoint: oauth2.Endpoint{TokenURL: "https://fake.example/token"}}, nil
				}}}
			reg := connectors.NewRegistry(rec)
			e := newEnv(t, b.open(t), func(c *api.Config) { c.Connectors = reg })
			// Monday 2027-03-22 08:00 UTC: the week starts today in Paris.
			e.clock.now = utc("2027-03-22T08:00:00Z")
			acc := e.account(e.ws, "brand", rythme.AccountConnected)
			other := e.account(e.ws, "second", rythme.AccountConnected)
			item := func(at, content string, accs ...*rythme.Account) map[string]any {
				var ids []string
				for _, a := range accs {
					ids = append(ids, a.ID)
				}
				return map[string]any{"time": at, "content": content, "targets": ids}
			}
			res := e.as(rythme.RoleEditor, "POST", "/v1/campaigns", map[string]any{"name": "Spring week", "first_day": "2027-03-22", "zone": "Europe/Paris",
				"days": []map[string]any{
					{"offset": 0, "items": []map[string]any{item("09:30", "Day one", acc)}},
					{"offset": 1, "items": []map[string]any{item("12:00", "Day two", acc)}},
					{"offset": 6, "items": []map[string]any{item("02:30", "Sunday night", acc)}},
				}})
			expect(t, res, http.StatusCreated)
			var camp struct {
				campaignOut
				Adjustments []struct {
					Field, Local, Resolution string
				} `json:"adjustments"`
			}
			res.decode(t, &camp)
			// 02:30 on 28 March does not exist in Paris: reported.
			if len(camp.Adjustments) != 1 || camp.Adjustments[0].Field != "days[2].items[0].time" || camp.Adjustments[0].Resolution != "gap_shifted" ||
				camp.Adjustments[0].Local != "2027-03-28 02:30" {
				t.Fatalf("adjustments = %+v", camp.Adjustments)
			}
			queued := e.queue.take() // day one's task, version 1, is on the queue
			if len(queued) != 1 || queued[0].Version != 1 {
				t.Fatalf("queued at creation: %+v", queued)
			}

			// The plan changes: day one's text and time, day two removed, a
			// new item on day three, Sunday's on a second account too.
			res = e.as(rythme.RoleEditor, "PATCH", "/v1/campaigns/"+camp.ID, map[string]any{"theme": "spring",
				"days": []map[string]any{
					{"offset": 0, "items": []map[string]any{item("09:45", "Day one, revised", acc)}},
					{"offset": 3, "items": []map[string]any{item("18:00", "Day four", acc)}},
					{"offset": 6, "items": []map[string]any{item("02:30", "Sunday night", acc, other)}},
				}})
			expect(t, res, http.StatusOK)
			var edited struct {
				Theme string `json:"theme"`
				Posts []struct {
					ID          string    `json:"id"`
					Content     string    `json:"content"`
					Status      string    `json:"status"`
					ScheduledAt time.Time `json:"scheduled_at"`
					Targets     []struct {
						AccountID string `json:"account_id"`
						Status    string `json:"status"`
						Version   int    `json:"version"`
					} `json:"targets"`
				} `json:"posts"`
			}
			res.decode(t, &edited)
			live := map[string]string{}
			for _, p := range edited.Posts {
				live[p.Content] = p.Status
			}
			if edited.Theme != "spring" || len(edited.Posts) != 4 || live["Day one, revised"] != "scheduled" || live["Day two"] != "cancelled" ||
				live["Day four"] != "scheduled" || live["Sunday night"] != "scheduled" {
				t.Fatalf("after the edit: %s", res.Body)
			}
			for _, p := range edited.Posts {
				switch p.Content {
				case "Day one, revised":
					if p.ID != camp.Posts[0].ID || p.Targets[0].Version != 2 || !p.ScheduledAt.Equal(utc("2027-03-22T08:45:00Z")) {
						t.Fatalf("day one was not changed in place: %+v", p)
					}
				case "Sunday night":
					if p.ID != camp.Posts[2].ID || len(p.Targets) != 2 {
						t.Fatalf("Sunday's post: %+v", p)
					}
				}
			}

			// The worker gets the old task and then the new one: one
			// publish, of the new text, at the new time.
			runTasks(t, e, reg, append(queued, e.queue.take()...))
			if got := rec.published(); len(got) != 1 || got[0] != "Day one, revised" {
				t.Fatalf("published %q, want the revised day one only", got)
			}

			// Once day one is out, an edit leaves it and says so.
			res = e.as(rythme.RoleEditor, "PATCH", "/v1/campaigns/"+camp.ID, map[string]any{
				"days": []map[string]any{
					{"offset": 0, "items": []map[string]any{item("09:45", "Too late", acc)}},
					{"offset": 3, "items": []map[string]any{item("18:00", "Day four", acc)}},
					{"offset": 6, "items": []map[string]any{item("02:30", "Sunday night", acc, other)}},
				}})
			expect(t, res, http.StatusOK)
			var late struct {
				Unchanged []struct {
					PostID string `json:"post_id"`
					Field  string `json:"field"`
				} `json:"unchanged"`
			}
			res.decode(t, &late)
			if len(late.Unchanged) != 1 || late.Unchanged[0].PostID != camp.Posts[0].ID || late.Unchanged[0].Field != "days[0].items[0]" {
				t.Fatalf("unchanged = %+v", late.Unchanged)
			}

			// Bad plans change nothing.
			res = e.as(rythme.RoleEditor, "PATCH", "/v1/campaigns/"+camp.ID, map[string]any{
				"days": []map[string]any{{"offset": 3, "items": []map[string]any{item("25:00", "x", acc)}}}})
			if res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("days[0].items[0].time") {
				t.Fatalf("bad plan: %d %s", res.Status, res.Body)
			}
			expect(t, e.as(rythme.RoleEditor, "PATCH", "/v1/campaigns/"+camp.ID, map[string]any{}), http.StatusUnprocessableEntity)
			var still campaignOut
			e.as(rythme.RoleViewer, "GET", "/v1/campaigns/"+camp.ID, nil).decode(t, &still)
			for _, p := range still.Posts {
				if p.Status == "cancelled" && p.ID != camp.Posts[1].ID {
					t.Fatalf("a refused edit cancelled %s", p.ID)
				}
			}

			// Cancelled: nothing publishes, not even tasks already queued.
			e.queue.take()
			expect(t, e.as(rythme.RoleEditor, "DELETE", "/v1/campaigns/"+camp.ID, nil), http.StatusOK)
			var all []rythme.TargetRef
			for _, p := range still.Posts {
				full, err := e.store.GetPost(context.Background(), e.ws, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, tg := range full.Targets {
					all = append(all, rythme.TargetRef{ID: tg.ID, Version: tg.Version - 1, Network: "fakenet", ScheduledAt: tg.ScheduledAt})
				}
			}
			runTasks(t, e, reg, all)
			if got := rec.published(); len(got) != 1 {
				t.Fatalf("published after the campaign was cancelled: %q", got)
			}
			expect(t, e.as(rythme.RoleEditor, "PATCH", "/v1/campaigns/"+camp.ID, map[string]any{"theme": "x"}), http.StatusConflict)
		})
	}
}
