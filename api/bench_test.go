package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/telemetry"
)

// BenchmarkCreatePost drives POST /v1/posts through the whole handler
// (access log, metrics, authentication, validation, the store) from 16
// parallel callers with one token and one target each, as the bench's
// load scenario does over HTTP: go test -bench=CreatePost -cpuprofile=….
// Posts are due beyond the horizon, so nothing is enqueued.
func BenchmarkCreatePost(b *testing.B) {
	for _, be := range storetest.Backends {
		b.Run(be.Name, func(b *testing.B) {
			st := be.Open(b)
			ctx := context.Background()
			ws := &rythme.Workspace{Name: "bench"}
			if err := st.CreateWorkspace(ctx, ws); err != nil {
				b.Fatal(err)
			}
			secret := rythme.TokenSecretPrefix + "bench0123456789"
			tok := &rythme.APIToken{WorkspaceID: ws.ID, Name: "bench", Role: rythme.RoleEditor, Hash: rythme.HashToken(secret)}
			if err := st.CreateAPIToken(ctx, tok); err != nil {
				b.Fatal(err)
			}
			acc := &rythme.Account{WorkspaceID: ws.ID, Network: "fakenet", InstanceURL: "https://fake.example",
				ExternalID: "1", Username: "bench", Token: rythme.Token{AccessToken: "at", RefreshToken: "rt"}}
			if err := st.UpsertAccount(ctx, acc); err != nil {
				b.Fatal(err)
			}
			h, err := api.New(api.Config{Store: st, RateLimit: -1, Metrics: telemetry.New(),
				Connectors: connectors.NewRegistry(&fakeConnector{info: rythme.Network{Name: "fakenet", Title: "Fakenet", MaxLength: 500}}),
				Queue:      &fakeQueue{}, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			due := time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
			var n atomic.Int64
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((16 + procs - 1) / procs) // 16 in flight
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body, _ := json.Marshal(map[string]any{"content": "bench post " + strconv.FormatInt(n.Add(1), 10) + " #rythme",
						"scheduled_at": due, "targets": []map[string]string{{"account_id": acc.ID}}})
					r := httptest.NewRequest(http.MethodPost, "/v1/posts", strings.NewReader(string(body)))
					r.Header.Set("Authorization", "Bearer "+secret)
					r.Header.Set("Content-Type", "application/json")
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != http.StatusCreated {
						b.Errorf("status %d: %s", w.Code, w.Body)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}
