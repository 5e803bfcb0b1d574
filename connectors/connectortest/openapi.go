package connectortest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Spec is a network's own machine-readable API description (OpenAPI 3.0
// or 3.1, or Swagger 2.0), pinned under connectors/testdata/specs, that
// recorded exchanges are checked against: the operation must exist, its
// path, query, header and body parameters must be declared and valid
// (a query parameter the spec does not declare is a problem: the network
// would ignore or refuse it), and the answer's status, content type and
// JSON body must be the ones documented.
type Spec struct {
	// BearerParams names parameters the spec lists (in the query, a
	// header or the form) that the connectors send as an
	// "Authorization: Bearer" header instead, as the network's docs ask
	// (Slack's token).
	BearerParams []string
	// FailureField, when set, names a boolean of a 2xx JSON answer that
	// is false on a failure, which is then checked against the default
	// response: Slack answers its errors with HTTP 200 and {"ok": false},
	// and its spec documents them as each method's default response.
	FailureField string

	doc     map[string]any
	swagger bool
	base    string // the API's path prefix: "/api/v10", "/api", ""
	mu      sync.Mutex
	c       *jsonschema.Compiler
	cache   map[string]*jsonschema.Schema
}

const specURL = "mem://spec/openapi.json"

// LoadSpec reads and prepares the document at path. An OpenAPI 3.0
// document's "nullable: true" becomes a "null" type, so that the JSON
// Schema validator (draft 2020-12 for OpenAPI, draft 4 for Swagger 2.0)
// reads it as the spec means.
func LoadSpec(path string) (*Spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: not a JSON object", path)
	}
	s := &Spec{doc: doc, cache: map[string]*jsonschema.Schema{}}
	s.c = jsonschema.NewCompiler()
	switch {
	case doc["swagger"] == "2.0":
		s.swagger = true
		s.base, _ = doc["basePath"].(string)
		itemsAsOneOf(doc)
		s.c.DefaultDraft(jsonschema.Draft4)
	case strings.HasPrefix(str(doc["openapi"]), "3."):
		if strings.HasPrefix(str(doc["openapi"]), "3.0") {
			nullable(doc)
		}
		if servers, _ := doc["servers"].([]any); len(servers) > 0 {
			if u, err := url.Parse(str(obj(servers[0])["url"])); err == nil {
				s.base = u.Path
			}
		}
		s.c.DefaultDraft(jsonschema.Draft2020)
	default:
		return nil, fmt.Errorf("%s: neither OpenAPI 3 nor Swagger 2.0", path)
	}
	s.base = strings.TrimSuffix(s.base, "/")
	if err := s.c.AddResource(specURL, doc); err != nil {
		return nil, err
	}
	return s, nil
}

// nullable rewrites OpenAPI 3.0's {"type": T, "nullable": true} as
// {"type": [T, "null"]} throughout v.
func nullable(v any) {
	switch v := v.(type) {
	case map[string]any:
		if v["nullable"] == true {
			if t, ok := v["type"].(string); ok {
				v["type"] = []any{t, "null"}
			}
		}
		for _, c := range v {
			nullable(c)
		}
	case []any:
		for _, c := range v {
			nullable(c)
		}
	}
}

// itemsAsOneOf rewrites an object schema whose "items" is a list of
// object schemas as a "oneOf" of them: Slack's spec writes its
// alternative answers so (reactions.get: a message, a file or a file
// comment), which JSON Schema reads as a tuple of array items and never
// applies to an object.
func itemsAsOneOf(v any) {
	switch v := v.(type) {
	case map[string]any:
		if list, ok := v["items"].([]any); ok && v["type"] == "object" {
			v["oneOf"] = list
			delete(v, "items")
		}
		for _, c := range v {
			itemsAsOneOf(c)
		}
	case []any:
		for _, c := range v {
			itemsAsOneOf(c)
		}
	}
}

func str(v any) string { s, _ := v.(string); return s }

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

// Problem is one way an exchange departs from the spec.
type Problem struct {
	Op     string // "POST /2/tweets"
	Where  string // "query post.fields", "request body", "response 200"
	Detail string
}

