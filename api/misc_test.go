package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// storeFor returns a fresh SQLite store.
func storeFor(t *testing.T) rythme.Store { return storetest.SQLite(t) }

// nilStore satisfies rythme.Store for tests that never reach it; any call
// panics.
type nilStore struct{ rythme.Store }

// downStore is a store whose database is unreachable.
type downStore struct{ rythme.Store }

func (downStore) Ping(context.Context) error {
	return &rythme.Error{Code: rythme.EUNAVAILABLE, Message: "dial tcp 10.0.0.7:5432: connection refused"}
}

func (downStore) TokenByHash(context.Context, []byte) (*rythme.APIToken, error) {
	return nil, &rythme.Error{Code: rythme.EUNAVAILABLE, Message: "dial tcp 10.0.0.7:5432: connection refused"}
}

// panicStore panics on a token lookup, to exercise the recovery.
type panicStore struct{ rythme.Store }

func (panicStore) TokenByHash(context.Context, []byte) (*rythme.APIToken, error) {
	panic("boom: SELECT secret FROM tokens")
}

func TestNewRequiresStoreAndConnectors(t *testing.T) {
	t.Parallel()
	if _, err := api.New(api.Config{Connectors: connectors.NewRegistry()}); err == nil {
		t.Error("New without a store: no error")
	}
	if _, err := api.New(api.Config{Store: nilStore{}}); err == nil {
		t.Error("New without connectors: no error")
	}
}

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	redisDown := false
	e := newEnv(t, storeFor(t), func(c *api.Config) {
		c.Ready = func(context.Context) error {
			if redisDown {
				return errors.New("dial tcp 10.0.0.9:6379: i/o timeout")
			}
			return nil
		}
	})
	expect(t, e.do(req{method: "GET", path: "/healthz"}), http.StatusOK)
	expect(t, e.do(req{method: "GET", path: "/readyz"}), http.StatusOK)
	redisDown = true
	res := e.do(req{method: "GET", path: "/readyz"})
	expect(t, res, http.StatusServiceUnavailable)
	if msg := res.err(t).Error.Message; !strings.Contains(msg, "Redis") || strings.Contains(msg, "10.0.0.9") {
		t.Errorf("readyz message %q: must name Redis, not its address", msg)
	}
}

func TestDatabaseDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	h, err := api.New(api.Config{Store: downStore{Store: e.store}, Connectors: connectors.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	res := e.do(req{method: "GET", path: "/readyz"})
	expect(t, res, http.StatusServiceUnavailable)
	if msg := res.err(t).Error.Message; !strings.Contains(msg, "database") || strings.Contains(msg, "5432") {
		t.Errorf("readyz message %q", msg)
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/posts", nil)
	expect(t, res, http.StatusServiceUnavailable)
	if got := res.err(t); got.Error.Code != rythme.EUNAVAILABLE || got.Error.Message != "the database is unavailable; try again shortly" {
		t.Errorf("error %+v", got)
	}
	expect(t, e.do(req{method: "GET", path: "/healthz"}), http.StatusOK)
}

func TestPanicAnswersGeneric500(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	h, err := api.New(api.Config{Store: panicStore{}, Connectors: connectors.NewRegistry(), Logger: e.newLogger()})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	res := e.as(rythme.RoleViewer, "GET", "/v1/posts", nil)
	expect(t, res, http.StatusInternalServerError)
	if strings.Contains(string(res.Body), "boom") || strings.Contains(string(res.Body), "SELECT") {
		t.Errorf("panic text leaked: %s", res.Body)
	}
	if !strings.Contains(e.logs.String(), "boom") {
		t.Error("the panic was not logged")
	}
}

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	tests := []struct {
		name           string
		method, path   string
		status         int
		code           string
		authenticated  bool
		body           any
		wantFieldNamed string
	}{
		{"unknown route", "GET", "/nope", 404, rythme.ENOTFOUND, false, nil, ""},
		{"unknown v1 route", "GET", "/v1/nope", 404, rythme.ENOTFOUND, true, nil, ""},
		{"wrong method", "PUT", "/v1/posts", 405, "method_not_allowed", true, nil, ""},
		{"malformed id", "GET", "/v1/posts/pst_nope", 404, rythme.ENOTFOUND, true, nil, ""},
		{"other prefix id", "GET", "/v1/posts/" + rythme.NewID(rythme.PrefixTarget), 404, rythme.ENOTFOUND, true, nil, ""},
		{"missing post", "GET", "/v1/posts/" + rythme.NewID(rythme.PrefixPost), 404, rythme.ENOTFOUND, true, nil, ""},
		{"malformed JSON", "POST", "/v1/posts", 400, rythme.EBADREQUEST, true, `{"content": "hi",`, ""},
		{"syntax error", "POST", "/v1/posts", 400, rythme.EBADREQUEST, true, `{"content" "hi"}`, ""},
		{"empty body", "POST", "/v1/posts", 400, rythme.EBADREQUEST, true, ``, ""},
		{"two values", "POST", "/v1/posts", 400, rythme.EBADREQUEST, true, `{} {}`, ""},
		{"array body", "POST", "/v1/posts", 400, rythme.EBADREQUEST, true, `[]`, ""},
		{"wrong type", "POST", "/v1/posts", 400, rythme.EBADREQUEST, true, `{"content": 5}`, "content"},
		{"wrong nested type", "POST", "/v1/posts", 400, rythme.EBADREQUEST, true, `{"targets": [{"account_id": 5}]}`, "targets.account_id"},
		{"unknown field", "POST", "/v1/posts", 400, rythme.EBADREQUEST, true, `{"contnet": "hi"}`, "contnet"},
		{"unknown patch field", "PATCH", "/v1/posts/" + rythme.NewID(rythme.PrefixPost), 400, rythme.EBADREQUEST, true, `{"status": "x"}`, "status"},
		{"unknown token field", "POST", "/v1/tokens", 400, rythme.EBADREQUEST, true, `{"name": "x", "role": "admin", "secret": "x"}`, "secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req{method: tt.method, path: tt.path, body: tt.body}
			if tt.authenticated {
				r.secret = e.secrets[rythme.RoleAdmin]
			}
			res := e.do(r)
			expect(t, res, tt.status)
			got := res.err(t)
			if got.Error.Code != tt.code || got.Error.Message == "" {
				t.Errorf("error %+v, want code %s", got, tt.code)
			}
			if tt.wantFieldNamed != "" && !got.hasField(tt.wantFieldNamed) {
				t.Errorf("error %+v does not name field %s", got, tt.wantFieldNamed)
			}
			if strings.Contains(string(res.Body), "json:") || strings.Contains(string(res.Body), "Go struct") {
				t.Errorf("Go error text leaked: %s", res.Body)
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t), func(c *api.Config) { c.MaxBodyBytes = 1000 })
	acc := e.account(e.ws, "big", rythme.AccountConnected)
	big := `{"content": "` + strings.Repeat("a", 2000) + `", "scheduled_at": "now", "targets": [{"account_id": "` + acc.ID + `"}]}`
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts", big)
	expect(t, res, http.StatusRequestEntityTooLarge)
	if res.err(t).Error.Code != rythme.ETOOLARGE {
		t.Errorf("code %s", res.err(t).Error.Code)
	}
	// Without a declared length, the limit holds while reading.
	r, _ := http.NewRequest("POST", "/v1/posts", strings.NewReader(big))
	r.ContentLength = -1
	r.Header.Set("Authorization", "Bearer "+e.secrets[rythme.RoleEditor])
	r.Header.Set("Content-Type", "application/json")
	rec := newRecorder()
	e.h.ServeHTTP(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body: status %d: %s", rec.Code, rec.Body)
	}
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	id := rythme.NewID(rythme.PrefixPost)
	e.as(rythme.RoleViewer, "GET", "/v1/posts/"+id, nil)
	res := e.do(req{method: "GET", path: "/metrics"})
	expect(t, res, http.StatusOK)
	body := string(res.Body)
	if !strings.Contains(body, `rythme_http_requests_total{method="GET",route="/v1/posts/:id",status="404"} 1`) {
		t.Errorf("metrics do not count the route template:\n%s", grep(body, "rythme_http"))
	}
	if strings.Contains(body, id) {
		t.Error("metrics hold an id")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"/v1/posts/:id"`) || !strings.Contains(logs, e.tokens[rythme.RoleViewer].ID) {
		t.Errorf("access log lacks route template or token id:\n%s", logs)
	}
	if strings.Contains(logs, e.secrets[rythme.RoleViewer]) || strings.Contains(logs, id) {
		t.Errorf("access log holds a secret or a raw path:\n%s", logs)
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestNetworks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	res := e.as(rythme.RoleViewer, "GET", "/v1/networks", nil)
	expect(t, res, http.StatusOK)
	var out struct{ Data []rythme.Network }
	res.decode(t, &out)
	if len(out.Data) != 1 || out.Data[0].Name != "fakenet" || out.Data[0].MaxLength != 100 {
		t.Errorf("networks %+v", out.Data)
	}
}

func TestWebPageMounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	res := e.do(req{method: "GET", path: "/"})
	expect(t, res, http.StatusOK)
	if !strings.Contains(string(res.Body), "<title>rythme</title>") {
		t.Errorf("page: %s", res.Body)
	}
	expect(t, e.do(req{method: "GET", path: "/assets/app.js"}), http.StatusOK)
	expect(t, e.do(req{method: "GET", path: "/assets/nope.js"}), http.StatusNotFound)
}

// Deeply nested JSON within the size limit is refused as a bad body
// (encoding/json bounds its nesting), never a 5xx or a stack overflow.
func TestDeepJSONIsABadRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	for _, body := range []string{
		strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000),
		`{"content": ` + strings.Repeat(`{"a":`, 100_000) + `1` + strings.Repeat("}", 100_000) + `}`,
	} {
		res := e.as(rythme.RoleEditor, "POST", "/v1/posts", body)
		expect(t, res, http.StatusBadRequest)
		if res.err(t).Error.Code != rythme.EBADREQUEST {
			t.Errorf("code %s", res.err(t).Error.Code)
		}
	}
}
