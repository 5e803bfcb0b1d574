package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/instagram"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/sim"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// historyJourney is rythme with a real store, fakenet's Mastodon (whose
// users have 90 days of posts), the worker's history import, publisher and
// poller run by hand, on one clock.
type historyJourney struct {
	*env
	fake     *fakenet.Server
	srv      *httptest.Server
	conn     *mastodon.Connector
	rdb      redis.UniversalClient
	importer *worker.HistoryImporter
	publish  *worker.PublishHandler
	poller   *worker.Poller
}

const journeySeed = 7

func newHistoryJourney(t *testing.T, store rythme.Store) *historyJourney {
	t.Helper()
	j := &historyJourney{}
	// 12:00 UTC: the day's earlier posts and the next day's are apart.
	start := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	var now func() time.Time
	j.fake = fakenet.New(fakenet.Config{Seed: journeySeed, HistoryDays: 90, Now: func() time.Time { return now() }})
	j.srv = httptest.NewServer(j.fake.Handler())
	t.Cleanup(j.srv.Close)
	t.Cleanup(j.fake.Close)
	m := miniredis.RunT(t)
	j.rdb = redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { j.rdb.Close() })
	var ck *clock
	j.conn = mastodon.New(mastodon.WithHTTPClient(j.srv.Client()), mastodon.WithClock(func() time.Time { return ck.Now() }))
	igc := instagram.FakenetConfig(j.srv.URL)
	igc.HTTPClient, igc.Now = j.srv.Client(), func() time.Time { return ck.Now() }
	reg := connectors.NewRegistry(j.conn, instagram.New(igc))
	var wc workerClock
	j.env = newEnv(t, store, func(c *api.Config) {
		c.Connectors = reg
		c.HTTPClient = j.srv.Client()
		c.History = worker.NewHistoryRequests(j.rdb, store, clockFunc(func() time.Time { return ck.Now() }))
	})
	ck = j.env.clock
	ck.mu.Lock()
	ck.now = start
	ck.mu.Unlock()
	now = ck.Now
	wc = workerClock{ck}
	redirect := func(n string) string { return "https://rythme.test/v1/oauth/" + n + "/callback" }
	j.importer = &worker.HistoryImporter{Store: store, Connectors: reg, HTTPClient: j.srv.Client(), Clock: wc, Logger: j.newLogger(),
		RedirectURI: redirect, Limits: worker.NewLimits(j.rdb), Redis: j.rdb}
	j.publish = &worker.PublishHandler{Store: store, Connectors: reg, HTTPClient: j.srv.Client(), Clock: wc, Logger: j.newLogger(),
		Lease: 5 * time.Minute, PublishTimeout: 10 * time.Second, RedirectURI: redirect, Apps: store}
	j.poller = &worker.Poller{Store: store, Connectors: reg, HTTPClient: j.srv.Client(), Clock: wc, Logger: j.newLogger(),
		RedirectURI: redirect}
	return j
}

// clockFunc is a worker.Clock of a time function (its Sleep never waits).
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time                                   { return f() }
func (f clockFunc) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// connect connects user's account through the OAuth flow.
func (j *historyJourney) connect(t *testing.T, user string) rythme.Account {
	t.Helper()
	return j.connectTo(t, "mastodon", map[string]string{"instance_url": j.fake.MastodonURL(j.srv.URL)}, user)
}

// connectTo connects user's account of network through the OAuth flow.
func (j *historyJourney) connectTo(t *testing.T, network string, params map[string]string, user string) rythme.Account {
	t.Helper()
	res := j.as(rythme.RoleManager, "POST", "/v1/accounts/"+network+"/connect", params)
	expect(t, res, http.StatusOK)
	var out struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	res.decode(t, &out)
	u, _ := url.Parse(out.AuthorizeURL)
	q := u.Query()
	q.Set("fakenet_user", user)
	u.RawQuery = q.Encode()
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	res = j.do(req{method: "GET", path: back.Path + "?" + back.RawQuery})
	expect(t, res, http.StatusOK)
	var got struct{ Account rythme.Account }
	res.decode(t, &got)
	if got.Account.Username != user {
		t.Fatalf("connected %+v, want %s", got.Account, user)
	}
	return got.Account
}

