package sqlstore_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// The SQLite file, its WAL and shared memory are the owner's only (0600):
// they hold everything the database does. So is an older file at open.
func TestSQLiteFilesAreOwnerOnly(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	open := func() *sqlstore.Store {
		s, err := sqlstore.Open(t.Context(), sqlstore.Config{DataDir: dir, Sealer: storetest.Keyring(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Acme", CreatedAt: time.Now()}
		must(t, s.CreateWorkspace(t.Context(), ws))
		return s
	}
	s := open()
	check := func() {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) < 2 {
			t.Fatalf("want the database and its WAL in %s, found %d files", dir, len(entries))
		}
		for _, e := range entries {
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o600 {
				t.Errorf("%s is %v, want -rw-------", e.Name(), info.Mode().Perm())
			}
		}
		if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("data dir: %v %v, want drwx------", info.Mode().Perm(), err)
		}
	}
	check()
	s.Close()
	// A database an older version made readable by all is tightened.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if err := os.Chmod(filepath.Join(dir, e.Name()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s = open()
	defer s.Close()
	check()
}
