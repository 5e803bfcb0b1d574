package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/telemetry"
)

// The fuzz targets of the API send what any client may send: bodies,
// query strings and OAuth callback parameters. Whatever it is, the answer
// is never a 5xx, is documented in openapi.json (status and body, the
// error shape for errors) and nothing panics (the recover middleware
// would turn a panic into a 500).

// fuzzEnv is one API over an SQLite store, built once per fuzz target
// (testing.F has no *testing.T for the helpers of helpers_test.go).
type fuzzEnv struct {
	h      http.Handler
	store  rythme.Store
	clock  *clock
	fake   *fakeConnector
	ws     string
	secret string // an admin token: every route is open to it
	acc    *rythme.Account
	prov   *httptest.Server
}

// fuzzAccount is an account id of no workspace.
const fuzzAccount = "acc_01J5Z3K8M9N0P1Q2R3S4T5V6W7"

func newFuzzEnv(tb testing.TB) *fuzzEnv {
	tb.Helper()
	ctx := context.Background()
	store := storetest.SQLite(tb)
	e := &fuzzEnv{store: store, clock: &clock{now: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}}
	e.fake = &fakeConnector{info: rythme.Network{
		Name: "fakenet", Title: "Fakenet", Auth: "oauth2", ConnectParams: []string{"instance_url"},
		MaxLength: 100, IdempotencyKey: true, Metrics: true,
	}}
	now := time.Now().UTC().Truncate(time.Microsecond)
	e.ws = rythme.NewID(rythme.PrefixWorkspace)
	if err := store.CreateWorkspace(ctx, &rythme.Workspace{ID: e.ws, Name: "Fuzz", CreatedAt: now}); err != nil {
		tb.Fatalf("create workspace: %v", err)
	}
	e.secret = rythme.TokenSecretPrefix + strings.ReplaceAll(rythme.NewID("s"), "_", "")
	tok := &rythme.APIToken{ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: e.ws, Name: "admin", Role: rythme.RoleAdmin,
		Hash: rythme.HashToken(e.secret), CreatedAt: now}
	if err := store.CreateAPIToken(ctx, tok); err != nil {
		tb.Fatalf("create token: %v", err)
	}
	e.acc = &rythme.Account{WorkspaceID: e.ws, Network: "fakenet", InstanceURL: "https://fake.example", ExternalID: "ext-1",
		Username: "alice", Status: rythme.AccountConnected, Token: rythme.Token{AccessToken: "at-fuzz", TokenType: "Bearer"},
		CreatedAt: now, UpdatedAt: now}
	if err := store.UpsertAccount(ctx, e.acc); err != nil {
		tb.Fatalf("upsert account: %v", err)
	}

	// A token endpoint and an identity for the OAuth callback: any code
	// is good, so that the callback gets as far as the fuzzer can take it.
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"at-fuzz-provider","token_type":"Bearer","expires_in":3600}`))
	})
	e.prov = httptest.NewServer(mux)
	tb.Cleanup(e.prov.Close)
	e.fake.oauth2Config = func(_ context.Context, p connectors.ConnectParams, redirectURI string, _ connectors.Apps) (*oauth2.Config, error) {
		if p["instance_url"] != e.prov.URL {
			return nil, rythme.Invalid(rythme.FieldError{Field: "instance_url", Message: "is not the test provider"})
		}
		return &oauth2.Config{ClientID: "client", ClientSecret: "secret", RedirectURL: redirectURI,
			Endpoint: oauth2.Endpoint{AuthURL: e.prov.URL + "/authorize", TokenURL: e.prov.URL + "/token", AuthStyle: oauth2.AuthStyleInParams}}, nil
	}
	e.fake.identify = func(context.Context, connectors.ConnectParams, *http.Client) (*connectors.Identity, error) {
		return &connectors.Identity{ExternalID: "ext-2", Username: "bob", InstanceURL: e.prov.URL}, nil
	}

	h, err := api.New(api.Config{
		Store: store, Connectors: connectors.NewRegistry(e.fake), Queue: &fakeQueue{},
		Metrics: telemetry.New(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL: "https://rythme.test", Now: e.clock.Now, HTTPClient: e.prov.Client(),
		RateLimit: -1, // fuzzing is a runaway script by design
	})
	if err != nil {
		tb.Fatalf("api.New: %v", err)
	}
	e.h = h
	return e
}

// send serves one request and checks the answer: no 5xx, and what
// openapi.json documents for the route and status. A path no client
// could send gives nil.
func (e *fuzzEnv) send(t *testing.T, method, path, rawQuery, contentType string, body []byte, header map[string]string) *response {
	t.Helper()
	hr, err := http.NewRequest(method, "http://rythme.test"+path, bytes.NewReader(body))
	if err != nil {
		return nil // no client could send it
	}
	hr.URL.RawQuery = rawQuery
	hr.RequestURI = path
	if rawQuery != "" {
		hr.RequestURI += "?" + rawQuery
	}
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	hr.Header.Set("Authorization", "Bearer "+e.secret)
	for k, v := range header {
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, hr)
	res := &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if res.Status >= 500 {
		t.Fatalf("%s %s?%s (%q): %d %s", method, path, rawQuery, body, res.Status, res.Body)
	}
	checkResponse(t, method, path, res)
	return res
}

// onTheWire reports whether a raw query string could arrive in a request
// line (no spaces nor control characters).
func onTheWire(q string) bool {
	for i := 0; i < len(q); i++ {
		if q[i] <= ' ' || q[i] == 0x7f {
			return false
		}
	}
	return true
}

// fuzzPost creates a post of the env's account, due in a day.
func (e *fuzzEnv) fuzzPost(t *testing.T) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"content": "Fuzz me", "scheduled_at": e.clock.Now().Add(24 * time.Hour).Format(time.RFC3339),
		"targets": []map[string]string{{"account_id": e.acc.ID}}})
	res := e.send(t, "POST", "/v1/posts", "", "application/json", body, nil)
	if res.Status != http.StatusCreated {
		t.Fatalf("create post: %d %s", res.Status, res.Body)
	}
	var p struct{ ID string }
	if err := json.Unmarshal(res.Body, &p); err != nil || p.ID == "" {
		t.Fatalf("create post: %s", res.Body)
	}
	return p.ID
}

// bodyRoutes are the JSON bodies FuzzAPIBodies sends, by its route byte.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/v1/posts"},
	{"PATCH", "/v1/posts/{post}"},
	{"POST", "/v1/campaigns"},
	{"POST", "/v1/webhooks"},
	{"PUT", "/v1/accounts/{account}/schedule"},
	{"POST", "/v1/accounts/fakenet/connect"},
	{"PATCH", "/v1/series/{series}"},
	{"PATCH", "/v1/campaigns/{campaign}"},
	{"POST", "/v1/campaigns/{challenge}/submissions"},
	{"PUT", "/v1/campaigns/{challenge}/weeks"},
}

// fuzzCreate sends a fixture's creation and returns its id.
func (e *fuzzEnv) fuzzCreate(t *testing.T, path string, body any) string {
	t.Helper()
	raw, _ := json.Marshal(body)
	res := e.send(t, "POST", path, "", "application/json", raw, nil)
	var out struct{ ID string }
	if res == nil || res.Status != http.StatusCreated || json.Unmarshal(res.Body, &out) != nil || out.ID == "" {
		t.Fatalf("create %s: %v", path, res)
	}
	return out.ID
}

// fuzzSeries creates a weekly recurring post; fuzzCampaign a themed week
// starting tomorrow; fuzzChallenge a weekly challenge open this week.
func (e *fuzzEnv) fuzzSeries(t *testing.T) string {
	return e.fuzzCreate(t, "/v1/posts", map[string]any{"content": "Weekly", "scheduled_at": e.clock.Now().Add(24 * time.Hour).Format(time.RFC3339),
		"timezone": "Europe/Paris", "recurrence": "FREQ=WEEKLY;COUNT=5", "targets": []map[string]string{{"account_id": e.acc.ID}}})
}

func (e *fuzzEnv) fuzzCampaign(t *testing.T) string {
	return e.fuzzCreate(t, "/v1/campaigns", map[string]any{"name": "Week", "first_day": e.clock.Now().Add(48 * time.Hour).Format("2006-01-02"),
		"days": []map[string]any{{"offset": 0, "items": []map[string]any{{"time": "09:30", "content": "Day one", "targets": []string{e.acc.ID}}}}}})
}

func (e *fuzzEnv) fuzzChallenge(t *testing.T) string {
	week := calendars.ISOWeekOf(e.clock.Now(), time.UTC)
	return e.fuzzCreate(t, "/v1/campaigns", map[string]any{"kind": "weekly_challenge", "name": "Reels", "targets": []string{e.acc.ID},
		"weeks": []map[string]string{{"week": week.String(), "theme": "reels"}, {"week": week.Next().String(), "theme": "more reels"}}})
}

// FuzzAPIBodies: the JSON bodies of the write routes.
func FuzzAPIBodies(f *testing.F) {
	e := newFuzzEnv(f)
	acc := e.acc.ID
	in := func(d time.Duration) string { return e.clock.Now().Add(d).Format(time.RFC3339) }
	seeds := map[int][]string{
		0: {
			`{"content":"Hello","scheduled_at":"` + in(time.Hour) + `","timezone":"Europe/Paris","targets":[{"account_id":"` + acc + `"}],"tags":["launch"],"author":"Léa"}`,
			`{"content":"Now","scheduled_at":"now","targets":[{"account_id":"` + acc + `","content":"variant"}],"thread":["two","three"],"draft":true}`,
			`{"content":"Slot","scheduled_at":"next_slot","targets":[{"account_id":"` + acc + `"}]}`,
			`{"content":"","scheduled_at":"2020-01-01T00:00:00Z","targets":[{"account_id":"` + fuzzAccount + `"},{"account_id":"nope"}],"media":["med_x"]}`,
			`{"content":` + `"` + strings.Repeat("x", 101) + `","scheduled_at":"tomorrow","targets":[]}`,
			`{"content":1}`, `[]`, `{"unknown":true}`, `{"content":"a"} {"content":"b"}`, `{"content":"\ud800"}`, ``, `nul`,
		},
		1: {
			`{"content":"Edited","scheduled_at":"` + in(2*time.Hour) + `"}`,
			`{"tags":null,"media":[],"thread":["x"],"author":"","timezone":"Mars/Base"}`,
			`{"targets":[{"account_id":"` + acc + `","content":"v"},{"account_id":"` + acc + `"}]}`,
			`{"scheduled_at":null}`, `{"content":""}`, `{"targets":"x"}`,
		},
		2: {
			`{"name":"Green week","theme":"recycling","first_day":"2026-03-09","zone":"Europe/Paris","days":[{"offset":0,"items":[{"time":"09:30","format":"article","content":"Day one","targets":["` + acc + `"]}]}]}`,
			`{"name":"Past","first_day":"2020-01-06","days":[{"offset":0,"items":[{"time":"09:30","content":"x","targets":["` + fuzzAccount + `"]}]}]}`,
			`{"name":"","first_day":"2026-02-30","zone":"Local","days":[{"offset":9,"items":[{"time":"25:00","format":"tweet","content":" ","targets":["x","x"]}]}]}`,
			`{"name":"n","first_day":"9999-12-31","days":[{"offset":6,"items":[{"time":"23:59","content":"x","targets":["` + acc + `"]}]}]}`,
		},
		3: {
			`{"url":"https://hooks.example/rythme","events":["target.published","target.failed"]}`,
			`{"url":"https://hooks.example/x","account_id":"` + acc + `","events":[]}`,
			`{"url":"http://10.0.0.1/x","account_id":"` + fuzzAccount + `","events":["nope"]}`,
			`{"url":"ftp://x","events":null}`, `{"url":""}`,
		},
		4: {
			`{"timezone":"Europe/Paris","slots":[{"weekday":1,"time":"09:30"},{"weekday":3,"time":"17:00"}],"posts_per_week":3}`,
			`{"timezone":"","slots":[{"weekday":7,"time":"24:00"},{"weekday":-1,"time":"9:30"}],"posts_per_week":-1}`,
			`{"timezone":"Local","slots":null}`, `{"slots":[{"weekday":1e400}]}`,
		},
		5: {
			`{"instance_url":"` + e.prov.URL + `"}`, `{"instance_url":"https://elsewhere.example"}`, `{"instance_url":""}`, `{"colour":"red"}`,
		},
		6: {
			`{"content":"Weekly, v2","tags":["tips"]}`,
			`{"recurrence":"FREQ=DAILY;UNTIL=20300101","scheduled_at":"` + in(3*time.Hour) + `","timezone":"America/New_York"}`,
			`{"recurrence":"FREQ=SECONDLY;COUNT=9999","timezone":"Local"}`, `{"targets":[]}`, `{"targets":[{"account_id":"` + fuzzAccount + `"}]}`,
			`{"scheduled_at":""}`, `{}`,
		},
		7: {
			`{"theme":"spring","days":[{"offset":1,"items":[{"time":"02:30","content":"Moved","targets":["` + acc + `"]}]}]}`,
			`{"first_day":"2019-01-01"}`, `{"zone":"Mars/Base","days":[]}`, `{"days":null}`, `{}`,
		},
		8: {
			`{"content":"My reel","format":"video","author":"Ada"}`,
			`{"content":"x","scheduled_at":"` + in(time.Hour) + `","targets":[{"account_id":"` + acc + `","content":"variant"}],"media":["med_x"]}`,
			`{"content":"","targets":[{"account_id":"` + fuzzAccount + `"}]}`, `{"scheduled_at":"next_slot","content":"y"}`,
		},
		9: {
			`{"weeks":[{"week":"2030-W01","theme":"far"}]}`, `{"weeks":[{"week":"2030-W53","theme":""},{"week":"2030-W53","theme":"x"}]}`,
			`{"weeks":[]}`, `{"weeks":null}`,
		},
	}
	for route, bodies := range seeds {
		for _, b := range bodies {
			f.Add(uint8(route), []byte(b))
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		path := strings.Replace(r.path, "{account}", e.acc.ID, 1)
		// Fixtures of their own: an edit must not see the last one's.
		switch {
		case strings.Contains(path, "{post}"):
			path = strings.Replace(path, "{post}", e.fuzzPost(t), 1)
		case strings.Contains(path, "{series}"):
			path = strings.Replace(path, "{series}", e.fuzzSeries(t), 1)
		case strings.Contains(path, "{campaign}"):
			path = strings.Replace(path, "{campaign}", e.fuzzCampaign(t), 1)
		case strings.Contains(path, "{challenge}"):
			path = strings.Replace(path, "{challenge}", e.fuzzChallenge(t), 1)
		}
		e.send(t, r.method, path, "", "application/json", body, nil)
	})
}

// FuzzAPIImport: POST /v1/posts/import with any CSV or JSON file and any
// ?tz=.
func FuzzAPIImport(f *testing.F) {
	e := newFuzzEnv(f)
	acc := e.acc.ID
	header := "content,scheduled_at,timezone,accounts,tags,author\n"
	f.Add(false, "Europe/Paris", []byte(header+"Hello,2026-03-29 09:30,,"+acc+",launch;spring,Léa\n\"Multi\nline\",2026-03-29T02:30:00+01:00,UTC,"+acc+",,\n"))
	f.Add(false, "", []byte(header+",2020-01-01 09:00,Mars/Base,"+fuzzAccount+";"+fuzzAccount+",,\nshort\n\"open"))
	f.Add(false, "Local", []byte("content;scheduled_at;accounts\nx;2026-04-01 10:00;"+acc+"\n"))
	f.Add(false, "UTC", []byte("\xef\xbb\xbf"))
	f.Add(true, "America/New_York", []byte(`[{"content":"Hi","scheduled_at":"2026-11-01 01:30","accounts":["`+acc+`"],"tags":"a;b"}]`))
	f.Add(true, "UTC", []byte(`[{"content":7,"accounts":[1]},42,null,{"colour":"red"}]`))
	f.Add(true, "UTC", []byte(`{"not":"an array"}`))
	f.Add(true, "UTC", []byte(`[`))
	f.Fuzz(func(t *testing.T, asJSON bool, tz string, body []byte) {
		ct := "text/csv; charset=utf-8"
		if asJSON {
			ct = "application/json"
		}
		q := ""
		if tz != "" {
			q = url.Values{"tz": {tz}}.Encode()
		}
		e.send(t, "POST", "/v1/posts/import", q, ct, body, nil)
	})
}

// queryRoutes are the reads FuzzAPIQueries sends, by its route byte.
var queryRoutes = []string{"/v1/posts", "/v1/calendar", "/v1/reports/compare", "/v1/calendar/gaps"}

// FuzzAPIQueries: the query strings of the list, calendar and report
// routes, as they arrive on the wire (percent-encoding included).
func FuzzAPIQueries(f *testing.F) {
	e := newFuzzEnv(f)
	e.fuzzPostTB(f)
	for _, s := range []struct {
		route uint8
		q     string
	}{
		{0, "from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00%2B02:00&status=scheduled&limit=50&account_id=" + e.acc.ID},
		{0, "limit=0&status=nope&from=yesterday&cursor=%ff%fe&account_id=acc_x"},
		{0, "cursor=eyJ0IjoiMjAyNi0wMy0wMlQwODowMDowMFoiLCJpZCI6InBzdF94In0&limit=1"},
		{0, "to=0001-01-01T00:00:00Z&from=9999-12-31T23:59:59Z"},
		{1, "from=2026-03-01&to=2026-03-31&tz=Europe/Paris&tag=launch&status=published&author=L%C3%A9a"},
		{1, "from=2026-03-31&to=2026-03-01&tz=Mars/Base"},
		{1, "from=0001-01-01&to=0001-03-31&tz=Pacific/Kiritimati"},
		{1, "from=9999-12-01&to=9999-12-31"},
		{2, "a=period:2026-10-01..2026-10-31&b=period:2025-10-01..2025-10-31&tz=Europe/Paris"},
		{2, "a=network:x%2Btag:launch&b=all"},
		{2, "a=tag:c++&b=colour:red"},
		{2, "a=period:0001-01-01..9999-12-31&b=period:9999-12-31"},
		{2, "a=&b=%zz"},
		{3, "from=2026-03-02&to=2026-05-31&tz=UTC"},
		{3, "from=2026-03-02&to=2026-03-01"},
	} {
		f.Add(s.route, s.q, false)
	}
	f.Add(uint8(2), "a=all&b=all", true)
	f.Fuzz(func(t *testing.T, route uint8, q string, csv bool) {
		if !onTheWire(q) {
			return
		}
		var header map[string]string
		if csv {
			header = map[string]string{"Accept": "text/csv"}
		}
		e.send(t, "GET", queryRoutes[int(route)%len(queryRoutes)], q, "", nil, header)
	})
}

// fuzzPostTB is fuzzPost for the setup of a target (a post to list).
func (e *fuzzEnv) fuzzPostTB(tb testing.TB) {
	tb.Helper()
	at := e.clock.Now().Add(24 * time.Hour)
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: e.ws, Content: "Listed", ScheduledAt: at, Timezone: "UTC",
		Tags: []string{"launch"}, Media: []string{}, Thread: []string{}, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
	p.Targets = []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: e.ws, AccountID: e.acc.ID,
		Network: "fakenet", Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}}
	if err := e.store.CreatePosts(context.Background(), []*rythme.Post{p}); err != nil {
		tb.Fatalf("create post: %v", err)
	}
}

// FuzzOAuthCallback: the parameters a browser brings back to
// GET /v1/oauth/{network}/callback, with a state that is unknown, or the
// one a connect just made (valid is true: the fuzzer's state is replaced
// by it), for JSON clients and browsers.
func FuzzOAuthCallback(f *testing.F) {
	e := newFuzzEnv(f)
	for _, s := range []struct {
		network, q    string
		valid, browse bool
	}{
		{"fakenet", "code=abc&state=S", true, false},
		{"fakenet", "code=abc&state=S", true, true},
		{"fakenet", "error=access_denied&state=S", true, true},
		{"fakenet", "error=server_error&error_description=%3Cscript%3E&state=S", true, false},
		{"fakenet", "error=%3Cb%3Ebold%3C%2Fb%3E", false, true},
		{"fakenet", "state=S", true, false},
		{"fakenet", "code=abc&state=unknown", false, false},
		{"fakenet", "code=&state=&state=S", true, false},
		{"mastodon", "code=abc&state=S", true, false},
		{"x", "code=%ff", false, true},
		{"..%2F..", "", false, false},
	} {
		f.Add(s.network, s.q, s.valid, s.browse)
	}
	f.Fuzz(func(t *testing.T, network, q string, valid, browse bool) {
		if !onTheWire(q) || !onTheWire(network) || network == "" || strings.ContainsAny(network, "/?#") {
			return // an empty segment: the openapi.json checker matches no template
		}
		if valid {
			body, _ := json.Marshal(map[string]string{"instance_url": e.prov.URL})
			res := e.send(t, "POST", "/v1/accounts/fakenet/connect", "", "application/json", body, nil)
			if res.Status == http.StatusTooManyRequests {
				// The workspace's cap on authorizations in progress: the
				// fuzzer's callbacks leave theirs open. Let them expire.
				e.clock.Add(time.Hour)
				res = e.send(t, "POST", "/v1/accounts/fakenet/connect", "", "application/json", body, nil)
			}
			var out struct {
				AuthorizeURL string `json:"authorize_url"`
			}
			if res.Status != http.StatusOK || json.Unmarshal(res.Body, &out) != nil {
				t.Fatalf("connect: %d %s", res.Status, res.Body)
			}
			u, err := url.Parse(out.AuthorizeURL)
			if err != nil {
				t.Fatalf("authorize URL %q: %v", out.AuthorizeURL, err)
			}
			values, _ := url.ParseQuery(q)
			values.Set("state", u.Query().Get("state"))
			q = values.Encode()
		}
		header := map[string]string{"Authorization": ""}
		if browse {
			header["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
		}
		res := e.send(t, "GET", "/v1/oauth/"+network+"/callback", q, "", nil, header)
		if res != nil && browse && res.Status != http.StatusNotFound && bytes.Contains(res.Body, []byte("<script>")) {
			t.Fatalf("the callback page echoes markup: %s", res.Body)
		}
	})
}
