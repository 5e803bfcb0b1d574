package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/password"
)

// cheapPasswords keeps tests fast; the encoding carries the parameters.
var cheapPasswords = password.Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

// sessionCookie is the cookie's name behind https (the env's public URL).
const sessionCookie = "__Host-rythme_session"

// fakeMailer records the mails the API sends.
type fakeMailer struct {
	mu    sync.Mutex
	mails []mail
}

type mail struct{ to, subject, body string }

func (f *fakeMailer) Send(_ context.Context, to, subject, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mails = append(f.mails, mail{to, subject, body})
	return nil
}

func (f *fakeMailer) sent() []mail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]mail(nil), f.mails...)
}

// newMember creates a member with password pw, in ws with role (no
// workspace when ws is empty).
func (e *env) newMember(email, name, pw, ws string, role rythme.Role) *rythme.Member {
	e.t.Helper()
	h, err := password.Hash(pw, cheapPasswords)
	if err != nil {
		e.t.Fatal(err)
	}
	m := &rythme.Member{ID: rythme.NewID(rythme.PrefixMember), Email: email, Name: name, PasswordHash: h,
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := e.store.CreateMember(context.Background(), m); err != nil {
		e.t.Fatalf("create member: %v", err)
	}
	if ws != "" {
		e.join(m, ws, role)
	}
	return m
}

func (e *env) join(m *rythme.Member, ws string, role rythme.Role) {
	e.t.Helper()
	if err := e.store.AddMembership(context.Background(), &rythme.Membership{WorkspaceID: ws, MemberID: m.ID, Role: role,
		CreatedAt: time.Now().UTC()}); err != nil {
		e.t.Fatalf("add membership: %v", err)
	}
}

// storeDB is the store's database, for what the API cannot set.
func storeDB(t *testing.T, st rythme.Store) *sql.DB {
	t.Helper()
	db, ok := st.(interface{ DB() *sql.DB })
	if !ok {
		t.Fatalf("%T has no DB()", st)
	}
	return db.DB()
}

// browser is one browser's cookie jar against the env's API.
type browser struct {
	e       *env
	cookies map[string]*http.Cookie
}

func (e *env) browser() *browser { return &browser{e: e, cookies: map[string]*http.Cookie{}} }

// do sends a request with the browser's cookies, keeps the cookies it
// sets and checks the answer against the OpenAPI document.
func (b *browser) do(method, path string, body any, header map[string]string) *response {
	b.e.t.Helper()
	var rd *strings.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			b.e.t.Fatal(err)
		}
		rd = strings.NewReader(string(raw))
	}
	var hr *http.Request
	if rd != nil {
		hr = httptest.NewRequest(method, path, rd)
		hr.Header.Set("Content-Type", "application/json")
	} else {
		hr = httptest.NewRequest(method, path, nil)
	}
	for _, ck := range b.cookies {
		hr.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	for k, v := range header {
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	b.e.h.ServeHTTP(rec, hr)
	res := &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(b.cookies, ck.Name)
		} else {
			b.cookies[ck.Name] = ck
		}
	}
	checkResponse(b.e.t, method, hr.URL.Path, res)
	return res
}

func (b *browser) session() string {
	if ck := b.cookies[sessionCookie]; ck != nil {
		return ck.Value
	}
	return ""
}

// signIn signs the browser in and returns who it is.
func (b *browser) signIn(email, pw string) me {
	b.e.t.Helper()
	res := b.do("POST", "/v1/session", map[string]string{"email": email, "password": pw}, nil)
	expect(b.e.t, res, http.StatusOK)
	var out me
	res.decode(b.e.t, &out)
	return out
}

