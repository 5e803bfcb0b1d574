package sqlstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/keyring"
	"github.com/rythmehq/rythme/sqlstore"
)

// Open the embedded SQLite store (URL empty) in a data directory; a
// postgres:// URL would open PostgreSQL instead, through the same code.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "rythme-example")
	defer os.RemoveAll(dir)
	kr, _ := keyring.Parse(keyring.GenerateKey())

	s, err := sqlstore.Open(context.Background(), sqlstore.Config{
		DataDir: dir,
		Sealer:  kr,
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	created, err := s.Bootstrap(context.Background(),
		&rythme.Workspace{Name: "Acme"},
		&rythme.APIToken{Name: "admin", Role: rythme.RoleAdmin, Hash: rythme.HashToken("rym_secret")})
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := s.TokenByHash(context.Background(), rythme.HashToken("rym_secret"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Dialect(), created, tok.Role)
	// Output: sqlite true admin
}
