package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// HistoryStarter starts the import of an account's earlier posts; the
// worker's HistoryRequests implements it. Request is a member's ask: a
// positive wait means it was asked too recently (nothing started) and says
// how long until it may be asked again; ECONFLICT while an import runs.
// Start is the start on connect, without that limit.
type HistoryStarter interface {
	Request(ctx context.Context, acct *rythme.Account) (*rythme.HistoryImport, time.Duration, error)
	Start(ctx context.Context, acct *rythme.Account) (*rythme.HistoryImport, error)
}

// onConnected starts the history import of an account just connected,
// when its network lists earlier posts: connecting's OnConnected hook. A
// failure is logged: the account is connected whatever happens here.
func (s *server) onConnected(ctx context.Context, acc *rythme.Account) {
	conn, err := s.cfg.Connectors.Get(acc.Network)
	if err != nil || !connectors.HasHistory(conn) {
		return
	}
	if _, err := s.cfg.History.Start(ctx, acc); err != nil && rythme.ErrorCode(err) != rythme.ECONFLICT {
		s.log.WarnContext(ctx, "api: start the history import of a connected account; a manager can ask for it again",
			slog.String("account_id", acc.ID), slog.String("error", err.Error()))
	}
}

// importHistory answers POST /v1/accounts/{id}/history: 202 with the
// import as it starts and where to follow it (Location: the account,
// whose history field shows the progress); 409 while one runs or when the
// network lists no earlier posts; 429 with Retry-After when asked less
// than 10 minutes ago.
func (s *server) importHistory(c *gin.Context) {
	id, ok := s.pathID(c, "network", rythme.PrefixAccount, "account") // the route's wildcard (see New)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	acct, err := s.store.GetAccount(ctx, workspace(c), id)
	if err != nil {
		s.fail(c, fmt.Errorf("api: import history: %w", err))
		return
	}
	if err := s.historyAllowed(acct); err != nil {
		s.fail(c, err)
		return
	}
	hi, wait, err := s.cfg.History.Request(ctx, acct)
	if err != nil {
		s.fail(c, fmt.Errorf("api: import history: %w", err))
		return
	}
	if wait > 0 {
		c.Header("Retry-After", retryAfter(wait))
		s.fail(c, rythme.Errorf(rythme.ERATELIMITED, "this account's history was asked for less than 10 minutes ago; retry after the time in Retry-After"))
		return
	}
	where := "/v1/accounts/" + acct.ID
	c.Header("Location", where)
	c.JSON(http.StatusAccepted, gin.H{"account_id": acct.ID, "history": hi, "progress": where})
}

// historyAllowed says why the account's history cannot be imported now.
func (s *server) historyAllowed(acct *rythme.Account) error {
	if s.cfg.History == nil {
		return rythme.Errorf(rythme.EUNAVAILABLE, "importing history is not available on this server")
	}
	if acct.Status != rythme.AccountConnected {
		return rythme.Errorf(rythme.ECONFLICT, "the account is %s: reconnect it to import its history", acct.Status)
	}
	if conn, err := s.cfg.Connectors.Get(acct.Network); err != nil || !connectors.HasHistory(conn) {
		return rythme.Errorf(rythme.ECONFLICT, "%s does not list an account's earlier posts: there is no history to import", acct.Network)
	}
	return nil
}
