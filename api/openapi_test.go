package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

const docURL = "mem://rythme/openapi.json"

// openapi is the parsed document and a compiler over it.
type openapi struct {
	raw   []byte
	doc   map[string]any
	spec  *connectortest.Spec
	mu    sync.Mutex
	c     *jsonschema.Compiler
	cache map[string]*jsonschema.Schema
}

var (
	docOnce sync.Once
	theDoc  *openapi
	docErr  error
)

func loadDoc(t *testing.T) *openapi {
	t.Helper()
	docOnce.Do(func() {
		raw, err := os.ReadFile("openapi.json")
		if err != nil {
			docErr = err
			return
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			docErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		if err := c.AddResource(docURL, v); err != nil {
			docErr = err
			return
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			docErr = err
			return
		}
		spec, err := connectortest.LoadSpec("openapi.json")
		if err != nil {
			docErr = err
			return
		}
		theDoc = &openapi{raw: raw, doc: doc, spec: spec, c: c, cache: map[string]*jsonschema.Schema{}}
	})
	if docErr != nil {
		t.Fatalf("load openapi.json: %v", docErr)
	}
	return theDoc
}

// pointer escapes a JSON pointer token.
func pointer(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

func (o *openapi) schema(t *testing.T, ptr string) *jsonschema.Schema {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if s, ok := o.cache[ptr]; ok {
		return s
	}
	s, err := o.c.Compile(docURL + "#" + ptr)
	if err != nil {
		t.Fatalf("compile %s: %v", ptr, err)
	}
	o.cache[ptr] = s
	return s
}

// match finds the document path whose template matches path (literal
// segments winning over parameters), as the connectors' spec checks do.
func (o *openapi) match(path string) (string, bool) { return o.spec.Match(path) }

// checkResponse validates a recorded response against the operation's
// documented responses: the status must be documented, the content type
// listed, and a JSON body valid under the schema. Unknown routes and
// methods must answer the Error schema.
func checkResponse(t *testing.T, method, path string, res *response) {
	t.Helper()
	for _, p := range loadDoc(t).problems(t, method, path, res) {
		t.Error(p)
	}
}

func (o *openapi) problems(t *testing.T, method, path string, res *response) []string {
	t.Helper()
	ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	tmpl, ok := o.match(path)
	var op map[string]any
	if ok {
		op, _ = o.doc["paths"].(map[string]any)[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	}
	if op == nil {
		if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
			return []string{fmt.Sprintf("%s %s: undocumented operation answered %d", method, path, res.Status)}
		}
		return o.validate(t, method+" "+path, "/components/schemas/Error", res.Body)
	}
	base := "/paths/" + pointer(tmpl) + "/" + strings.ToLower(method) + "/responses/" + strconv.Itoa(res.Status)
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(res.Status)].(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s %s: status %d is not documented (%s)", method, path, res.Status, res.Body)}
	}
	if ref, ok := resp["$ref"].(string); ok {
		base = strings.TrimPrefix(ref, "#")
		name := base[strings.LastIndex(base, "/")+1:]
		resp = o.doc["components"].(map[string]any)["responses"].(map[string]any)[name].(map[string]any)
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(res.Body) != 0 {
			return []string{fmt.Sprintf("%s %s: %d documented without a body, got %s", method, path, res.Status, res.Body)}
		}
		return nil
	}
	if _, ok := content[ct]; !ok {
		return []string{fmt.Sprintf("%s %s: %d answered %q, documented: %v", method, path, res.Status, ct, keys(content))}
	}
	if ct == "application/json" {
		return o.validate(t, fmt.Sprintf("%s %s %d", method, path, res.Status), base+"/content/"+pointer(ct)+"/schema", res.Body)
	}
	return nil
}

func (o *openapi) validate(t *testing.T, what, ptr string, body []byte) []string {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return []string{fmt.Sprintf("%s: body is not JSON: %v: %s", what, err, body)}
	}
	if err := o.schema(t, ptr).Validate(v); err != nil {
		return []string{fmt.Sprintf("%s: body does not match %s: %v\nbody: %s", what, ptr, err, body)}
	}
	return nil
}

