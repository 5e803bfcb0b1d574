package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rythmehq/rythme/connectors"
)

// paramRead matches a connector reading a connect parameter by name
// (p["service_url"]) or naming one in a constant (ParamPageID = "page_id").
var paramRead = regexp.MustCompile(`\bp\["([a-z_]+)"\]|\bParam[A-Za-z]*\s*=\s*"([a-z_]+)"`)

// TestEveryConnectParamIsDeclaredAndDocumented walks every connector this
// server can offer: each parameter its code reads is declared in its Info
// (so the API, which decodes the connect body strictly, accepts it), and
// each declared one is in the OpenAPI document's ConnectRequest and in the
// network's page under docs/networks (or the README's network table). A
// Bluesky that read service_url without declaring it answered 400 "unknown
// field" to every self-hosted PDS.
func TestEveryConnectParamIsDeclaredAndDocumented(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.FakenetURL = "http://127.0.0.1:1"
	reg := registry(cfg, connectors.NewHTTPClient())
	all := reg.All()
	if len(all) != 12 {
		t.Fatalf("%d connectors, want every one of the 12", len(all))
	}
	raw, err := os.ReadFile("../../api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas struct {
				ConnectRequest struct {
					Properties map[string]struct {
						Description string `json:"description"`
					} `json:"properties"`
				} `json:"ConnectRequest"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	props := doc.Components.Schemas.ConnectRequest.Properties
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	declaredAnywhere := map[string]bool{}
	for _, c := range all {
		info := c.Info()
		declared := append(append([]string(nil), info.ConnectParams...), info.ConnectOptional...)
		page, err := os.ReadFile(filepath.Join("../../docs/networks", info.Name+".md"))
		if err != nil {
			page = readme // Mastodon's facts live in the README's table until it has a page
		}
		for _, k := range declared {
			declaredAnywhere[k] = true
			if p, ok := props[k]; !ok || !strings.Contains(p.Description, info.Title) {
				t.Errorf("%s: connect parameter %q is not in the OpenAPI ConnectRequest naming %s", info.Name, k, info.Title)
			}
			if !strings.Contains(string(page), "`"+k+"`") {
				t.Errorf("%s: connect parameter %q is not documented in docs/networks/%s.md", info.Name, k, info.Name)
			}
		}
		files, _ := filepath.Glob(filepath.Join("../../connectors", info.Name, "*.go"))
		if len(files) == 0 {
			t.Errorf("%s: no source under connectors/%s", info.Name, info.Name)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range paramRead.FindAllStringSubmatch(string(src), -1) {
				k := m[1] + m[2]
				if !slices.Contains(declared, k) {
					t.Errorf("%s reads the connect parameter %q but %s's Info does not declare it: the API refuses it", f, k, info.Title)
				}
			}
		}
	}
	for k := range props {
		if !declaredAnywhere[k] {
			t.Errorf("the OpenAPI ConnectRequest documents %q, which no connector takes", k)
		}
	}
}

// TestNetworkCallsAreGuarded: the client every network call goes through
// refuses loopback unless RYTHME_ALLOW_PRIVATE_NETWORKS or
// RYTHME_FAKENET_URL lets it through, and says who rythme is.
func TestNetworkCallsAreGuarded(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		ua.Store(r.UserAgent())
	}))
	defer srv.Close()
	ctx := context.Background()
	get := func(env map[string]string) error {
		t.Helper()
		cfg, err := loadConfig(func(k string) string { return env[k] }, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := connectors.NewGuardedHTTPClient(netPolicy(ctx, cfg)).Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(nil); err == nil || !strings.Contains(err.Error(), "non-public") {
		t.Errorf("loopback with no allowance: %v", err)
	}
	if err := get(map[string]string{"RYTHME_ALLOW_PRIVATE_NETWORKS": "10.0.0.0/8"}); err == nil {
		t.Error("loopback reached with only 10.0.0.0/8 allowed")
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests reached loopback", hits.Load())
	}
	if err := get(map[string]string{"RYTHME_ALLOW_PRIVATE_NETWORKS": "127.0.0.0/8,::1/128"}); err != nil {
		t.Errorf("allowed loopback: %v", err)
	}
	if err := get(map[string]string{"RYTHME_FAKENET_URL": "http://localhost:1"}); err != nil {
		t.Errorf("fakenet's host: %v", err)
	}
	if hits.Load() != 2 || !strings.HasPrefix(ua.Load().(string), "rythme/") {
		t.Errorf("hits %d, User-Agent %q", hits.Load(), ua.Load())
	}
	if _, err := loadConfig(func(k string) string {
		return map[string]string{"RYTHME_ALLOW_PRIVATE_NETWORKS": "127.0.0.0/8,bogus"}[k]
	}, nil); err == nil || !strings.Contains(err.Error(), "RYTHME_ALLOW_PRIVATE_NETWORKS") {
		t.Errorf("a bad CIDR: %v", err)
	}
}
