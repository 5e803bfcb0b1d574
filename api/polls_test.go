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

// TestPolls: a poll for a network without polls is a 422 naming the
// target; within the network's limits it is stored, shown, edited and
// removed; GET /v1/networks says what each network takes; the post's
// metrics show each reading's votes per option, share and turnout.
func TestPolls(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	create := func(poll map[string]any) *response {
		return e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "Which one?",
			"scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}},
			"poll": poll})
	}
	tea := map[string]any{"options": []string{"Tea", "Coffee"}, "duration_minutes": 60}
	res := create(tea)
	if res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("poll") ||
		!strings.Contains(string(res.Body), "does not take polls: drop the poll or target 0 (account "+acc.ID+")") {
		t.Fatalf("a poll for a network without polls: %d %s", res.Status, res.Body)
	}

	e.fake.info.Polls = &rythme.PollLimits{MaxOptions: 3, MaxOptionLength: 10, MinDurationMinutes: 5, MaxDurationMinutes: 1440}
	var nets struct {
		Data []struct {
			Name  string             `json:"name"`
			Polls *rythme.PollLimits `json:"polls"`
		} `json:"data"`
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/networks", nil)
	expect(t, res, http.StatusOK)
	res.decode(t, &nets)
	if len(nets.Data) == 0 || nets.Data[0].Polls == nil || nets.Data[0].Polls.MaxOptions != 3 {
		t.Fatalf("GET /v1/networks: %s", res.Body)
	}
	res = create(map[string]any{"options": []string{"A", "B", "C", "D"}, "duration_minutes": 2000, "multiple": true})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), "at most 3 options") ||
		!strings.Contains(string(res.Body), "at most 1440 minutes") {
		t.Fatalf("a poll beyond the network's limits: %d %s", res.Status, res.Body)
	}
	res = create(tea)
	expect(t, res, http.StatusCreated)
	var p struct {
		ID   string       `json:"id"`
		Poll *rythme.Poll `json:"poll"`
	}
	res.decode(t, &p)
	if p.Poll == nil || p.Poll.Options[1] != "Coffee" || p.Poll.DurationMinutes != 60 {
		t.Fatalf("created poll: %s", res.Body)
	}
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{"poll": map[string]any{"options": []string{"Yes", "No", "Maybe"}, "duration_minutes": 30}})
	expect(t, res, http.StatusOK)
	res.decode(t, &p)
	if p.Poll == nil || len(p.Poll.Options) != 3 {
		t.Fatalf("edited poll: %s", res.Body)
	}

	// The worker's readings of the poll, as the metrics poller stores them.
	post, err := e.store.GetPost(context.Background(), e.ws, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	voters := int64(4)
	reading := rythme.Metrics{At: e.clock.Now(), Poll: &rythme.PollResults{Votes: 4, Voters: &voters,
		Options: []rythme.PollOptionResult{{Title: "Yes", Votes: 3}, {Title: "No", Votes: 1}, {Title: "Maybe"}}}}
	if err := e.store.SaveReading(context.Background(), post.Targets[0].ID, reading); err != nil {
		t.Fatal(err)
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/posts/"+p.ID+"/metrics", nil)
	expect(t, res, http.StatusOK)
	var m struct {
		Data []struct {
			Readings []struct {
				Poll *struct {
					Options []struct {
						Title string  `json:"title"`
						Votes int64   `json:"votes"`
						Share float64 `json:"share"`
					} `json:"options"`
					Votes   int64 `json:"votes"`
					Turnout int64 `json:"turnout"`
				} `json:"poll"`
			} `json:"readings"`
		} `json:"data"`
	}
	res.decode(t, &m)
	if len(m.Data) != 1 || len(m.Data[0].Readings) != 1 || m.Data[0].Readings[0].Poll == nil {
		t.Fatalf("metrics: %s", res.Body)
	}
	pr := m.Data[0].Readings[0].Poll
	if pr.Votes != 4 || pr.Turnout != 4 || pr.Options[0].Votes != 3 || pr.Options[0].Share != 0.75 || pr.Options[2].Share != 0 {
		t.Fatalf("poll reading: %+v", pr)
	}

	res = e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{"poll": nil})
	expect(t, res, http.StatusOK)
	p.Poll = nil
	res.decode(t, &p)
	if p.Poll != nil || strings.Contains(string(res.Body), `"poll"`) {
		t.Fatalf("removed poll: %s", res.Body)
	}
}