func (p Problem) String() string { return p.Op + ": " + p.Where + ": " + p.Detail }

// Doc returns the parsed document, for tests that read its limits.
func (s *Spec) Doc() map[string]any { return s.doc }

// Schema returns the schema at a JSON pointer of the document
// ("/components/schemas/Post"), following $ref, or nil.
func (s *Spec) Schema(ptr string) map[string]any {
	m, _ := s.resolve(s.at(ptr), ptr)
	return m
}

// Limit returns the integer keyword (maxLength, maxItems…) of the schema
// at ptr, failing t when it has none.
func (s *Spec) Limit(t testing.TB, ptr, keyword string) int {
	t.Helper()
	n, ok := s.Schema(ptr)[keyword].(json.Number)
	if !ok {
		t.Fatalf("the spec's %s has no %s", ptr, keyword)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("the spec's %s %s is %v", ptr, keyword, n)
	}
	return int(i)
}

// at returns the value at a JSON pointer.
func (s *Spec) at(ptr string) any {
	var v any = s.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := v.(type) {
		case map[string]any:
			v = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// resolve follows $ref from v (found at ptr) and returns the object and
// its pointer.
func (s *Spec) resolve(v any, ptr string) (map[string]any, string) {
	for range 20 {
		m := obj(v)
		ref, ok := m["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#/") {
			return m, ptr
		}
		ptr = strings.TrimPrefix(ref, "#")
		v = s.at(ptr)
	}
	return nil, ptr
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

func (s *Spec) compile(ptr string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.cache[ptr]; ok {
		return sch, nil
	}
	sch, err := s.c.Compile(specURL + "#" + ptr)
	if err != nil {
		return nil, err
	}
	s.cache[ptr] = sch
	return sch, nil
}

// validate checks v against the schema at ptr.
func (s *Spec) validate(ptr string, v any) string {
	sch, err := s.compile(ptr)
	if err != nil {
		return "the spec's schema does not compile: " + err.Error()
	}
	if err := sch.Validate(v); err != nil {
		return err.Error()
	}
	return ""
}

// CheckJSON validates a JSON document against the schema at ptr
// ("/components/schemas/IncomingWebhookRequestPartial"), for a body the
// operation's own schema checks only loosely; it returns "" when valid.
func (s *Spec) CheckJSON(ptr string, body []byte) string {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return "not JSON: " + err.Error()
	}
	return s.validate(ptr, v)
}

// validateInline checks v against a schema built here (Swagger 2.0's
// primitive parameters, which carry no $ref).
func validateInline(schema map[string]any, v any) string {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	if err := c.AddResource("mem://inline.json", schema); err != nil {
		return err.Error()
	}
	sch, err := c.Compile("mem://inline.json")
	if err != nil {
		return "the spec's parameter does not compile: " + err.Error()
	}
	if err := sch.Validate(v); err != nil {
		return err.Error()
	}
	return ""
}

// Match finds the spec's path template for path (with the API's base
// prefix), literal segments winning over parameters.
func (s *Spec) Match(path string) (tmpl string, ok bool) {
	if !strings.HasPrefix(path, s.base+"/") {
		return "", false
	}
	path = strings.TrimPrefix(path, s.base)
	paths := obj(s.doc["paths"])
	if _, ok := paths[path]; ok {
		return path, true
	}
	segs := strings.Split(path, "/")
	var found []string
	for t := range paths {
		ts := strings.Split(t, "/")
		if len(ts) != len(segs) {
			continue
		}
		match := true
		for i := range ts {
			if ts[i] != segs[i] && !(strings.HasPrefix(ts[i], "{") && segs[i] != "") {
				match = false
				break
			}
		}
		if match {
			found = append(found, t)
		}
	}
	if len(found) == 0 {
		return "", false
	}
	sort.Strings(found) // "{" sorts after letters and digits
	return found[0], true
}

// param is a resolved parameter and the pointer of its schema.
type param struct {
	name, in  string
	required  bool
	explode   bool
	schema    map[string]any
	schemaPtr string // "" for a Swagger 2.0 primitive (schema is inline)
}

func (s *Spec) params(tmpl, method string) []param {
	var out []param
	seen := map[string]int{}
	for _, base := range []string{"/paths/" + escape(tmpl), "/paths/" + escape(tmpl) + "/" + method} {
		list, _ := s.at(base + "/parameters").([]any)
		for i := range list {
			p, ptr := s.resolve(list[i], base+"/parameters/"+strconv.Itoa(i))
			if p == nil {
				continue
			}
			q := param{name: str(p["name"]), in: str(p["in"]), required: p["required"] == true, explode: true}
			if e, ok := p["explode"].(bool); ok {
				q.explode = e
			} else if st := str(p["style"]); st != "" && st != "form" {
				q.explode = false
			}
			if s.swagger && q.in != "body" {
				q.schema = map[string]any{}
				for k, v := range p {
					switch k {
					case "name", "in", "required", "description", "collectionFormat", "allowEmptyValue":
					default:
						if !strings.HasPrefix(k, "x-") {
							q.schema[k] = v
						}
					}
				}
				q.explode = str(p["collectionFormat"]) == "multi"
			} else {
				q.schema, q.schemaPtr = s.resolve(p["schema"], ptr+"/schema")
			}
			if j, ok := seen[q.in+" "+q.name]; ok {
				out[j] = q // the operation's overrides the path's
				continue
			}
			seen[q.in+" "+q.name] = len(out)
			out = append(out, q)
		}
	}
	return out
}

// Check returns every way x departs from the spec; none when it is valid.
func (s *Spec) Check(x Exchange) []Problem {
	op := x.String()
	tmpl, ok := s.Match(x.Path)
	if !ok {
		return []Problem{{op, "path", "no path of the spec matches (base " + s.base + ")"}}
	}
	// From here the operation is named by its template, never by a path
	// that may hold a credential (a webhook's token).
	op = x.Method + " " + s.base + tmpl
	method := strings.ToLower(x.Method)
	opPtr := "/paths/" + escape(tmpl) + "/" + method
	if obj(s.at(opPtr)) == nil {
		return []Problem{{op, "method", "the spec has no " + x.Method + " on " + tmpl}}
	}
	var probs []Problem
	add := func(where, detail string) {
		if detail != "" {
			probs = append(probs, Problem{op, where, detail})
		}
	}
	params := s.params(tmpl, method)
	bearer := strings.HasPrefix(strings.ToLower(x.Header.Get("Authorization")), "bearer ")
	isBearer := func(name string) bool {
		for _, b := range s.BearerParams {
			if b == name {
				return bearer
			}
		}
		return false
	}
	declared := map[string]bool{}
	var formParams []param
	for _, p := range params {
		switch p.in {
		case "path":
			segs, ts := strings.Split(strings.TrimPrefix(x.Path, s.base), "/"), strings.Split(tmpl, "/")
			for i := range ts {
				if ts[i] == "{"+p.name+"}" && i < len(segs) {
					v, _ := url.PathUnescape(segs[i])
					add("path "+p.name, s.checkValue(p, []string{v}))
				}
			}
		case "query":
			declared[p.name] = true
			vals, ok := x.Query[p.name]
			if !ok {
				if p.required && !isBearer(p.name) {
					add("query "+p.name, "is required")
				}
				continue
			}
			add("query "+p.name, s.checkValue(p, vals))
		case "header":
			if p.required && x.Header.Get(p.name) == "" && !isBearer(p.name) {
				add("header "+p.name, "is required")
			}
		case "formData":
			formParams = append(formParams, p)
		}
	}
	for name := range x.Query {
		if !declared[name] {
			add("query "+name, "is not a parameter of this operation")
		}
	}
	add("request body", s.checkBody(opPtr, x, formParams, isBearer))
	for _, d := range s.checkResponse(opPtr, x) {
		add("response "+strconv.Itoa(x.Status), d)
	}
	return probs
}

// checkValue validates a parameter's raw values against its schema.
func (s *Spec) checkValue(p param, vals []string) string {
	var v any
	if typeOf(p.schema) == "array" {
		var raw []string
		if p.explode {
			raw = vals
		} else {
			for _, val := range vals {
				raw = append(raw, strings.Split(val, ",")...)
			}
		}
		items, _ := s.resolve(p.schema["items"], p.schemaPtr+"/items")
		arr := make([]any, 0, len(raw))
		for _, r := range raw {
			arr = append(arr, coerce(r, items))
		}
		v = arr
	} else {
		if len(vals) > 1 {
			return fmt.Sprintf("given %d times", len(vals))
		}
		v = coerce(vals[0], p.schema)
	}
	if p.schemaPtr == "" {
		return validateInline(p.schema, v)
	}
	return s.validate(p.schemaPtr, v)
}

// typeOf is a schema's type, the first that is not "null" of a list.
func typeOf(schema map[string]any) string {
	switch t := schema["type"].(type) {
	case string:
		return t
	case []any:
		for _, e := range t {
			if e != "null" {
				return str(e)
			}
		}
	}
	return ""
}

// coerce reads a form or query value as the type its schema says, so
// that "3" is checked as the integer it stands for; a value that does not
// read as its type stays a string, which the schema then refuses.
func coerce(raw string, schema map[string]any) any {
	switch typeOf(schema) {
	case "integer":
		if _, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return json.Number(raw)
		}
	case "number":
		if _, err := strconv.ParseFloat(raw, 64); err == nil {
			return json.Number(raw)
		}
	case "boolean":
		if b, err := strconv.ParseBool(raw); err == nil && (raw == "true" || raw == "false" || raw == "1" || raw == "0") {
			return b
		}
	}
	return raw
}

// checkBody validates the request body against the operation's
// requestBody (OpenAPI 3) or its body / formData parameters (Swagger).
func (s *Spec) checkBody(opPtr string, x Exchange, form []param, isBearer func(string) bool) string {
	ct, ctParams, _ := mime.ParseMediaType(x.Header.Get("Content-Type"))
	if s.swagger {
		return s.checkSwaggerBody(opPtr, x, ct, ctParams, form, isBearer)
	}
	rb, rbPtr := s.resolve(s.at(opPtr+"/requestBody"), opPtr+"/requestBody")
	if rb == nil {
		if len(x.Body) > 0 {
			return "the operation takes no body, got " + strconv.Itoa(len(x.Body)) + " bytes"
		}
		return ""
	}
	if len(x.Body) == 0 {
		if rb["required"] == true {
			return "is required"
		}
		return ""
	}
	content := obj(rb["content"])
	if _, ok := content[ct]; !ok {
		return fmt.Sprintf("content type %q is not one of %v", ct, keys(content))
	}
	schemaPtr := rbPtr + "/content/" + escape(ct) + "/schema"
	schema, _ := s.resolve(s.at(schemaPtr), schemaPtr)
	v, ok, msg := decodeBody(x.Body, ct, ctParams["boundary"], func(fields url.Values) map[string]any {
		return s.formObject(fields, schema, schemaPtr)
	})
	if !ok {
		return msg
	}
	return s.validate(schemaPtr, v)
}

// formObject reads form fields as the object the schema describes.
func (s *Spec) formObject(fields url.Values, schema map[string]any, ptr string) map[string]any {
	out := map[string]any{}
	props := obj(schema["properties"])
	for name, vals := range fields {
		prop, _ := s.resolve(props[name], ptr+"/properties/"+escape(name))
		if typeOf(prop) == "array" {
			items, _ := s.resolve(prop["items"], "")
			arr := []any{}
			for _, v := range vals {
				arr = append(arr, coerce(v, items))
			}
			out[name] = arr
			continue
		}
		out[name] = coerce(vals[0], prop)
	}
	return out
}

// decodeBody reads a request body of type ct as the value its schema
// checks: JSON as it is, a form or multipart body as the object fields
// makes of its fields. ok is false for any other type (a binary upload,
// with nothing to check but its type) and when msg names a problem.
func decodeBody(body []byte, ct, boundary string, fields func(url.Values) map[string]any) (v any, ok bool, msg string) {
	switch ct {
	case "application/json":
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			return nil, false, "is not JSON: " + err.Error()
		}
		return v, true, ""
	case "multipart/form-data":
		f, err := readMultipart(body, boundary)
		if err != nil {
			return nil, false, "is not multipart: " + err.Error()
		}
		return fields(f), true, ""
	case "application/x-www-form-urlencoded":
		f, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, false, "is not a form: " + err.Error()
		}
		return fields(f), true, ""
	}
	return nil, false, ""
}

