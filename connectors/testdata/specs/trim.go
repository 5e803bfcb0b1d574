//go:build ignore

// trim keeps, of a network's OpenAPI 3 or Swagger 2.0 document, only the
// paths rythme calls and every component they reference (transitively),
// so that the pinned copy holds what the tests check and nothing else.
// Its output is deterministic: the same input and paths give the same
// bytes (keys sorted, one-space indent, no HTML escaping).
//
//	go run ./connectors/testdata/specs/trim.go -in full.json -out connectors/testdata/specs/x/openapi.json \
//	    -paths /2/tweets,/2/users/me,…
//
// Each network's SOURCE.md gives its exact command.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

func main() {
	in := flag.String("in", "", "the network's full document")
	out := flag.String("out", "", "where to write the trimmed document")
	paths := flag.String("paths", "", "comma-separated paths to keep, as the document spells them")
	flag.Parse()
	if err := run(*in, *out, strings.Split(*paths, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "trim:", err)
		os.Exit(1)
	}
}

func run(in, out string, keep []string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	all, _ := doc["paths"].(map[string]any)
	kept := map[string]any{}
	for _, p := range keep {
		p = strings.TrimSpace(p)
		item, ok := all[p]
		if !ok {
			return fmt.Errorf("%s: no path %q", in, p)
		}
		kept[p] = item
	}
	// The sections components live in: OpenAPI 3's components, Swagger's
	// definitions, parameters and responses. Everything else of the top
	// level (info, servers, basePath…) is kept as it is.
	sections := map[string]int{"components": 3, "definitions": 2, "parameters": 2, "responses": 2}
	trimmed := map[string]any{}
	for k, v := range doc {
		if _, ok := sections[k]; !ok && k != "paths" {
			trimmed[k] = v
		}
	}
	trimmed["paths"] = kept

	// Follow every $ref from the kept paths, component by component.
	seen := map[string]bool{}
	var queue []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && strings.HasPrefix(ref, "#/") {
				toks := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
				n, ok := sections[toks[0]]
				if !ok || len(toks) < n {
					panic(fmt.Sprintf("a $ref outside the components: %s", ref))
				}
				key := strings.Join(toks[:n], "/")
				if !seen[key] {
					seen[key] = true
					queue = append(queue, key)
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(kept)
	for len(queue) > 0 {
		key := queue[0]
		queue = queue[1:]
		v, err := lookup(doc, key)
		if err != nil {
			return err
		}
		walk(v)
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		v, _ := lookup(doc, key)
		toks := strings.Split(key, "/")
		m := trimmed
		for _, tok := range toks[:len(toks)-1] {
			next, ok := m[tok].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[tok] = next
			}
			m = next
		}
		m[toks[len(toks)-1]] = v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(trimmed); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// lookup returns the value at a "/"-separated key ("components/schemas/Post").
func lookup(doc map[string]any, key string) (any, error) {
	var v any = doc
	for _, tok := range strings.Split(key, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("no %s", key)
		}
		if v, ok = m[tok]; !ok {
			return nil, fmt.Errorf("no %s", key)
		}
	}
	return v, nil
}
