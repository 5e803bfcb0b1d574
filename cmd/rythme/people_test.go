package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/keyring"
	"github.com/rythmehq/rythme/password"
)

// The first start without RYTHME_ADMIN_EMAIL says how to make the first
// member; with it, the first member is an instance administrator and admin
// of the first workspace, made once; `rythme reset-password` prints a
// one-time link for a member and refuses an unknown email.
func TestBootstrapAdminAndResetPassword(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "rythme-data")
	vars := map[string]string{"RYTHME_DATA": dir, "RYTHME_PUBLIC_URL": "https://rythme.example"}
	cfg, err := loadConfig(env(vars), nil)
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
	start := func(c config) string {
		t.Helper()
		var logs bytes.Buffer
		if err := bootstrap(ctx, c, st, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
			t.Fatal(err)
		}
		return logs.String()
	}
	if logs := start(cfg); !strings.Contains(logs, "RYTHME_ADMIN_EMAIL") || !strings.Contains(logs, "/v1/invitations") {
		t.Fatalf("the first start does not say how to make a member:\n%s", logs)
	}

	vars["RYTHME_ADMIN_EMAIL"], vars["RYTHME_ADMIN_PASSWORD"] = "Root@Example.com", "a long admin password"
	withAdmin, err := loadConfig(env(vars), nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := start(withAdmin)
	if !strings.Contains(logs, "created the first member") || strings.Contains(logs, "a long admin password") {
		t.Fatalf("bootstrap admin:\n%s", logs)
	}
	m, err := st.MemberByEmail(ctx, "root@example.com")
	if err != nil || !m.InstanceAdmin {
		t.Fatalf("admin member %+v, %v", m, err)
	}
	if ok, _ := password.Verify("a long admin password", m.PasswordHash); !ok || !strings.HasPrefix(m.PasswordHash, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("the admin's hash %q does not verify or does not use RFC 9106's parameters", m.PasswordHash)
	}
	ws, err := st.MemberWorkspaces(ctx, m.ID)
	if err != nil || len(ws) != 1 || ws[0].Role != rythme.RoleAdmin {
		t.Fatalf("admin's workspaces %+v, %v", ws, err)
	}
	// Once: another email later is not added, and rythme says so.
	vars["RYTHME_ADMIN_EMAIL"] = "other@example.com"
	other, _ := loadConfig(env(vars), nil)
	if logs := start(other); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "not added") {
		t.Fatalf("a second admin email:\n%s", logs)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"reset-password", "root@example.com"}, env(map[string]string{"RYTHME_DATA": dir, "RYTHME_PUBLIC_URL": "https://rythme.example",
		"RYTHME_LOG_LEVEL": "error"}), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "https://rythme.example/#reset=") {
		t.Fatalf("reset-password printed %q", out.String())
	}
	_, secret, _ := strings.Cut(strings.TrimSpace(out.String()), "#reset=")
	if _, err := st.ResetPassword(ctx, rythme.HashToken(secret), m.CreatedAt, "$argon2id$new"); err != nil {
		t.Fatalf("the printed link does not reset: %v", err)
	}
	if _, err := st.ResetPassword(ctx, rythme.HashToken(secret), m.CreatedAt, "$argon2id$again"); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("the link worked twice: %v", err)
	}
	err = run(ctx, []string{"reset-password", "nobody@example.com"}, env(map[string]string{"RYTHME_DATA": dir, "RYTHME_LOG_LEVEL": "error"}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no member") {
		t.Fatalf("reset-password of nobody: %v", err)
	}
	if _, err := loadConfig(env(map[string]string{"RYTHME_ADMIN_EMAIL": "root@example.com", "RYTHME_ADMIN_PASSWORD": "short"}), nil); err == nil ||
		!strings.Contains(err.Error(), "password") {
		t.Fatalf("a short admin password: %v", err)
	}
}
