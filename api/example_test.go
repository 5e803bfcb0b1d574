package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/keyring"
	"github.com/rythmehq/rythme/sqlstore"
)

// ExampleNew serves the API over an embedded SQLite store and calls it
// with the admin token made at bootstrap.
func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "rythme-example")
	defer os.RemoveAll(dir)
	kr, _ := keyring.Parse(keyring.GenerateKey())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := sqlstore.Open(ctx, sqlstore.Config{DataDir: dir, Sealer: kr, Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	secret := rythme.TokenSecretPrefix + "example-secret"
	now := time.Now().UTC().Truncate(time.Microsecond)
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Team", CreatedAt: now}
	tok := &rythme.APIToken{ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: ws.ID, Name: "bootstrap",
		Role: rythme.RoleAdmin, Hash: rythme.HashToken(secret), CreatedAt: now}
	if _, err := store.Bootstrap(ctx, ws, tok); err != nil {
		fmt.Println(err)
		return
	}

	h, err := api.New(api.Config{
		Store: store, Connectors: connectors.NewRegistry(), Logger: quiet,
		PublicURL: "https://rythme.example.com",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, auth := range []string{"", "Bearer " + secret} {
		r := httptest.NewRequest("GET", "/v1/posts", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// 401 {"error":{"code":"unauthorized","message":"sign in, or send an API token in the header Authorization: Bearer rym_…"}}
	// 200 {"data":[]}
}
