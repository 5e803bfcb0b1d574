package sqlstore_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/keyring"
	"github.com/rythmehq/rythme/sqlstore"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// Rotating RYTHME_SECRET_KEY, running Rekey and then dropping the old key
// leaves every sealed value readable, including values sealed before they
// were bound to their row (format 1).
func TestRekeyRetiresTheOldKey(t *testing.T) {
	t.Parallel()
	for _, backend := range []struct {
		name string
		cfg  func(t *testing.T) sqlstore.Config
	}{
		{"sqlite", func(t *testing.T) sqlstore.Config { return sqlstore.Config{DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) sqlstore.Config { return sqlstore.Config{URL: storetest.PostgresSchema(t)} }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			cfg := backend.cfg(t)
			cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			oldKey, newKey := keyring.GenerateKey(), keyring.GenerateKey()
			open := func(keys string) *sqlstore.Store {
				t.Helper()
				kr, err := keyring.Parse(keys)
				if err != nil {
					t.Fatal(err)
				}
				c := cfg
				c.Sealer = kr
				s, err := sqlstore.Open(t.Context(), c)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			ctx := t.Context()
			s := open(oldKey)
			ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Acme", CreatedAt: time.Now()}
			must(t, s.CreateWorkspace(ctx, ws))
			var accs []*rythme.Account
			for _, n := range []string{"mastodon", "x"} {
				a := &rythme.Account{WorkspaceID: ws.ID, Network: n, InstanceURL: "https://" + n + ".example",
					ExternalID: rythme.NewID("ext"), Username: "alice", Status: rythme.AccountConnected,
					Token: rythme.Token{AccessToken: "access-" + n, TokenType: "Bearer"}}
				must(t, s.UpsertAccount(ctx, a))
				accs = append(accs, a)
			}
			// The second account's token as an older rythme sealed it:
			// format 1, bound to nothing.
			legacy, _ := json.Marshal(accs[1].Token)
			if _, err := s.DB().ExecContext(ctx, `UPDATE accounts SET token = $1 WHERE id = $2`,
				sealV1(t, oldKey, legacy), accs[1].ID); err != nil {
				t.Fatal(err)
			}
			app := &rythme.OAuthApp{Network: "mastodon", InstanceURL: "https://m.example", RedirectURI: "https://r/cb",
				ClientID: "cid", ClientSecret: "client-secret"}
			must(t, s.SaveOAuthApp(ctx, app))
			hook := &rythme.Webhook{WorkspaceID: ws.ID, URL: "https://hooks.example/x", Events: []string{"post.published"}, Secret: "whsec"}
			must(t, s.CreateWebhook(ctx, hook))
			stateHash := sha256.Sum256([]byte("state"))
			must(t, s.CreateOAuthState(ctx, &rythme.OAuthState{StateHash: stateHash[:], WorkspaceID: ws.ID,
				Network: "mastodon", Verifier: "pkce-verifier", RedirectURI: "https://r/cb", ExpiresAt: time.Now().Add(time.Hour)}))
			s.Close()

			rotated := open(newKey + "," + oldKey)
			var seen []sqlstore.RekeyProgress
			p, err := rotated.Rekey(ctx, func(p sqlstore.RekeyProgress) { seen = append(seen, p) })
			must(t, err)
			want := sqlstore.RekeyProgress{Total: 5, Resealed: 5}
			if p != want || len(seen) != 5 || seen[len(seen)-1] != want {
				t.Fatalf("rekey = %+v after %d reports, want %+v", p, len(seen), want)
			}
			again, err := rotated.Rekey(ctx, nil)
			must(t, err)
			if again != (sqlstore.RekeyProgress{Total: 5, Current: 5}) {
				t.Fatalf("second rekey = %+v, want all 5 current", again)
			}
			rotated.Close()

			s = open(newKey)
			defer s.Close()
			list, err := s.ListAccounts(ctx, ws.ID)
			must(t, err)
			for i, a := range list {
				if a.Status != rythme.AccountConnected || a.Token != accs[i].Token {
					t.Fatalf("account %s after dropping the old key: status %s, token opened %v", a.Network, a.Status, a.Token == accs[i].Token)
				}
			}
			gotApp, err := s.GetOAuthApp(ctx, app.Network, app.InstanceURL, app.RedirectURI)
			must(t, err)
			if gotApp.ClientSecret != "client-secret" {
				t.Fatal("client secret lost")
			}
			hooks, err := s.ListWebhooks(ctx, ws.ID)
			must(t, err)
			if len(hooks) != 1 || hooks[0].Secret != "whsec" {
				t.Fatal("webhook secret lost")
			}
			st, err := s.ConsumeOAuthState(ctx, stateHash[:], time.Now())
			must(t, err)
			if st.Verifier != "pkce-verifier" {
				t.Fatal("verifier lost")
			}
		})
	}
}

// Dropping a key nothing re-sealed does not break listing: the account
// shows as needs_reconnect, and its OAuth app is registered again.
func TestDroppedKeyIsNeedsReconnect(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	oldKR, _ := keyring.Parse(keyring.GenerateKey())
	s, err := sqlstore.Open(t.Context(), sqlstore.Config{DataDir: dir, Sealer: oldKR, Logger: quiet})
	must(t, err)
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Acme", CreatedAt: time.Now()}
	must(t, s.CreateWorkspace(t.Context(), ws))
	a := &rythme.Account{WorkspaceID: ws.ID, Network: "mastodon", InstanceURL: "https://m.example", ExternalID: "1",
		Username: "alice", Token: rythme.Token{AccessToken: "a"}}
	must(t, s.UpsertAccount(t.Context(), a))
	must(t, s.SaveOAuthApp(t.Context(), &rythme.OAuthApp{Network: "mastodon", InstanceURL: "https://m.example", RedirectURI: "r", ClientSecret: "x"}))
	must(t, s.CreateWebhook(t.Context(), &rythme.Webhook{WorkspaceID: ws.ID, URL: "https://h.example/x", Events: []string{"post.published"}, Secret: "whsec"}))
	s.Close()

	newKR, _ := keyring.Parse(keyring.GenerateKey())
	s, err = sqlstore.Open(t.Context(), sqlstore.Config{DataDir: dir, Sealer: newKR, Logger: quiet})
	must(t, err)
	defer s.Close()
	list, err := s.ListAccounts(t.Context(), ws.ID)
	must(t, err)
	if len(list) != 1 || list[0].Status != rythme.AccountNeedsReconnect || list[0].StatusReason == "" {
		t.Fatalf("accounts after losing the key: %+v", list)
	}
	if _, err := s.GetOAuthApp(t.Context(), "mastodon", "https://m.example", "r"); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("OAuth app sealed with a lost key: %v, want ENOTFOUND (register again)", err)
	}
	hooks, err := s.ListWebhooks(t.Context(), ws.ID)
	must(t, err) // listed (a secret is never shown), …
	if len(hooks) != 1 || hooks[0].Secret != "" {
		t.Fatalf("webhooks after losing the key: %+v", hooks)
	}
	if _, err := s.WebhooksFor(t.Context(), ws.ID, "post.published"); err == nil {
		t.Fatal("… but a webhook whose secret is lost must not be delivered (unsigned)")
	}
	p, err := s.Rekey(t.Context(), nil)
	must(t, err)
	if p.Failed != 3 || p.Total != 3 {
		t.Fatalf("rekey with the key lost = %+v, want 3 failed of 3", p)
	}
}

// sealV1 seals plaintext as rythme did before values were bound to their
// row: format byte 1, key id, nonce, and the header as the only
// authenticated data.
func sealV1(t *testing.T, key string, plaintext []byte) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(raw)
	aead, _ := cipher.NewGCM(block)
	sum := sha256.Sum256(raw)
	header := append([]byte{1}, sum[:4]...)
	nonce := make([]byte, aead.NonceSize())
	return aead.Seal(append(append([]byte(nil), header...), nonce...), nonce, plaintext, header)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
