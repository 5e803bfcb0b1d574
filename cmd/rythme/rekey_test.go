package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/keyring"
	"github.com/rythmehq/rythme/sqlstore"
)

// `rythme rekey` re-seals with the new key and says how many it did; the
// old key can then be dropped.
func TestRekeyCommand(t *testing.T) {
	dir := t.TempDir()
	oldKey, newKey := keyring.GenerateKey(), keyring.GenerateKey()
	kr, _ := keyring.Parse(oldKey)
	st, err := sqlstore.Open(t.Context(), sqlstore.Config{DataDir: dir, Sealer: kr})
	if err != nil {
		t.Fatal(err)
	}
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Acme"}
	if err := st.CreateWorkspace(t.Context(), ws); err != nil {
		t.Fatal(err)
	}
	acc := &rythme.Account{WorkspaceID: ws.ID, Network: "mastodon", InstanceURL: "https://m.example", ExternalID: "1",
		Username: "alice", Token: rythme.Token{AccessToken: "a"}}
	if err := st.UpsertAccount(t.Context(), acc); err != nil {
		t.Fatal(err)
	}
	st.Close()

	var out bytes.Buffer
	err = run(t.Context(), []string{"rekey"}, env(map[string]string{"RYTHME_DATA": dir, "RYTHME_SECRET_KEY": newKey + "," + oldKey,
		"RYTHME_LOG_LEVEL": "error"}), &out, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("rekey: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "1 of 1 re-sealed") {
		t.Fatalf("rekey printed %q, want its progress (1 of 1 re-sealed)", out.String())
	}

	onlyNew, _ := keyring.Parse(newKey)
	st, err = sqlstore.Open(t.Context(), sqlstore.Config{DataDir: dir, Sealer: onlyNew})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.GetAccount(t.Context(), ws.ID, acc.ID)
	if err != nil || got.Token.AccessToken != "a" || got.Status != rythme.AccountConnected {
		t.Fatalf("account after dropping the old key: %+v, %v", got, err)
	}

	// With a key missing, rekey says so and fails.
	out.Reset()
	err = run(t.Context(), []string{"rekey"}, env(map[string]string{"RYTHME_DATA": dir, "RYTHME_SECRET_KEY": oldKey,
		"RYTHME_LOG_LEVEL": "error"}), &out, &bytes.Buffer{})
	if err == nil || !strings.Contains(out.String(), "1 could not be opened") {
		t.Fatalf("rekey without the current key: %v, printed %q", err, out.String())
	}
}
