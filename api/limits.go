package api

import (
	"context"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// targetAccounts loads, once each, the accounts of p's targets whose
// network has per-server limits (a Mastodon instance's own, see
// connectors.AccountLimiter): validation uses their limits. An account that
// cannot be read is left out (the network's defaults apply; the target
// checks say what is wrong with it).
func (s *server) targetAccounts(ctx context.Context, p *rythme.Post) map[string]*rythme.Account {
	out := map[string]*rythme.Account{}
	for _, t := range p.Targets {
		if t.AccountID == "" || t.Network == "" {
			continue
		}
		if _, done := out[t.AccountID]; done {
			continue
		}
		conn, err := s.cfg.Connectors.Get(t.Network)
		if err != nil {
			continue
		}
		if _, ok := conn.(connectors.AccountLimiter); !ok {
			continue
		}
		if acc, err := s.store.GetAccount(ctx, p.WorkspaceID, t.AccountID); err == nil {
			out[t.AccountID] = acc
		}
	}
	return out
}
