package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/connectors/x"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// TestPollsInReports is issue 16's "shown in reports": a post with a poll
// goes out on fakenet's X and Mastodon through the worker's publisher, the
// poller reads its votes two days later, and GET /v1/reports/compare of
// network:x against network:mastodon gives, in JSON and CSV, the poll
// figures computed here by hand from the readings GET
// /v1/posts/{id}/metrics shows: one poll each, each poll's voters, and
// the turnout on X (voters ÷ impressions: X gives no reach) but none on
// Mastodon, which gives neither reach nor impressions.
func TestPollsInReports(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(t *testing.T) rythme.Store{
		"sqlite":   func(t *testing.T) rythme.Store { return storetest.SQLite(t) },
		"postgres": func(t *testing.T) rythme.Store { return storetest.Postgres(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testPollsInReports(t, open(t))
		})
	}
}

func testPollsInReports(t *testing.T, store rythme.Store) {
	var ck *clock
	now := func() time.Time { return ck.Now() }
	sim := fakenet.New(fakenet.Config{Seed: 16, Now: now})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	xc := x.FakenetConfig(srv.URL)
	xc.Now = now
	reg := connectors.NewRegistry(mastodon.New(mastodon.WithHTTPClient(srv.Client()), mastodon.WithClock(now)), x.New(xc))
	e := newEnv(t, store, func(c *api.Config) {
		c.Connectors = reg
		c.HTTPClient = srv.Client()
	})
	ck = e.clock
	j := &historyJourney{env: e}
	masto := j.connectTo(t, "mastodon", map[string]string{"instance_url": sim.MastodonURL(srv.URL)}, "ada")
	xacc := j.connectTo(t, "x", map[string]string{}, "ada")

	// One post, one poll, on both accounts; a second post without a poll.
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "Tea or coffee?", "scheduled_at": "now",
		"targets": []map[string]string{{"account_id": masto.ID}, {"account_id": xacc.ID}},
		"poll":    map[string]any{"options": []string{"Tea", "Coffee"}, "duration_minutes": 60}})
	expect(t, res, http.StatusCreated)
	var poll postOut
	res.decode(t, &poll)
	res = e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "No poll here", "scheduled_at": "now",
		"targets": []map[string]string{{"account_id": masto.ID}, {"account_id": xacc.ID}}})
	expect(t, res, http.StatusCreated)
	redirect := func(n string) string { return "https://rythme.test/v1/oauth/" + n + "/callback" }
	publisher := &worker.PublishHandler{Store: store, Connectors: reg, HTTPClient: srv.Client(), Clock: workerClock{ck},
		Logger: e.newLogger(), Lease: 5 * time.Minute, PublishTimeout: 10 * time.Second, RedirectURI: redirect, Apps: store}
	refs := e.queue.take()
	if len(refs) != 4 {
		t.Fatalf("%d publications queued, want 4", len(refs))
	}
	for _, ref := range refs {
		b, _ := json.Marshal(worker.PublishPayload{TargetID: ref.ID, Version: ref.Version})
		if err := publisher.ProcessTask(context.Background(), asynq.NewTask(worker.TypePublish, b)); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}

	// Two days later (the poll closed after an hour), the poller reads
	// both accounts.
	ck.Add(48 * time.Hour)
	poller := &worker.Poller{Store: store, Connectors: reg, HTTPClient: srv.Client(), Clock: workerClock{ck}, Logger: e.newLogger(),
		RedirectURI: redirect}
	due, err := store.DueMetrics(context.Background(), ck.Now(), 0)
	if err != nil || len(due) != 4 {
		t.Fatalf("due readings %d, %v; want 4", len(due), err)
	}
	for _, acc := range []string{masto.ID, xacc.ID} {
		var mine []rythme.MetricsDue
		for _, d := range due {
			if d.AccountID == acc {
				mine = append(mine, d)
			}
		}
		b, _ := json.Marshal(worker.PollAccountPayload{AccountID: acc, Due: mine})
		if err := poller.ProcessTask(context.Background(), asynq.NewTask(worker.TypePollAccount, b)); err != nil {
			t.Fatalf("poll %s: %v", acc, err)
		}
	}

	// By hand, from the post's readings: each network's voters, and X's
	// impressions.
	res = e.as(rythme.RoleViewer, "GET", "/v1/posts/"+poll.ID+"/metrics", nil)
	expect(t, res, http.StatusOK)
	var readings struct {
		Data []struct {
			Network  string `json:"network"`
			Readings []struct {
				Impressions *int64 `json:"impressions"`
				Reach       *int64 `json:"reach"`
				Poll        *struct {
					Options []struct {
						Votes int64 `json:"votes"`
					} `json:"options"`
					Turnout int64 `json:"turnout"`
					Closed  bool  `json:"closed"`
				} `json:"poll"`
			} `json:"readings"`
		} `json:"data"`
	}
	res.decode(t, &readings)
	voters := map[string]int64{}
	var xImpressions int64
	for _, d := range readings.Data {
		if len(d.Readings) != 1 || d.Readings[0].Poll == nil || !d.Readings[0].Poll.Closed {
			t.Fatalf("%s: want one reading of the closed poll: %s", d.Network, res.Body)
		}
		r := d.Readings[0]
		voters[d.Network] = r.Poll.Turnout
		switch d.Network {
		case "x":
			if r.Impressions == nil || *r.Impressions <= 0 || r.Reach != nil {
				t.Fatalf("X's reading: impressions %v, reach %v; want impressions only", fi(r.Impressions), fi(r.Reach))
			}
			xImpressions = *r.Impressions
		case "mastodon":
			if r.Impressions != nil || r.Reach != nil {
				t.Fatalf("Mastodon's reading has impressions %v or reach %v", fi(r.Impressions), fi(r.Reach))
			}
		}
	}
	if len(voters) != 2 || voters["x"] <= 0 || voters["mastodon"] <= 0 {
		t.Fatalf("voters %v: want votes on both networks (fakenet's model)", voters)
	}
	xTurnout := float64(voters["x"]) * 100 / float64(xImpressions)
	t.Logf("voters %v, X impressions %d: X turnout %v %%", voters, xImpressions, xTurnout)

	path := "/v1/reports/compare?a=" + url.QueryEscape("network:x") + "&b=" + url.QueryEscape("network:mastodon")
	res = e.as(rythme.RoleViewer, "GET", path, nil)
	expect(t, res, http.StatusOK)
	checkResponse(t, "GET", "/v1/reports/compare", res)
	var cmp struct {
		Rows []struct {
			Indicator string   `json:"indicator"`
			A         *float64 `json:"a"`
			B         *float64 `json:"b"`
			ChangePct *float64 `json:"change_pct"`
		} `json:"rows"`
	}
	res.decode(t, &cmp)
	want := map[string][2]*float64{
		"posts":               {fptr(2), fptr(2)},
		"polls":               {fptr(1), fptr(1)},
		"poll_votes_per_poll": {fptr(float64(voters["x"])), fptr(float64(voters["mastodon"]))},
		"poll_turnout_pct":    {fptr(xTurnout), nil},
	}
	seen := 0
	for _, r := range cmp.Rows {
		w, ok := want[r.Indicator]
		if !ok {
			continue
		}
		seen++
		if !sameF(r.A, w[0]) || !sameF(r.B, w[1]) {
			t.Errorf("%s: %v | %v, want by hand %v | %v", r.Indicator, fp(r.A), fp(r.B), fp(w[0]), fp(w[1]))
		}
		if r.Indicator == "poll_turnout_pct" && r.ChangePct != nil {
			t.Errorf("turnout change %v, want none (Mastodon has no turnout)", fp(r.ChangePct))
		}
	}
	if seen != len(want) {
		t.Fatalf("the comparison has %d of the rows %v: %s", seen, want, res.Body)
	}

	// CSV: the same figures, rounded to 2 decimals; none is an empty cell.
	res = e.do(req{method: "GET", path: path, secret: e.secrets[rythme.RoleViewer], header: map[string]string{"Accept": "text/csv"}})
	expect(t, res, http.StatusOK)
	table, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	inCSV := 0
	for _, row := range table[1:] {
		w, ok := want[row[0]]
		if !ok {
			continue
		}
		inCSV++
		for i, v := range w {
			if got := row[1+i]; got != round2(v) {
				t.Errorf("CSV %s column %d: %q, want %q", row[0], i+1, got, round2(v))
			}
		}
	}
	if inCSV != len(want) {
		t.Fatalf("the CSV has %d of the rows %v:\n%s", inCSV, want, res.Body)
	}
}

func fi(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func fptr(v float64) *float64 { return &v }

// sameF reports whether a and b are both nil or within 1e-9 of each other.
func sameF(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	d := *a - *b
	return d < 1e-9 && d > -1e-9
}
