package api

import (
	"context"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
)

// The post rules live in package posting, once each. These adapters are
// what the handlers outside it (accounts, webhooks, slots) still call;
// each is one hop from its rule.

// account: posting.Service.Account.
func (s *server) account(ctx context.Context, seen map[string]*rythme.Account, ws, id string) (*rythme.Account, error) {
	return s.posting.Account(ctx, seen, ws, id)
}

// slotsOf: posting.SlotsOf.
func slotsOf(acc *rythme.Account) ([]calendars.Slot, *time.Location, bool) {
	return posting.SlotsOf(acc)
}