// runTask runs the account's queued history task, as a worker would.
func (j *historyJourney) runTask(t *testing.T, accountID string) {
	t.Helper()
	info, err := asynq.NewInspectorFromRedisClient(j.rdb).GetTaskInfo(worker.MetricsQueue, worker.HistoryTaskID(accountID))
	if err != nil {
		t.Fatalf("no history task queued: %v", err)
	}
	if err := j.importer.ProcessTask(context.Background(), asynq.NewTask(worker.TypeImportHistory, info.Payload)); err != nil {
		t.Fatalf("history task: %v", err)
	}
	if err := asynq.NewInspectorFromRedisClient(j.rdb).DeleteTask(worker.MetricsQueue, worker.HistoryTaskID(accountID)); err != nil {
		t.Fatal(err)
	}
}

// account reads the account through the API until done says it is (the
// API keeps an account up to a second: authcache.go), for up to 3 seconds.
func (j *historyJourney) account(t *testing.T, id string, done func(*rythme.HistoryImport) bool) accountWithHistory {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		res := j.as(rythme.RoleViewer, "GET", "/v1/accounts/"+id, nil)
		expect(t, res, http.StatusOK)
		var a accountWithHistory
		res.decode(t, &a)
		if done(a.History) || time.Now().After(deadline) {
			return a
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type accountWithHistory struct {
	ID      string                `json:"id"`
	History *rythme.HistoryImport `json:"history"`
}

// cohortFigures is a cohort computed by hand from the readings GET
// /v1/posts/{id}/metrics gives: each post's last reading at or before asOf.
type cohortFigures struct {
	posts                           int
	likes, comments, shares         int64
	commentsPerPost                 float64
	postIDs, importedIDs, rythmeIDs []string
}

// TestHistoryBeforeAndAfter is issue 15's "Done when": an account that has
// three months of posts connects; they are imported (on connect, by the
// worker's task); posts published through rythme follow; then
// compare period:<before> against period:<after> gives, in JSON and CSV
// alike, the figures computed here by hand from each post's readings
// (GET /v1/posts/{id}/metrics), and each reading of an imported post is
// what fakenet's own engagement model says at its time.
func TestHistoryBeforeAndAfter(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(t *testing.T) rythme.Store{
		"sqlite":   func(t *testing.T) rythme.Store { return storetest.SQLite(t) },
		"postgres": func(t *testing.T) rythme.Store { return storetest.Postgres(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testHistoryBeforeAndAfter(t, open(t))
		})
	}
}

func testHistoryBeforeAndAfter(t *testing.T, store rythme.Store) {
	j := newHistoryJourney(t, store)
	connectedAt := j.clock.Now()
	acc := j.connect(t, "ada")

	// Connecting started the import: running, its task queued.
	if a := j.account(t, acc.ID, func(h *rythme.HistoryImport) bool { return h != nil }); a.History == nil || a.History.Status != rythme.HistoryRunning || a.History.Imported != 0 {
		t.Fatalf("after connecting: history %+v, want running", a.History)
	}
	res := j.as(rythme.RoleManager, "POST", "/v1/accounts/"+acc.ID+"/history", nil)
	expect(t, res, http.StatusConflict) // running already
	j.runTask(t, acc.ID)

	// Every earlier post of the 90 days, as fakenet made them.
	since := connectedAt.Add(-rythme.HistoryWindow)
	want := 0
	for _, p := range sim.History(journeySeed, "mastodon", "ada", 90) {
		if !connectedAt.Add(-p.Age).Before(since) {
			want++
		}
	}
	a := j.account(t, acc.ID, func(h *rythme.HistoryImport) bool { return h != nil && h.Status == rythme.HistoryDone })
	if h := a.History; h == nil || h.Status != rythme.HistoryDone || h.Imported != want || h.Read != want || h.FinishedAt == nil {
		t.Fatalf("after the import: %+v, want done with %d posts", a.History, want)
	}

	// The next day, three posts through rythme; read two days later.
	j.clock.Add(24 * time.Hour)
	var published []string
	for i := range 3 {
		res := j.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": fmt.Sprintf("After rythme, #%d", i+1),
			"scheduled_at": "now", "targets": []map[string]string{{"account_id": acc.ID}}})
		expect(t, res, http.StatusCreated)
		var p postOut
		res.decode(t, &p)
		published = append(published, p.ID)
		j.clock.Add(time.Hour)
	}
	for _, ref := range j.queue.take() {
		b, _ := json.Marshal(worker.PublishPayload{TargetID: ref.ID, Version: ref.Version})
		if err := j.publish.ProcessTask(context.Background(), asynq.NewTask(worker.TypePublish, b)); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	j.clock.Add(48 * time.Hour)
	due, err := store.DueMetrics(context.Background(), j.clock.Now(), 0)
	if err != nil || len(due) < 3 {
		t.Fatalf("due readings %d, %v; want the 3 posts' at least", len(due), err)
	}
	b, _ := json.Marshal(worker.PollAccountPayload{AccountID: acc.ID, Due: due})
	if err := j.poller.ProcessTask(context.Background(), asynq.NewTask(worker.TypePollAccount, b)); err != nil {
		t.Fatalf("poll: %v", err)
	}
	// Imported posts are never published: fakenet received only rythme's.
	if got := len(j.fake.Posts()); got != 3 {
		t.Fatalf("fakenet received %d posts, want rythme's 3", got)
	}

	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	before := "period:" + day(since) + ".." + day(connectedAt.Add(-24*time.Hour))
	after := "period:" + day(connectedAt.Add(24*time.Hour)) + ".." + day(j.clock.Now())
	fa := j.handFigures(t, since.Truncate(24*time.Hour), connectedAt.Truncate(24*time.Hour))
	fb := j.handFigures(t, connectedAt.Truncate(24*time.Hour).Add(24*time.Hour), j.clock.Now().Truncate(24*time.Hour).Add(24*time.Hour))
	if len(fa.rythmeIDs) != 0 || len(fa.importedIDs) < want-2 || len(fb.importedIDs) != 0 || len(fb.rythmeIDs) != 3 {
		t.Fatalf("cohorts: before %d imported + %d rythme's, after %d + %d; want only imported before (of %d), rythme's 3 after",
			len(fa.importedIDs), len(fa.rythmeIDs), len(fb.importedIDs), len(fb.rythmeIDs), want)
	}
	slices.Sort(published)
	slices.Sort(fb.rythmeIDs)
	if !slices.Equal(published, fb.rythmeIDs) {
		t.Fatalf("the after cohort's posts %v, want the 3 published through rythme %v", fb.rythmeIDs, published)
	}
	j.checkTrace(t, fa.importedIDs)

	// JSON.
	path := "/v1/reports/compare?a=" + url.QueryEscape(before) + "&b=" + url.QueryEscape(after)
	res = j.as(rythme.RoleViewer, "GET", path, nil)
	expect(t, res, http.StatusOK)
	var cmp struct {
		Rows []struct {
			Indicator string   `json:"indicator"`
			A         *float64 `json:"a"`
			B         *float64 `json:"b"`
			ChangePct *float64 `json:"change_pct"`
		} `json:"rows"`
	}
	res.decode(t, &cmp)
	change := func(a, b float64) float64 { return math.Round((b-a)/a*1000) / 10 }
	wantRows := map[string][3]float64{
		"posts":             {float64(fa.posts), float64(fb.posts), change(float64(fa.posts), float64(fb.posts))},
		"comments_per_post": {fa.commentsPerPost, fb.commentsPerPost, change(fa.commentsPerPost, fb.commentsPerPost)},
		"likes":             {float64(fa.likes), float64(fb.likes), change(float64(fa.likes), float64(fb.likes))},
		"shares":            {float64(fa.shares), float64(fb.shares), change(float64(fa.shares), float64(fb.shares))},
	}
	seen := 0
	got := map[string][3]*float64{}
	for _, r := range cmp.Rows {
		got[r.Indicator] = [3]*float64{r.A, r.B, r.ChangePct}
		w, ok := wantRows[r.Indicator]
		if !ok {
			continue
		}
		seen++
		if r.A == nil || r.B == nil || r.ChangePct == nil || math.Abs(*r.A-w[0]) > 1e-9 || math.Abs(*r.B-w[1]) > 1e-9 || math.Abs(*r.ChangePct-w[2]) > 1e-9 {
			t.Errorf("%s: a %v b %v change %v; want by hand %v", r.Indicator, fp(r.A), fp(r.B), fp(r.ChangePct), w)
		}
	}
	t.Logf("before %s: %d posts (%d imported), after %s: %d posts; rows by hand %v", before, fa.posts, len(fa.importedIDs), after, fb.posts, wantRows)
	if seen != len(wantRows) {
		t.Fatalf("the comparison has %d of the rows %v: %s", seen, wantRows, res.Body)
	}
	// Mastodon gives no reach nor impressions: no rate, said so (null).
	if r := got["engagement_rate_pct"]; r[0] != nil || r[1] != nil {
		t.Errorf("engagement rate %v %v, want none (Mastodon gives no reach or impressions)", fp(r[0]), fp(r[1]))
	}

	// CSV: the same numbers, rounded to 2 decimals.
	res = j.do(req{method: "GET", path: path, secret: j.secrets[rythme.RoleViewer], header: map[string]string{"Accept": "text/csv"}})
	expect(t, res, http.StatusOK)
	table, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	inCSV := 0
	for _, row := range table[1:] {
		g, ok := got[row[0]]
		if !ok {
			continue
		}
		inCSV++
		for i, v := range g {
			if cell := row[1+i]; cell != round2(v) {
				t.Errorf("CSV %s column %d = %q, JSON %v", row[0], i+1, cell, fp(v))
			}
		}
	}
	if inCSV != len(cmp.Rows) {
		t.Errorf("CSV has %d of the JSON's %d rows", inCSV, len(cmp.Rows))
	}

	// On request: 202 and where to follow it (managers only), then adds
	// nothing; asked again within 10 minutes: 429.
	expect(t, j.as(rythme.RoleEditor, "POST", "/v1/accounts/"+acc.ID+"/history", nil), http.StatusForbidden)
	res = j.as(rythme.RoleManager, "POST", "/v1/accounts/"+acc.ID+"/history", nil)
	expect(t, res, http.StatusAccepted)
	if loc := res.Header.Get("Location"); loc != "/v1/accounts/"+acc.ID {
		t.Errorf("Location %q", loc)
	}
	j.runTask(t, acc.ID)
	again := j.account(t, acc.ID, func(h *rythme.HistoryImport) bool {
		return h != nil && h.Status == rythme.HistoryDone && h.StartedAt.After(connectedAt)
	})
	// Its window starts three days later: the oldest posts are out of it.
	if h := again.History; h.Status != rythme.HistoryDone || h.Imported != 0 || h.Read < want || h.Read > want+3 {
		t.Errorf("an import on request after the first: %+v, want nothing imported of about %d read", h, want+3)
	}
	res = j.as(rythme.RoleManager, "POST", "/v1/accounts/"+acc.ID+"/history", nil)
	expect(t, res, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}

	// Tags and author of an imported post can be edited; what it says cannot.
	id := fa.importedIDs[0]
	res = j.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+id, map[string]any{"tags": []string{"before"}, "author": "Ada"})
	expect(t, res, http.StatusOK)
	var edited postOut
	res.decode(t, &edited)
	if len(edited.Tags) != 1 || edited.Tags[0] != "before" || edited.Author != "Ada" {
		t.Errorf("edited imported post: %s", res.Body)
	}
	expect(t, j.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+id, map[string]any{"content": "rewritten"}), http.StatusConflict)
}

