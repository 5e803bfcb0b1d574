package posting_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/keyring"
	"github.com/rythmehq/rythme/posting"
	"github.com/rythmehq/rythme/sqlstore"
)

// Create validates a post the way every caller sees it: one EINVALID
// error listing each field that is wrong, in the order of the request.
func ExampleService_Create() {
	dir, _ := os.MkdirTemp("", "rythme-example")
	defer os.RemoveAll(dir)
	kr, _ := keyring.Parse(keyring.GenerateKey())
	store, err := sqlstore.Open(context.Background(), sqlstore.Config{DataDir: dir, Sealer: kr, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	ws := &rythme.Workspace{Name: "Acme"}
	if _, err := store.Bootstrap(context.Background(), ws, &rythme.APIToken{Name: "admin", Role: rythme.RoleAdmin, Hash: rythme.HashToken("rym_x")}); err != nil {
		fmt.Println(err)
		return
	}

	svc, err := posting.New(posting.Config{Store: store, Connectors: connectors.NewRegistry()})
	if err != nil {
		fmt.Println(err)
		return
	}
	editor := rythme.Actor{ID: "tok_1", Name: "editor", Role: rythme.RoleEditor}
	_, err = svc.Create(context.Background(), editor, ws.ID, posting.NewPost{
		ScheduledAt: "tomorrow at nine",
		Targets:     []posting.TargetInput{{AccountID: "acc_nosuch"}},
	})
	fmt.Println(rythme.ErrorCode(err))
	for _, f := range rythme.ErrorFields(err) {
		fmt.Println(f.Field)
	}
	// Output:
	// invalid
	// scheduled_at
	// targets[0].account_id
	// content
}