// TestResponseCheckerCatches makes sure the checker above can fail.
func TestResponseCheckerCatches(t *testing.T) {
	t.Parallel()
	o := loadDoc(t)
	jsonHdr := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	okPost := `{"id":"pst_1","workspace_id":"ws_1","content":"c","scheduled_at":"2030-01-01T00:00:00Z","timezone":"UTC","tags":[],"media":[],"thread":[],"created_at":"2030-01-01T00:00:00Z","updated_at":"2030-01-01T00:00:00Z","targets":[],"status":"scheduled"}`
	tests := []struct {
		name         string
		method, path string
		res          response
		wantProblem  bool
	}{
		{"valid post", "GET", "/v1/posts/pst_1", response{200, jsonHdr, []byte(okPost)}, false},
		{"leaked field", "GET", "/v1/posts/pst_1", response{200, jsonHdr, []byte(strings.Replace(okPost, `"status"`, `"access_token":"x","status"`, 1))}, true},
		{"missing field", "GET", "/v1/posts/pst_1", response{200, jsonHdr, []byte(strings.Replace(okPost, `"timezone":"UTC",`, "", 1))}, true},
		{"undocumented status", "GET", "/v1/posts/pst_1", response{418, jsonHdr, []byte(`{}`)}, true},
		{"error shape", "GET", "/v1/posts/pst_1", response{404, jsonHdr, []byte(`{"error":{"code":"not_found","message":"x"}}`)}, false},
		{"bad error shape", "GET", "/v1/posts/pst_1", response{404, jsonHdr, []byte(`{"message":"x"}`)}, true},
		{"unknown error code", "GET", "/v1/posts/pst_1", response{404, jsonHdr, []byte(`{"error":{"code":"oops","message":"x"}}`)}, true},
		{"wrong content type", "GET", "/v1/posts/pst_1", response{200, http.Header{"Content-Type": {"text/plain"}}, []byte(okPost)}, true},
		{"body on 204", "DELETE", "/v1/tokens/tok_1", response{204, jsonHdr, []byte(`{}`)}, true},
		{"unknown route", "GET", "/nope", response{404, jsonHdr, []byte(`{"error":{"code":"not_found","message":"x"}}`)}, false},
		{"unknown route 200", "GET", "/nope", response{200, jsonHdr, []byte(`{}`)}, true},
	}
	for _, tt := range tests {
		got := o.problems(t, tt.method, tt.path, &tt.res)
		if (len(got) > 0) != tt.wantProblem {
			t.Errorf("%s: problems %v, want a problem: %v", tt.name, got, tt.wantProblem)
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// renamedWildcards are routes whose wildcard gin had to name as another
// route of the same method and segment named it first, with the name the
// OpenAPI document gives it.
var renamedWildcards = map[string]string{"/v1/accounts/:network/poll": "/v1/accounts/{id}/poll",
	"/v1/accounts/:network/history": "/v1/accounts/{id}/history"}

// ginPath turns /v1/posts/:id and /assets/*filepath into OpenAPI templates.
func ginPath(p string) string {
	if doc, ok := renamedWildcards[p]; ok {
		return doc
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

// routes returns the API's gin routes as "METHOD /openapi/{template}".
func routes(t *testing.T, h http.Handler) []gin.RouteInfo {
	t.Helper()
	eng, ok := h.(*gin.Engine)
	if !ok {
		t.Fatalf("api.New returned %T, not *gin.Engine", h)
	}
	return eng.Routes()
}

func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	h, err := api.New(api.Config{Store: nilStore{}, Connectors: connectors.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	o := loadDoc(t)
	inGin := map[string]bool{}
	for _, r := range routes(t, h) {
		key := r.Method + " " + ginPath(r.Path)
		inGin[key] = true
		paths := o.doc["paths"].(map[string]any)
		item, ok := paths[ginPath(r.Path)].(map[string]any)
		if !ok || item[strings.ToLower(r.Method)] == nil {
			t.Errorf("route %s is not in openapi.json", key)
		}
	}
	methods := []string{"get", "put", "post", "delete", "patch", "head", "options"}
	for p, item := range o.doc["paths"].(map[string]any) {
		for _, m := range methods {
			if item.(map[string]any)[m] != nil && !inGin[strings.ToUpper(m)+" "+p] {
				t.Errorf("openapi.json documents %s %s, which is not a route", strings.ToUpper(m), p)
			}
		}
	}
	if o.doc["openapi"] != "3.1.0" {
		t.Errorf("openapi version %v", o.doc["openapi"])
	}
}

// TestOpenAPISchemasCompile compiles every schema of the document, so a
// broken $ref fails here and not in whichever test first meets it.
func TestOpenAPISchemasCompile(t *testing.T) {
	t.Parallel()
	o := loadDoc(t)
	for name := range o.doc["components"].(map[string]any)["schemas"].(map[string]any) {
		o.schema(t, "/components/schemas/"+pointer(name))
	}
	for p, item := range o.doc["paths"].(map[string]any) {
		for m, op := range item.(map[string]any) {
			opm, ok := op.(map[string]any)
			if !ok || m == "parameters" {
				continue
			}
			for status, r := range opm["responses"].(map[string]any) {
				if _, ref := r.(map[string]any)["$ref"]; ref {
					continue
				}
				if c, ok := r.(map[string]any)["content"].(map[string]any); ok && c["application/json"] != nil {
					o.schema(t, "/paths/"+pointer(p)+"/"+m+"/responses/"+status+"/content/application~1json/schema")
				}
			}
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	res := e.do(req{method: "GET", path: "/openapi.json"})
	expect(t, res, http.StatusOK)
	if !bytes.Equal(res.Body, loadDoc(t).raw) {
		t.Error("GET /openapi.json differs from api/openapi.json")
	}
}