func fp(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// round2 is a value as the CSV writes it: rounded to 2 decimals.
func round2(p *float64) string {
	if p == nil {
		return ""
	}
	v := math.Round(*p*100) / 100
	if v == 0 {
		v = 0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// handFigures lists the posts published in [from, to) through the API and
// adds up, by hand, each one's last reading at or before now.
func (j *historyJourney) handFigures(t *testing.T, from, to time.Time) cohortFigures {
	t.Helper()
	var f cohortFigures
	cursor := ""
	asOf := j.clock.Now()
	for {
		path := "/v1/posts?limit=200&from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339))
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := j.as(rythme.RoleViewer, "GET", path, nil)
		expect(t, res, http.StatusOK)
		var page struct {
			Data []struct {
				ID     string `json:"id"`
				Origin string `json:"origin"`
				Status string `json:"status"`
			} `json:"data"`
			NextCursor string `json:"next_cursor"`
		}
		res.decode(t, &page)
		for _, p := range page.Data {
			if p.Status != "published" {
				continue
			}
			f.postIDs = append(f.postIDs, p.ID)
			if p.Origin == rythme.OriginImported {
				f.importedIDs = append(f.importedIDs, p.ID)
			} else {
				f.rythmeIDs = append(f.rythmeIDs, p.ID)
			}
			last := j.lastReading(t, p.ID, asOf)
			f.posts++
			f.likes += *last.Likes
			f.comments += *last.Comments
			f.shares += *last.Shares
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if f.posts > 0 {
		f.commentsPerPost = float64(f.comments) / float64(f.posts)
	}
	return f
}

type postReadings struct {
	Data []struct {
		PublishedAt time.Time `json:"published_at"`
		Readings    []struct {
			At       time.Time `json:"at"`
			Likes    *int64    `json:"likes"`
			Comments *int64    `json:"comments"`
			Shares   *int64    `json:"shares"`
		} `json:"readings"`
	} `json:"data"`
}

func (j *historyJourney) readings(t *testing.T, postID string) postReadings {
	t.Helper()
	res := j.as(rythme.RoleViewer, "GET", "/v1/posts/"+postID+"/metrics", nil)
	expect(t, res, http.StatusOK)
	var out postReadings
	res.decode(t, &out)
	if len(out.Data) != 1 || len(out.Data[0].Readings) == 0 {
		t.Fatalf("post %s readings: %s", postID, res.Body)
	}
	return out
}

// lastReading is the post's last reading at or before asOf.
func (j *historyJourney) lastReading(t *testing.T, postID string, asOf time.Time) struct{ Likes, Comments, Shares *int64 } {
	t.Helper()
	var last struct{ Likes, Comments, Shares *int64 }
	found := false
	for _, r := range j.readings(t, postID).Data[0].Readings {
		if !r.At.After(asOf) {
			last.Likes, last.Comments, last.Shares = r.Likes, r.Comments, r.Shares
			found = true
		}
	}
	if !found || last.Likes == nil || last.Comments == nil || last.Shares == nil {
		t.Fatalf("post %s has no full reading at or before %s", postID, asOf)
	}
	return last
}

// checkTrace: every reading of an imported post is what fakenet's model
// gives the status at the reading's time (favourites, replies, reblogs).
func (j *historyJourney) checkTrace(t *testing.T, postIDs []string) {
	t.Helper()
	for _, id := range postIDs {
		res := j.as(rythme.RoleViewer, "GET", "/v1/posts/"+id, nil)
		expect(t, res, http.StatusOK)
		var p struct {
			Targets []struct {
				ExternalID string `json:"external_id"`
			} `json:"targets"`
		}
		res.decode(t, &p)
		ext := p.Targets[0].ExternalID
		rd := j.readings(t, id).Data[0]
		for _, r := range rd.Readings {
			e := sim.EngagementAt(journeySeed, "mastodon", ext, r.At.Sub(rd.PublishedAt))
			if *r.Likes != e.Favourites || *r.Comments != e.Replies || *r.Shares != e.Reblogs {
				t.Fatalf("post %s (status %s) read at %s: %d/%d/%d, fakenet says %+v", id, ext, r.At, *r.Likes, *r.Comments, *r.Shares, e)
			}
		}
	}
}

// TestImportHistoryRoute: 409 for a network that lists no earlier posts
// (and GET /v1/networks says so), 409 for an account not connected, 404
// for another workspace's, 503 without a worker to run it.
func TestImportHistoryRoute(t *testing.T) {
	t.Parallel()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { rdb.Close() })
	store := storetest.SQLite(t)
	e := newEnv(t, store, func(c *api.Config) { c.History = worker.NewHistoryRequests(rdb, store, nil) })
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	res := e.as(rythme.RoleManager, "POST", "/v1/accounts/"+acc.ID+"/history", nil)
	expect(t, res, http.StatusConflict)
	if !strings.Contains(string(res.Body), "does not list") {
		t.Errorf("409 body %s", res.Body)
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/networks", nil)
	expect(t, res, http.StatusOK)
	if !strings.Contains(string(res.Body), `"history":false`) {
		t.Errorf("networks %s: want history false for the fake network", res.Body)
	}
	if !strings.Contains(string(res.Body), `"followers":false`) {
		t.Errorf("networks %s: want followers false for the fake network (it reads no follower count)", res.Body)
	}
	gone := e.account(e.ws, "gone", rythme.AccountNeedsReconnect)
	expect(t, e.as(rythme.RoleManager, "POST", "/v1/accounts/"+gone.ID+"/history", nil), http.StatusConflict)
	other := e.account(e.workspace("Other"), "theirs", rythme.AccountConnected)
	expect(t, e.as(rythme.RoleManager, "POST", "/v1/accounts/"+other.ID+"/history", nil), http.StatusNotFound)
	bare := newEnv(t, storetest.SQLite(t))
	mine := bare.account(bare.ws, "brand", rythme.AccountConnected)
	expect(t, bare.as(rythme.RoleManager, "POST", "/v1/accounts/"+mine.ID+"/history", nil), http.StatusServiceUnavailable)
}

// TestHistoryRatesOnInstagram: an Instagram account's imported media have
// reach, so the comparison of two periods of them has every rate. Each
// figure is computed here by hand from GET /v1/posts/{id}/metrics, per the
// definitions of docs/metrics.md — the average rate as the mean of
// per-publication rates ((likes + comments + shares + saves) × 100 ÷
// reach; an imported post is one post and one publication), the
// pooled rate as total engagement × 100 ÷ total reach, organic reach in
// total and per post — and found the same in JSON and CSV.
func TestHistoryRatesOnInstagram(t *testing.T) {
	t.Parallel()
	j := newHistoryJourney(t, storetest.SQLite(t))
	connectedAt := j.clock.Now()
	acc := j.connectTo(t, "instagram", map[string]string{}, "brand")
	j.runTask(t, acc.ID)
	a := j.account(t, acc.ID, func(h *rythme.HistoryImport) bool { return h != nil && h.Status == rythme.HistoryDone })
	want := len(sim.History(journeySeed, "instagram", "brand", 90))
	if h := a.History; h == nil || h.Status != rythme.HistoryDone || h.Imported < want-1 || h.Imported > want {
		t.Fatalf("Instagram import: %+v, want done with about %d media", a.History, want)
	}
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	mid := connectedAt.Add(-45 * 24 * time.Hour).Truncate(24 * time.Hour)
	first := connectedAt.Add(-rythme.HistoryWindow).Truncate(24 * time.Hour)
	end := connectedAt.Truncate(24 * time.Hour)
	ca := "period:" + day(first) + ".." + day(mid.Add(-24*time.Hour))
	cb := "period:" + day(mid) + ".." + day(end.Add(-24*time.Hour))
	type side struct {
		posts, rated                                      int
		reach, engagement, likes, shares, comments, saves int64
		rateSum                                           float64
	}
	hand := func(from, to time.Time) side {
		var sd side
		res := j.as(rythme.RoleViewer, "GET", "/v1/posts?limit=200&from="+url.QueryEscape(from.Format(time.RFC3339))+"&to="+url.QueryEscape(to.Format(time.RFC3339)), nil)
		expect(t, res, http.StatusOK)
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		res.decode(t, &page)
		for _, p := range page.Data {
			rd := j.readings(t, p.ID).Data[0].Readings
			var last struct{ Reach, Likes, Comments, Shares, Saves *int64 }
			raw := j.as(rythme.RoleViewer, "GET", "/v1/posts/"+p.ID+"/metrics", nil)
			var full struct {
				Data []struct {
					Readings []struct {
						At                                    time.Time
						Reach, Likes, Comments, Shares, Saves *int64
					} `json:"readings"`
				} `json:"data"`
			}
			raw.decode(t, &full)
			for _, r := range full.Data[0].Readings {
				if !r.At.After(j.clock.Now()) {
					last.Reach, last.Likes, last.Comments, last.Shares, last.Saves = r.Reach, r.Likes, r.Comments, r.Shares, r.Saves
				}
			}
			if len(rd) == 0 || last.Reach == nil || last.Likes == nil || last.Comments == nil || last.Shares == nil || last.Saves == nil {
				t.Fatalf("post %s: reading without reach or engagement: %+v", p.ID, full)
			}
			eng := *last.Likes + *last.Comments + *last.Shares + *last.Saves
			sd.posts++
			sd.likes += *last.Likes
			sd.shares += *last.Shares
			sd.comments += *last.Comments
			sd.saves += *last.Saves
			sd.reach += *last.Reach
			if *last.Reach > 0 {
				sd.rated++
				sd.engagement += eng
				sd.rateSum += float64(eng) * 100 / float64(*last.Reach)
			}
		}
		return sd
	}
	sa, sb := hand(first, mid), hand(mid, end)
	if sa.posts < 10 || sb.posts < 10 || sa.rated != sa.posts || sb.rated != sb.posts {
		t.Fatalf("cohorts of %d and %d posts (%d and %d rated): want two halves of the 90 days, every post rated", sa.posts, sb.posts, sa.rated, sb.rated)
	}
	change := func(a, b float64) float64 { return math.Round((b-a)/a*1000) / 10 }
	row := func(a, b float64) [3]float64 { return [3]float64{a, b, change(a, b)} }
	mean := func(sd side) float64 { return sd.rateSum / float64(sd.rated) }
	pooled := func(sd side) float64 { return float64(sd.engagement) * 100 / float64(sd.reach) }
	wantRows := map[string][3]float64{
		"posts":                      row(float64(sa.posts), float64(sb.posts)),
		"publications":               row(float64(sa.posts), float64(sb.posts)),
		"engagement_rate_pct":        row(mean(sa), mean(sb)),
		"pooled_engagement_rate_pct": row(pooled(sa), pooled(sb)),
		"comments_per_post":          row(float64(sa.comments)/float64(sa.posts), float64(sb.comments)/float64(sb.posts)),
		"organic_reach_per_post":     row(float64(sa.reach)/float64(sa.posts), float64(sb.reach)/float64(sb.posts)),
		"organic_reach":              row(float64(sa.reach), float64(sb.reach)),
		"likes":                      row(float64(sa.likes), float64(sb.likes)),
		"shares":                     row(float64(sa.shares), float64(sb.shares)),
	}
	path := "/v1/reports/compare?a=" + url.QueryEscape(ca) + "&b=" + url.QueryEscape(cb)
	res := j.as(rythme.RoleViewer, "GET", path, nil)
	expect(t, res, http.StatusOK)
	var cmp struct {
		Denominator string `json:"denominator"`
		Rows        []struct {
			Indicator string   `json:"indicator"`
			A         *float64 `json:"a"`
			B         *float64 `json:"b"`
			ChangePct *float64 `json:"change_pct"`
		} `json:"rows"`
	}
	res.decode(t, &cmp)
	if cmp.Denominator != "reach" {
		t.Errorf("denominator %q, want reach", cmp.Denominator)
	}
	got := map[string][3]*float64{}
	for _, r := range cmp.Rows {
		got[r.Indicator] = [3]*float64{r.A, r.B, r.ChangePct}
		w, ok := wantRows[r.Indicator]
		if !ok {
			continue
		}
		for i, v := range []*float64{r.A, r.B, r.ChangePct} {
			if v == nil || math.Abs(*v-w[i]) > 1e-9 {
				t.Errorf("%s column %d: %v, by hand %v", r.Indicator, i, fp(v), w[i])
			}
		}
	}
	for k := range wantRows {
		if _, ok := got[k]; !ok {
			t.Errorf("the comparison has no %s row", k)
		}
	}
	t.Logf("%s vs %s: by hand %v", ca, cb, wantRows)
	res = j.do(req{method: "GET", path: path, secret: j.secrets[rythme.RoleViewer], header: map[string]string{"Accept": "text/csv"}})
	expect(t, res, http.StatusOK)
	table, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range table[1:] {
		if g, ok := got[r[0]]; ok {
			for i, v := range g {
				if r[1+i] != round2(v) {
					t.Errorf("CSV %s column %d = %q, JSON %v", r[0], i+1, r[1+i], fp(v))
				}
			}
		}
	}
}