// readMultipart returns a multipart body's fields; a file's content is
// its value.
func readMultipart(body []byte, boundary string) (url.Values, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	out := url.Values{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		out.Add(p.FormName(), string(b))
	}
}

// checkSwaggerBody validates a Swagger 2.0 body: a "body" parameter's
// schema, or the formData parameters as one object (sent as a form or,
// where the operation consumes it, as JSON). A field no formData
// parameter names is a problem.
func (s *Spec) checkSwaggerBody(opPtr string, x Exchange, ct string, ctParams map[string]string, form []param, isBearer func(string) bool) string {
	if len(x.Body) == 0 {
		for _, p := range form {
			if p.required && !isBearer(p.name) {
				return "formData " + p.name + " is required"
			}
		}
		return ""
	}
	consumes, _ := s.at(opPtr + "/consumes").([]any)
	if consumes == nil {
		consumes, _ = s.doc["consumes"].([]any)
	}
	listed := false
	for _, c := range consumes {
		listed = listed || c == ct
	}
	if !listed {
		return fmt.Sprintf("content type %q is not one the operation consumes %v", ct, consumes)
	}
	props := map[string]any{}
	var required []any
	for _, p := range form {
		props[p.name] = p.schema
		if p.required && !isBearer(p.name) {
			required = append(required, p.name)
		}
	}
	schema := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		schema["required"] = required
	}
	v, ok, msg := decodeBody(x.Body, ct, ctParams["boundary"], func(fields url.Values) map[string]any {
		m := map[string]any{}
		for name, vals := range fields {
			m[name] = coerce(vals[0], obj(props[name]))
		}
		return m
	})
	if !ok {
		return msg
	}
	return validateInline(schema, v)
}