type me struct {
	Member *struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"member"`
	Token     *struct{ ID string } `json:"token"`
	Workspace *struct {
		ID   string      `json:"id"`
		Role rythme.Role `json:"role"`
	} `json:"workspace"`
	Workspaces []struct {
		ID   string      `json:"id"`
		Role rythme.Role `json:"role"`
	} `json:"workspaces"`
}

// A member signs in with email and password; the session is a cookie that
// scripts cannot read, sent only over https, not on cross-site requests;
// a wrong email and a wrong password get the same answer.
func TestSignIn(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			m := e.newMember("ada@example.com", "Ada Lovelace", "analytical engine", e.ws, rythme.RoleEditor)

			br := e.browser()
			expect(t, br.do("GET", "/v1/me", nil, nil), http.StatusUnauthorized)
			res := br.do("POST", "/v1/session", map[string]string{"email": " Ada@Example.com ", "password": "analytical engine"}, nil)
			expect(t, res, http.StatusOK)
			ck := br.cookies[sessionCookie]
			if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || len(ck.Value) < 40 {
				t.Fatalf("session cookie %+v", ck)
			}
			if strings.Contains(string(res.Body), ck.Value) || strings.Contains(string(res.Body), "argon2") {
				t.Fatalf("the answer holds the session or the hash: %s", res.Body)
			}
			var who me
			res.decode(t, &who)
			if who.Member == nil || who.Member.ID != m.ID || who.Workspace == nil || who.Workspace.ID != e.ws || who.Workspace.Role != rythme.RoleEditor || who.Token != nil {
				t.Fatalf("me = %s", res.Body)
			}
			expect(t, br.do("GET", "/v1/posts", nil, nil), http.StatusOK)

			// Only the hash of the session is stored.
			var n int
			if err := storeDB(t, e.store).QueryRow(`SELECT count(*) FROM sessions WHERE hash = $1`, rythme.HashToken(ck.Value)).Scan(&n); err != nil || n != 1 {
				t.Fatalf("sessions by hash: %d %v", n, err)
			}

			wrong := e.browser().do("POST", "/v1/session", map[string]string{"email": "ada@example.com", "password": "difference engine"}, nil)
			unknown := e.browser().do("POST", "/v1/session", map[string]string{"email": "bob@example.com", "password": "analytical engine"}, nil)
			expect(t, wrong, http.StatusUnauthorized)
			expect(t, unknown, http.StatusUnauthorized)
			if string(wrong.Body) != string(unknown.Body) {
				t.Fatalf("a wrong password and an unknown email answer differently: %s / %s", wrong.Body, unknown.Body)
			}
			res = e.browser().do("POST", "/v1/session", map[string]string{"email": "not an email", "password": ""}, nil)
			expect(t, res, http.StatusUnprocessableEntity)
			if er := res.err(t); !er.hasField("email") || !er.hasField("password") {
				t.Fatalf("422 without its fields: %s", res.Body)
			}
			// A token's caller is described too.
			res = e.as(rythme.RoleManager, "GET", "/v1/me", nil)
			expect(t, res, http.StatusOK)
			var tok me
			res.decode(t, &tok)
			if tok.Token == nil || tok.Token.ID != e.tokens[rythme.RoleManager].ID || tok.Member != nil || len(tok.Workspaces) != 1 {
				t.Fatalf("me of a token = %s", res.Body)
			}
		})
	}
}

// Session fixation is impossible: signing in always makes a new session
// id, and the one the browser had (planted or not) stops working.
func TestSessionFixation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[0].open(t))
	e.newMember("ada@example.com", "Ada", "analytical engine", e.ws, rythme.RoleAdmin)

	// An attacker's own session, planted in the victim's browser.
	attacker := e.browser()
	e.newMember("eve@example.com", "Eve", "eavesdropping!", e.ws, rythme.RoleViewer)
	attacker.signIn("eve@example.com", "eavesdropping!")
	planted := attacker.session()

	victim := e.browser()
	victim.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: planted}
	who := victim.signIn("ada@example.com", "analytical engine")
	if victim.session() == planted || victim.session() == "" {
		t.Fatal("the session id did not change at sign-in")
	}
	if who.Member == nil || who.Member.Email != "ada@example.com" {
		t.Fatalf("signed in as %+v", who.Member)
	}
	// The planted id is dead: the attacker holds nothing of the victim's.
	expect(t, attacker.do("GET", "/v1/me", nil, nil), http.StatusUnauthorized)

	// Signing in again from one browser rotates the id again.
	first := victim.session()
	victim.signIn("ada@example.com", "analytical engine")
	if victim.session() == first {
		t.Fatal("a second sign-in kept the session id")
	}
	stale := e.browser()
	stale.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: first}
	expect(t, stale.do("GET", "/v1/me", nil, nil), http.StatusUnauthorized)
	// A made-up id is nothing.
	madeUp := e.browser()
	madeUp.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: "chosen-by-an-attacker-0123456789abcdef"}
	expect(t, madeUp.do("GET", "/v1/posts", nil, nil), http.StatusUnauthorized)
}

// A cross-origin unsafe request carried by the session cookie is refused
// (CSRF); same-origin ones and bearer requests are not.
func TestCSRFRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[0].open(t))
	e.newMember("ada@example.com", "Ada", "analytical engine", e.ws, rythme.RoleAdmin)
	acc := e.account(e.ws, "ada", rythme.AccountConnected)
	br := e.browser()
	br.signIn("ada@example.com", "analytical engine")
	post := map[string]any{"content": "hello", "scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339),
		"targets": []map[string]string{{"account_id": acc.ID}}}

	for name, h := range map[string]map[string]string{
		"fetch metadata": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		"origin only":    {"Origin": "https://evil.example"},
		"same site":      {"Sec-Fetch-Site": "same-site", "Origin": "https://sub.rythme.test"},
	} {
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/v1/posts", post},
			{"POST", "/v1/tokens", map[string]string{"name": "stolen", "role": "admin"}},
			{"DELETE", "/v1/sessions", nil},
			{"POST", "/v1/invitations", map[string]string{"email": "eve@example.com", "role": "admin"}},
		} {
			res := br.do(r.method, r.path, r.body, h)
			if res.Status != http.StatusForbidden || res.err(t).Error.Code != rythme.EFORBIDDEN {
				t.Errorf("%s: cross-origin %s %s with the cookie: %d %s", name, r.method, r.path, res.Status, res.Body)
			}
		}
		// Signing in from another origin (login CSRF) is refused too.
		res := e.browser().do("POST", "/v1/session", map[string]string{"email": "ada@example.com", "password": "analytical engine"}, h)
		expect(t, res, http.StatusForbidden)
	}
	// Nothing was made.
	res := e.as(rythme.RoleAdmin, "GET", "/v1/posts", nil)
	if strings.Contains(string(res.Body), "hello") {
		t.Fatalf("a cross-origin post was created: %s", res.Body)
	}
	// Reads are not forgeable writes; same-origin writes go through.
	expect(t, br.do("GET", "/v1/posts", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}), http.StatusOK)
	expect(t, br.do("POST", "/v1/posts", post, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "https://rythme.test"}), http.StatusCreated)
	expect(t, br.do("POST", "/v1/posts", post, map[string]string{"Origin": "http://example.com"}), http.StatusCreated) // Host of httptest
	// A bearer token needs no CSRF check, whatever the headers.
	res = e.do(req{method: "POST", path: "/v1/posts", secret: e.secrets[rythme.RoleEditor], body: post, noCookies: true,
		header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://elsewhere.example"}})
	expect(t, res, http.StatusCreated)
}

// Members are held to every route's role exactly as tokens are: the walk
// of TestAuth, with a signed-in member of each role.
func TestMemberRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[0].open(t))
	browsers := map[rythme.Role]*browser{}
	for _, role := range roles {
		email := string(role) + "@example.com"
		e.newMember(email, string(role), "a long password", e.ws, role)
		browsers[role] = e.browser()
		browsers[role].signIn(email, "a long password")
	}
	for _, r := range routes(t, e.h) {
		key := r.Method + " " + r.Path
		min, ok := minRole[key]
		if !ok {
			continue
		}
		path := concrete(r.Path)
		for _, role := range roles {
			res := browsers[role].do(r.Method, path, bodyFor(r.Method), nil)
			if role.AtLeast(min) {
				if res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden {
					t.Errorf("%s as a %s member: %d %s", key, role, res.Status, res.Body)
				}
			} else if res.Status != http.StatusForbidden || res.err(t).Error.Code != rythme.EFORBIDDEN {
				t.Errorf("%s as a %s member: %d %s, want 403", key, role, res.Status, res.Body)
			}
		}
	}
	// A viewer writes nothing through the calls the dashboard makes.
	acc := e.account(e.ws, "ann", rythme.AccountConnected)
	res := browsers[rythme.RoleViewer].do("POST", "/v1/posts", map[string]any{"content": "x", "scheduled_at": "now",
		"targets": []map[string]string{{"account_id": acc.ID}}}, nil)
	expect(t, res, http.StatusForbidden)
	if !strings.Contains(res.err(t).Error.Message, "you have viewer") {
		t.Fatalf("403 does not say the member's role: %s", res.Body)
	}
	// The workspace-less routes are the members' own.
	for _, role := range roles {
		expect(t, browsers[role].do("POST", "/v1/workspaces", map[string]string{"name": "Client"}, nil), http.StatusForbidden)
	}
}

// A member of workspace A reaches nothing of workspace B, through any
// route of the router: every route with an id is called with B's ids, and
// every list is searched for them.
func TestMemberWorkspaceIsolation(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			e.newMember("ada@example.com", "Ada", "analytical engine", e.ws, rythme.RoleAdmin)
			ada := e.browser()
			ada.signIn("ada@example.com", "analytical engine")

			// Workspace B, with a member, an invitation, an account, a post,
			// a series, a themed week and a challenge with a submission.
			wsB := e.workspace("B")
			secretB, tokB := e.token(wsB, rythme.RoleAdmin)
			bea := e.newMember("bea@example.com", "Bea", "B's own password", wsB, rythme.RoleAdmin)
			accB := e.account(wsB, "bea", rythme.AccountConnected)
			asB := func(method, path string, body any) string {
				res := e.do(req{method: method, path: path, secret: secretB, body: body, noCookies: true})
				if res.Status >= 300 {
					t.Fatalf("B: %s %s: %d %s", method, path, res.Status, res.Body)
				}
				var out struct{ ID string }
				_ = json.Unmarshal(res.Body, &out)
				return out.ID
			}
			soon := e.clock.Now().Add(24 * time.Hour)
			postB := asB("POST", "/v1/posts", map[string]any{"content": "B's secret plans", "scheduled_at": soon.Format(time.RFC3339),
				"targets": []map[string]string{{"account_id": accB.ID}}})
			var full postOut
			res := e.do(req{method: "GET", path: "/v1/posts/" + postB, secret: secretB, noCookies: true})
			res.decode(t, &full)
			targetB := full.Targets[0].ID
			seriesB := asB("POST", "/v1/posts", map[string]any{"content": "B's weekly secret", "scheduled_at": soon.Format(time.RFC3339),
				"recurrence": "FREQ=WEEKLY;COUNT=3", "targets": []map[string]string{{"account_id": accB.ID}}})
			weekB := asB("POST", "/v1/campaigns", map[string]any{"name": "B's week", "first_day": soon.Format("2006-01-02"),
				"days": []map[string]any{{"offset": 1, "items": []map[string]any{{"time": "10:00", "content": "B's day", "targets": []string{accB.ID}}}}}})
			invB := asB("POST", "/v1/invitations", map[string]string{"email": "cat@example.com", "role": "editor"})
			feedB := asB("POST", "/v1/calendar/feeds", map[string]string{"name": "B's feed"})
			itemB := e.seedInbox(accB, postB, 1)[0].ID
			ruleB := asB("POST", "/v1/moderation-rules", map[string]any{"name": "B's secret rule", "kind": "words", "terms": []string{"spam"}, "action": "flag"})

			idOf := map[string]string{
				"/v1/posts/:id": postB, "/v1/accounts/:id": accB.ID, "/v1/tokens/:id": tokB.ID, "/v1/campaigns/:id": weekB,
				"/v1/reports/campaigns/:id": weekB, "/v1/series/:id": seriesB, "/v1/members/:id": bea.ID,
				"/v1/invitations/:id": invB, "/v1/calendar/feeds/:id": feedB, "/v1/inbox/:id": itemB, "/v1/moderation-rules/:id": ruleB,
				"/v1/media/:id": rythme.NewID(rythme.PrefixMedia), "/v1/webhooks/:id": rythme.NewID(rythme.PrefixWebhook),
			}
			secrets := []string{wsB, tokB.ID, accB.ID, postB, targetB, seriesB, weekB, invB, feedB, bea.ID, "bea@example.com", "B's secret", "B's week", "B's feed", itemB, "bob0@social.example", ruleB, "B's secret rule"}
			for _, r := range routes(t, e.h) {
				key := r.Method + " " + r.Path
				if public[key] || key == "POST /v1/workspaces" {
					continue
				}
				path := r.Path
				for prefix, id := range idOf {
					if strings.HasPrefix(path, prefix) {
						path = strings.Replace(path, ":id", id, 1)
					}
				}
				path = strings.NewReplacer(":target_id", targetB, ":post_id", postB, ":network", "fakenet").Replace(path)
				if strings.Contains(path, ":") {
					t.Fatalf("route %s has a parameter this test does not fill", key)
				}
				if strings.Contains(key, "/session") {
					continue // the member's own session (below)
				}
				res := ada.do(r.Method, path, bodyFor(r.Method), nil)
				if path != r.Path && res.Status < 300 {
					t.Errorf("%s %s with B's id answered %d: %s", r.Method, path, res.Status, res.Body)
				}
				for _, s := range secrets {
					if !strings.Contains(path, s) && strings.Contains(string(res.Body), s) {
						t.Errorf("%s %s shows %q of workspace B: %s", r.Method, path, s, res.Body)
					}
				}
			}
			// Nor by choosing B for a request, or for the session.
			res = ada.do("GET", "/v1/posts", nil, map[string]string{api.WorkspaceHeader: wsB})
			expect(t, res, http.StatusForbidden)
			res = ada.do("PATCH", "/v1/session", map[string]string{"workspace_id": wsB}, nil)
			expect(t, res, http.StatusNotFound)

			// B's things are untouched.
			res = e.do(req{method: "GET", path: "/v1/posts/" + postB, secret: secretB, noCookies: true})
			expect(t, res, http.StatusOK)
			if !strings.Contains(string(res.Body), "B's secret plans") || !strings.Contains(string(res.Body), `"scheduled"`) {
				t.Errorf("B's post changed: %s", res.Body)
			}
			res = e.do(req{method: "GET", path: "/v1/members", secret: secretB, noCookies: true})
			if !strings.Contains(string(res.Body), bea.ID) || !strings.Contains(string(res.Body), `"admin"`) {
				t.Errorf("B's member changed: %s", res.Body)
			}
			res = e.do(req{method: "GET", path: "/v1/invitations", secret: secretB, noCookies: true})
			if !strings.Contains(string(res.Body), `"pending"`) {
				t.Errorf("B's invitation changed: %s", res.Body)
			}
		})
	}
}

// Sign-in is throttled per account and per client address: 429 with
// Retry-After, even for the right password.
func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[0].open(t))
	e.newMember("ada@example.com", "Ada", "analytical engine", e.ws, rythme.RoleEditor)
	for i := 0; i < 5; i++ {
		res := e.browser().do("POST", "/v1/session", map[string]string{"email": "ada@example.com", "password": "guess " + strconv.Itoa(i)}, nil)
		expect(t, res, http.StatusUnauthorized)
	}
	res := e.browser().do("POST", "/v1/session", map[string]string{"email": "ada@example.com", "password": "analytical engine"}, nil)
	expect(t, res, http.StatusTooManyRequests)
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	// Other accounts from the same address: 20 attempts in all, then 429.
	for i := 6; i < 20; i++ {
		res := e.browser().do("POST", "/v1/session", map[string]string{"email": "guess" + strconv.Itoa(i) + "@example.com", "password": "x"}, nil)
		expect(t, res, http.StatusUnauthorized)
	}
	res = e.browser().do("POST", "/v1/session", map[string]string{"email": "other@example.com", "password": "x"}, nil)
	expect(t, res, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" || !strings.Contains(res.err(t).Error.Message, "sign-in attempts") {
		t.Fatalf("429 without Retry-After or reason: %v %s", res.Header, res.Body)
	}
}

// Signing out ends this session; signing out everywhere ends them all.
func TestSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[1].open(t))
	e.newMember("ada@example.com", "Ada", "analytical engine", e.ws, rythme.RoleEditor)
	laptop, phone := e.browser(), e.browser()
	laptop.signIn("ada@example.com", "analytical engine")
	phone.signIn("ada@example.com", "analytical engine")
	old := laptop.session()
	expect(t, laptop.do("DELETE", "/v1/session", nil, nil), http.StatusNoContent)
	if laptop.session() != "" {
		t.Fatal("sign-out left the cookie")
	}
	laptop.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: old}
	expect(t, laptop.do("GET", "/v1/me", nil, nil), http.StatusUnauthorized)
	expect(t, phone.do("GET", "/v1/me", nil, nil), http.StatusOK)

	laptop.signIn("ada@example.com", "analytical engine")
	expect(t, phone.do("DELETE", "/v1/sessions", nil, nil), http.StatusNoContent)
	expect(t, laptop.do("GET", "/v1/me", nil, nil), http.StatusUnauthorized)
	expect(t, phone.do("GET", "/v1/me", nil, nil), http.StatusUnauthorized)

	// A session ends by itself after 14 days.
	laptop.signIn("ada@example.com", "analytical engine")
	e.clock.Add(14*24*time.Hour - time.Second)
	expect(t, laptop.do("GET", "/v1/me", nil, nil), http.StatusOK)
	e.clock.Add(time.Second)
	expect(t, laptop.do("GET", "/v1/me", nil, nil), http.StatusUnauthorized)
}

// A password reset link works once, and not after it expires; it ends
// every session; asking for one says nothing about who is a member.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			e.newMember("ada@example.com", "Ada", "analytical engine", e.ws, rythme.RoleEditor)
			signedIn := e.browser()
			signedIn.signIn("ada@example.com", "analytical engine")

			known := e.browser().do("POST", "/v1/password-reset", map[string]string{"email": "ada@example.com"}, nil)
			unknown := e.browser().do("POST", "/v1/password-reset", map[string]string{"email": "nobody@example.com"}, nil)
			expect(t, known, http.StatusAccepted)
			expect(t, unknown, http.StatusAccepted)
			if string(known.Body) != string(unknown.Body) {
				t.Fatalf("the answers tell members apart: %s / %s", known.Body, unknown.Body)
			}
			mails := e.mail.sent()
			if len(mails) != 1 || mails[0].to != "ada@example.com" || !strings.Contains(mails[0].body, "https://rythme.test/#reset=") {
				t.Fatalf("mails %+v", mails)
			}
			token := linkToken(t, mails[0].body, "#reset=")

			res := e.browser().do("POST", "/v1/password-reset/confirm", map[string]string{"token": token, "password": "short"}, nil)
			expect(t, res, http.StatusUnprocessableEntity)
			expect(t, e.browser().do("POST", "/v1/password-reset/confirm", map[string]string{"token": token, "password": "a brand new password"}, nil), http.StatusNoContent)
			expect(t, signedIn.do("GET", "/v1/me", nil, nil), http.StatusUnauthorized) // every session ended
			expect(t, e.browser().do("POST", "/v1/session", map[string]string{"email": "ada@example.com", "password": "analytical engine"}, nil), http.StatusUnauthorized)
			e.browser().signIn("ada@example.com", "a brand new password")
			// Once only.
			expect(t, e.browser().do("POST", "/v1/password-reset/confirm", map[string]string{"token": token, "password": "yet another password"}, nil), http.StatusNotFound)

			// A link made by `rythme reset-password` expires after its TTL.
			link, err := api.ResetLink(context.Background(), e.store, "https://rythme.test", "ADA@example.com", e.clock.Now(), time.Hour)
			if err != nil || !strings.HasPrefix(link, "https://rythme.test/#reset=") {
				t.Fatalf("ResetLink = %q, %v", link, err)
			}
			if _, err := api.ResetLink(context.Background(), e.store, "https://rythme.test", "nobody@example.com", e.clock.Now(), time.Hour); rythme.ErrorCode(err) != rythme.ENOTFOUND {
				t.Fatalf("ResetLink of nobody: %v", err)
			}
			e.clock.Add(time.Hour + time.Second)
			res = e.browser().do("POST", "/v1/password-reset/confirm", map[string]string{"token": linkToken(t, link, "#reset="), "password": "too late a password"}, nil)
			expect(t, res, http.StatusNotFound)
		})
	}
	// Without SMTP, asking by mail says what to do instead.
	e := newEnv(t, backends[0].open(t), func(c *api.Config) { c.Mailer = nil })
	res := e.browser().do("POST", "/v1/password-reset", map[string]string{"email": "ada@example.com"}, nil)
	expect(t, res, http.StatusServiceUnavailable)
	if !strings.Contains(string(res.Body), "rythme reset-password") {
		t.Fatalf("503 without a way out: %s", res.Body)
	}
}

// linkToken returns what follows marker in s, up to the end of its line.
func linkToken(t *testing.T, s, marker string) string {
	t.Helper()
	_, after, ok := strings.Cut(s, marker)
	if !ok {
		t.Fatalf("no %s in %q", marker, s)
	}
	tok, _, _ := strings.Cut(after, "\n")
	return tok
}

// An invitation is a link with a role that works once, before it expires
// and unless revoked; accepting it signs the person in, in that
// workspace. A member of several workspaces switches between them.
func TestInvitations(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			invite := func(email string, role rythme.Role) (string, string) {
				t.Helper()
				res := e.as(rythme.RoleAdmin, "POST", "/v1/invitations", map[string]string{"email": email, "role": string(role)})
				expect(t, res, http.StatusCreated)
				var out struct{ ID, URL, Status string }
				res.decode(t, &out)
				if out.Status != "pending" || !strings.HasPrefix(out.URL, "https://rythme.test/#invite=") {
					t.Fatalf("invitation %s", res.Body)
				}
				return out.ID, linkToken(t, out.URL, "#invite=")
			}
			_, token := invite("Cat@Example.com", rythme.RoleEditor)
			if m := e.mail.sent(); len(m) != 1 || m[0].to != "cat@example.com" || !strings.Contains(m[0].body, token) {
				t.Fatalf("invitation mail %+v", m)
			}
			res := e.as(rythme.RoleAdmin, "GET", "/v1/invitations", nil)
			if strings.Contains(string(res.Body), token) || !strings.Contains(string(res.Body), `"pending"`) {
				t.Fatalf("the list shows the link, or not the invitation: %s", res.Body)
			}
			res = e.browser().do("POST", "/v1/invitations/accept", map[string]string{"token": token, "name": "Cat", "password": "short"}, nil)
			expect(t, res, http.StatusUnprocessableEntity)
			cat := e.browser()
			res = cat.do("POST", "/v1/invitations/accept", map[string]string{"token": token, "name": "Cat", "password": "a long password"}, nil)
			expect(t, res, http.StatusOK)
			var who me
			res.decode(t, &who)
			if who.Member == nil || who.Member.Email != "cat@example.com" || who.Workspace.ID != e.ws || who.Workspace.Role != rythme.RoleEditor || cat.session() == "" {
				t.Fatalf("accepted: %s", res.Body)
			}
			expect(t, cat.do("GET", "/v1/posts", nil, nil), http.StatusOK)
			// Once only.
			expect(t, e.browser().do("POST", "/v1/invitations/accept", map[string]string{"token": token, "name": "Eve", "password": "a long password"}, nil), http.StatusNotFound)
			res = e.as(rythme.RoleAdmin, "GET", "/v1/invitations", nil)
			if !strings.Contains(string(res.Body), `"accepted"`) || !strings.Contains(string(res.Body), who.Member.ID) {
				t.Fatalf("list after accept: %s", res.Body)
			}

			// Revoked, then expired: refused.
			id, revoked := invite("dan@example.com", rythme.RoleViewer)
			expect(t, e.as(rythme.RoleAdmin, "DELETE", "/v1/invitations/"+id, nil), http.StatusNoContent)
			expect(t, e.browser().do("POST", "/v1/invitations/accept", map[string]string{"token": revoked, "name": "Dan", "password": "a long password"}, nil), http.StatusNotFound)
			_, late := invite("eve@example.com", rythme.RoleViewer)
			e.clock.Add(7*24*time.Hour + time.Second)
			expect(t, e.browser().do("POST", "/v1/invitations/accept", map[string]string{"token": late, "name": "Eve", "password": "a long password"}, nil), http.StatusNotFound)

			// An existing member joins a second workspace with its password,
			// then switches between them.
			wsB := e.workspace("B")
			secretB, _ := e.token(wsB, rythme.RoleAdmin)
			res = e.do(req{method: "POST", path: "/v1/invitations", secret: secretB, body: map[string]string{"email": "cat@example.com", "role": "manager"}, noCookies: true})
			expect(t, res, http.StatusCreated)
			var invB struct{ URL string }
			res.decode(t, &invB)
			tokenB := linkToken(t, invB.URL, "#invite=")
			res = e.browser().do("POST", "/v1/invitations/accept", map[string]string{"token": tokenB}, nil)
			expect(t, res, http.StatusUnprocessableEntity) // the account's password is needed
			expect(t, e.browser().do("POST", "/v1/invitations/accept", map[string]string{"token": tokenB, "password": "not cat's password"}, nil), http.StatusUnauthorized)
			phone := e.browser()
			res = phone.do("POST", "/v1/invitations/accept", map[string]string{"token": tokenB, "password": "a long password"}, nil)
			expect(t, res, http.StatusOK)
			res.decode(t, &who)
			if who.Workspace.ID != wsB || who.Workspace.Role != rythme.RoleManager || len(who.Workspaces) != 2 {
				t.Fatalf("after joining B: %s", res.Body)
			}
			// The laptop's session sees both; it works in A until it switches.
			res = cat.do("GET", "/v1/me", nil, nil)
			res.decode(t, &who)
			if who.Workspace.ID != e.ws || len(who.Workspaces) != 2 {
				t.Fatalf("me: %s", res.Body)
			}
			expect(t, cat.do("GET", "/v1/calendar/feeds", nil, nil), http.StatusForbidden) // editor in A
			expect(t, cat.do("GET", "/v1/calendar/feeds", nil, map[string]string{api.WorkspaceHeader: wsB}), http.StatusOK)
			res = cat.do("PATCH", "/v1/session", map[string]string{"workspace_id": wsB}, nil)
			expect(t, res, http.StatusOK)
			res = cat.do("GET", "/v1/workspace", nil, nil)
			if !strings.Contains(string(res.Body), wsB) {
				t.Fatalf("after the switch, the workspace is %s", res.Body)
			}

			// A signed-in member joins at once, whatever the invitation's email,
			// and gets a new session id.
			wsC := e.workspace("C")
			secretC, _ := e.token(wsC, rythme.RoleAdmin)
			res = e.do(req{method: "POST", path: "/v1/invitations", secret: secretC, body: map[string]string{"email": "cat.work@example.com", "role": "viewer"}, noCookies: true})
			expect(t, res, http.StatusCreated)
			var invC struct{ URL string }
			res.decode(t, &invC)
			before := cat.session()
			res = cat.do("POST", "/v1/invitations/accept", map[string]string{"token": linkToken(t, invC.URL, "#invite=")}, nil)
			expect(t, res, http.StatusOK)
			res.decode(t, &who)
			if who.Workspace.ID != wsC || who.Workspace.Role != rythme.RoleViewer || len(who.Workspaces) != 3 || cat.session() == before {
				t.Fatalf("a signed-in member accepting: %s", res.Body)
			}
			if _, err := e.store.MemberByEmail(context.Background(), "cat.work@example.com"); rythme.ErrorCode(err) != rythme.ENOTFOUND {
				t.Fatalf("accepting while signed in made another member: %v", err)
			}
		})
	}
}

// Admins list members, change their roles and remove them; no one changes
// its own membership; a removed member reaches the workspace no more.
func TestMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[0].open(t))
	ada := e.newMember("ada@example.com", "Ada", "analytical engine", e.ws, rythme.RoleAdmin)
	bob := e.newMember("bob@example.com", "Bob", "a long password", e.ws, rythme.RoleViewer)
	admin, bobs := e.browser(), e.browser()
	admin.signIn("ada@example.com", "analytical engine")
	bobs.signIn("bob@example.com", "a long password")

	res := bobs.do("GET", "/v1/members", nil, nil)
	expect(t, res, http.StatusOK)
	var list struct {
		Data []struct {
			ID   string
			Name string
			Role rythme.Role
		}
	}
	res.decode(t, &list)
	if len(list.Data) != 2 || list.Data[0].Name != "Ada" || list.Data[1].Role != rythme.RoleViewer {
		t.Fatalf("members %s", res.Body)
	}
	expect(t, bobs.do("PATCH", "/v1/members/"+bob.ID, map[string]string{"role": "admin"}, nil), http.StatusForbidden)
	expect(t, admin.do("PATCH", "/v1/members/"+ada.ID, map[string]string{"role": "viewer"}, nil), http.StatusConflict)
	expect(t, admin.do("DELETE", "/v1/members/"+ada.ID, nil, nil), http.StatusConflict)
	expect(t, admin.do("PATCH", "/v1/members/"+bob.ID, map[string]string{"role": "owner"}, nil), http.StatusUnprocessableEntity)
	expect(t, admin.do("PATCH", "/v1/members/"+bob.ID, map[string]string{"role": "editor"}, nil), http.StatusOK)
	acc := e.account(e.ws, "ann", rythme.AccountConnected)
	post := map[string]any{"content": "by Bob", "scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339),
		"targets": []map[string]string{{"account_id": acc.ID}}}
	res = bobs.do("POST", "/v1/posts", post, nil)
	expect(t, res, http.StatusCreated)
	// The author is the member, by name and id.
	var p struct {
		Author         string `json:"author"`
		AuthorMemberID string `json:"author_member_id"`
	}
	res.decode(t, &p)
	if p.Author != "Bob" || p.AuthorMemberID != bob.ID {
		t.Fatalf("author of a member's post: %s", res.Body)
	}
	// A token's post, or a member naming a contributor, keeps free text.
	post["author"] = "Grace, from the community"
	res = bobs.do("POST", "/v1/posts", post, nil)
	expect(t, res, http.StatusCreated)
	p.Author, p.AuthorMemberID = "", ""
	res.decode(t, &p)
	if p.Author != "Grace, from the community" || p.AuthorMemberID != "" {
		t.Fatalf("author of a contributor's post: %s", res.Body)
	}

	expect(t, admin.do("DELETE", "/v1/members/"+bob.ID, nil, nil), http.StatusNoContent)
	expect(t, admin.do("DELETE", "/v1/members/"+bob.ID, nil, nil), http.StatusNotFound)
	res = bobs.do("GET", "/v1/posts", nil, nil)
	expect(t, res, http.StatusForbidden)
	res = bobs.do("GET", "/v1/me", nil, nil)
	expect(t, res, http.StatusOK)
	var who me
	res.decode(t, &who)
	if len(who.Workspaces) != 0 || who.Workspace != nil {
		t.Fatalf("a removed member still has a workspace: %s", res.Body)
	}
}

// An instance administrator creates workspaces (an agency, one per
// client) and is their admin; no one else can.
func TestCreateWorkspace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[0].open(t))
	root := e.newMember("root@example.com", "Root", "instance admin password", e.ws, rythme.RoleAdmin)
	if _, err := storeDB(t, e.store).Exec(`UPDATE members SET instance_admin = true WHERE id = $1`, root.ID); err != nil {
		t.Fatal(err)
	}
	e.newMember("ada@example.com", "Ada", "analytical engine", e.ws, rythme.RoleAdmin)
	br, ada := e.browser(), e.browser()
	br.signIn("root@example.com", "instance admin password")
	ada.signIn("ada@example.com", "analytical engine")
	expect(t, ada.do("POST", "/v1/workspaces", map[string]string{"name": "Client"}, nil), http.StatusForbidden)
	expect(t, br.do("POST", "/v1/workspaces", map[string]string{"name": " "}, nil), http.StatusUnprocessableEntity)
	res := br.do("POST", "/v1/workspaces", map[string]string{"name": "Client Co"}, nil)
	expect(t, res, http.StatusCreated)
	var ws rythme.Workspace
	res.decode(t, &ws)
	res = br.do("GET", "/v1/me", nil, nil)
	var who me
	res.decode(t, &who)
	if len(who.Workspaces) != 2 {
		t.Fatalf("me after creating a workspace: %s", res.Body)
	}
	res = br.do("GET", "/v1/workspace", nil, map[string]string{api.WorkspaceHeader: ws.ID})
	if !strings.Contains(string(res.Body), "Client Co") {
		t.Fatalf("the new workspace: %s", res.Body)
	}
}

// The leaderboard ranks members by their name: a member's posts count
// under it, beside a contributor named in free text.
func TestLeaderboardRanksMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[0].open(t))
	e.newMember("grace@example.com", "Grace Hopper", "a long password", e.ws, rythme.RoleEditor)
	grace := e.browser()
	grace.signIn("grace@example.com", "a long password")
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	ctx := context.Background()
	publish := func(author string, likes int64) {
		t.Helper()
		body := map[string]any{"content": "x", "scheduled_at": "now", "targets": []map[string]string{{"account_id": acc.ID}}}
		if author != "" {
			body["author"] = author
		}
		res := grace.do("POST", "/v1/posts", body, nil)
		expect(t, res, http.StatusCreated)
		var p postOut
		res.decode(t, &p)
		at := p.ScheduledAt
		tg := p.Targets[0]
		if _, err := e.store.ClaimTarget(ctx, tg.ID, 1, at, at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.FinishTarget(ctx, tg.ID, 1, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "ext-" + tg.ID, At: at}); err != nil {
			t.Fatal(err)
		}
		due, err := e.store.DueMetrics(ctx, at.Add(time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range due {
			if d.TargetID == tg.ID {
				reach := int64(100)
				if err := e.store.SaveMetrics(ctx, d, rythme.Metrics{At: at.Add(20 * time.Minute), Likes: &likes, Reach: &reach}, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	publish("", 30)
	publish("", 10)
	publish("Ann, a customer", 25)
	e.clock.Add(time.Hour) // the readings are 20 minutes after publication
	var lb struct {
		Rows []struct {
			Author     string `json:"author"`
			Posts      int    `json:"posts"`
			Engagement int64  `json:"engagement"`
		} `json:"rows"`
	}
	res := e.as(rythme.RoleViewer, "GET", "/v1/reports/leaderboard", nil)
	expect(t, res, http.StatusOK)
	res.decode(t, &lb)
	if len(lb.Rows) != 2 || lb.Rows[0].Author != "Grace Hopper" || lb.Rows[0].Posts != 2 || lb.Rows[0].Engagement != 40 ||
		lb.Rows[1].Author != "Ann, a customer" {
		t.Fatalf("leaderboard %s", res.Body)
	}
}

// countingLimiter is a shared sign-in limiter as two replicas would see
// it; failing makes it answer errors, as Redis down would.
type countingLimiter struct {
	mu      sync.Mutex
	counts  map[string]int
	failing bool
}

func (l *countingLimiter) Allow(_ context.Context, key string, every time.Duration, burst int) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failing {
		return false, 0, errors.New("redis: connection refused")
	}
	if l.counts == nil {
		l.counts = map[string]int{}
	}
	if l.counts[key] >= burst {
		return false, every, nil
	}
	l.counts[key]++
	return true, 0, nil
}

// With a shared limiter, two replicas draw from one bucket per account; the
// limiter never sees an email; when it fails, each replica counts its own
// attempts rather than let them all through.
func TestSignInSharedLimiter(t *testing.T) {
	t.Parallel()
	st := backends[0].open(t)
	shared := &countingLimiter{}
	withShared := func(c *api.Config) { c.SignInLimiter = shared }
	a, b := newEnv(t, st, withShared), newEnv(t, st, withShared)
	a.newMember("ada@example.com", "Ada", "analytical engine", a.ws, rythme.RoleEditor)
	attempt := func(e *env, email, pw string) *response {
		return e.browser().do("POST", "/v1/session", map[string]string{"email": email, "password": pw}, nil)
	}
	for i := range 5 {
		e := a
		if i%2 == 1 {
			e = b
		}
		expect(t, attempt(e, "ada@example.com", "guess"), http.StatusUnauthorized)
	}
	res := attempt(b, "ada@example.com", "analytical engine")
	expect(t, res, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After %q; want the shared limiter's 60", res.Header.Get("Retry-After"))
	}
	shared.mu.Lock()
	for k := range shared.counts {
		if strings.Contains(strings.ToLower(k), "ada") || strings.Contains(k, "@") || strings.Contains(k, "127.0.0.1") {
			t.Errorf("the shared limiter saw %q; want hashed keys", k)
		}
	}
	shared.failing = true
	shared.mu.Unlock()

	a.newMember("grace@example.com", "Grace", "compiler", a.ws, rythme.RoleEditor)
	for range 5 {
		expect(t, attempt(a, "grace@example.com", "guess"), http.StatusUnauthorized)
	}
	expect(t, attempt(a, "grace@example.com", "compiler"), http.StatusTooManyRequests)
	if !strings.Contains(a.logs.String(), "shared sign-in limiter failed") {
		t.Errorf("the limiter's failure was not logged: %s", a.logs.String())
	}
}

// A member changes the password with the current one: every other session
// ends, this browser stays signed in with a new session, the old password
// stops working; a token cannot do it; a bad new password changes nothing.
// Wrong current passwords count as sign-in attempts.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[1].open(t))
	e.newMember("ada@example.com", "Ada", "analytical engine", e.ws, rythme.RoleEditor)
	laptop, phone := e.browser(), e.browser()
	laptop.signIn("ada@example.com", "analytical engine")
	phone.signIn("ada@example.com", "analytical engine")
	before := laptop.session()

	res := laptop.do("PUT", "/v1/password", map[string]string{"current_password": "not it at all", "new_password": "difference engine"}, nil)
	expect(t, res, http.StatusUnauthorized)
	res = laptop.do("PUT", "/v1/password", map[string]string{"current_password": "analytical engine", "new_password": "short"}, nil)
	expect(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(string(res.Body), "new_password") {
		t.Errorf("422 does not name the field: %s", res.Body)
	}
	expect(t, phone.do("GET", "/v1/me", nil, nil), http.StatusOK) // nothing changed yet

	expect(t, laptop.do("PUT", "/v1/password", map[string]string{"current_password": "analytical engine", "new_password": "difference engine"}, nil), http.StatusNoContent)
	if laptop.session() == "" || laptop.session() == before {
		t.Fatalf("the browser's session was not renewed (%q → %q)", before, laptop.session())
	}
	expect(t, laptop.do("GET", "/v1/me", nil, nil), http.StatusOK)
	expect(t, phone.do("GET", "/v1/me", nil, nil), http.StatusUnauthorized)
	e.browser().signIn("ada@example.com", "difference engine") // the 5th attempt of the minute: the last allowed
	m, err := e.store.MemberByEmail(context.Background(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := password.Verify("analytical engine", m.PasswordHash); ok || err != nil {
		t.Errorf("the old password still verifies (%v, %v)", ok, err)
	}

	// API tokens belong to no member: 403.
	res = e.as(rythme.RoleAdmin, "PUT", "/v1/password", map[string]string{"current_password": "x", "new_password": "difference engine"})
	expect(t, res, http.StatusForbidden)
}
