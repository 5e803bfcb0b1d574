package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/keyring"
)

// The README's walkthrough after its quick start: the quick start made a
// workspace in ./rythme-data, then rythme starts again with
// RYTHME_BOOTSTRAP_TOKEN. The token cannot be added silently, nor ignored
// silently: rythme warns, naming the variable and the data folder.
func TestBootstrapTokenOnExistingWorkspaceWarns(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "rythme-data")
	cfg, err := loadConfig(env(map[string]string{"RYTHME_DATA": dir}), nil)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.LoadOrCreateFile(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(ctx, cfg, kr, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	start := func(token string) string {
		t.Helper()
		var logs bytes.Buffer
		c := cfg
		c.BootstrapToken = token
		if err := bootstrap(ctx, c, st, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
			t.Fatal(err)
		}
		return logs.String()
	}
	if logs := start(""); !strings.Contains(logs, "admin_token=rym_") { // the quick start
		t.Fatalf("first start logged no admin token:\n%s", logs)
	}
	const token = "rym_walkthrough_token_0123456789"
	logs := start(token)
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "RYTHME_BOOTSTRAP_TOKEN is set but "+dir+" already has a workspace") ||
		!strings.Contains(logs, "not added") {
		t.Fatalf("an ignored RYTHME_BOOTSTRAP_TOKEN was not warned about:\n%s", logs)
	}
	if strings.Contains(logs, token) {
		t.Fatalf("the warning logs the token itself:\n%s", logs)
	}
	if _, err := st.TokenByHash(ctx, rythme.HashToken(token)); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("the token was added to the existing workspace: %v", err)
	}

	// On an empty store the token is the admin token; a restart with the
	// same variable is quiet.
	cfg.DataDir = filepath.Join(t.TempDir(), "fresh")
	st2, err := openStore(ctx, cfg, kr, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	st = st2
	if logs := start(token); !strings.Contains(logs, "created the first workspace with RYTHME_BOOTSTRAP_TOKEN") {
		t.Fatalf("fresh store: %s", logs)
	}
	if logs := start(token); strings.Contains(logs, "WARN") {
		t.Fatalf("a restart with the workspace's own bootstrap token warned:\n%s", logs)
	}
}