// checkResponse validates the answer: its status must be documented
// (exactly, as a range such as 4XX, or as the default), its content type
// listed and its JSON body valid.
func (s *Spec) checkResponse(opPtr string, x Exchange) []string {
	responses := obj(s.at(opPtr + "/responses"))
	code := strconv.Itoa(x.Status)
	candidates := []string{code, code[:1] + "XX", code[:1] + "xx", "default"}
	if s.FailureField != "" && x.Status/100 == 2 {
		var body map[string]any
		if json.Unmarshal(x.RespBody, &body) == nil && body[s.FailureField] == false {
			candidates = []string{"default"}
		}
	}
	key := ""
	for _, k := range candidates {
		if _, ok := responses[k]; ok {
			key = k
			break
		}
	}
	if key == "" {
		return []string{"the status is not documented (" + strings.Join(keys(responses), ", ") + ")"}
	}
	resp, ptr := s.resolve(responses[key], opPtr+"/responses/"+escape(key))
	ct, _, _ := mime.ParseMediaType(x.RespHeader.Get("Content-Type"))
	var schemaPtr string
	if s.swagger {
		if resp["schema"] == nil {
			return nil
		}
		schemaPtr = ptr + "/schema"
	} else {
		content := obj(resp["content"])
		if len(content) == 0 {
			if len(bytes.TrimSpace(x.RespBody)) > 0 {
				return []string{"documented without a body, got " + strconv.Itoa(len(x.RespBody)) + " bytes"}
			}
			return nil
		}
		if _, ok := content[ct]; !ok {
			return []string{fmt.Sprintf("content type %q is not one of %v", ct, keys(content))}
		}
		if obj(content[ct])["schema"] == nil {
			return nil
		}
		schemaPtr = ptr + "/content/" + escape(ct) + "/schema"
	}
	if ct != "application/json" && !strings.HasSuffix(ct, "+json") {
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(x.RespBody))
	if err != nil {
		return []string{"the body is not JSON: " + err.Error()}
	}
	if msg := s.validate(schemaPtr, v); msg != "" {
		return []string{msg}
	}
	return nil
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
