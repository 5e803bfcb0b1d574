package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// PollRequester queues an account's engagement and follower reads at a
// member's request; the worker's PollRequests implements it. runsAt is when
// the reads will run; a positive wait means the account was asked for too
// recently (nothing queued) and says how long until it may be asked again.
type PollRequester interface {
	PollNow(ctx context.Context, acct *rythme.Account) (runsAt time.Time, wait time.Duration, err error)
}

// pollAccount answers POST /v1/accounts/{id}/poll: 202 with when the
// account's readings will be taken (runs_at), 429 with Retry-After when it
// was asked less than five minutes ago.
func (s *server) pollAccount(c *gin.Context) {
	id, ok := s.pathID(c, "network", rythme.PrefixAccount, "account") // the route's wildcard (see New)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	acct, err := s.store.GetAccount(ctx, workspace(c), id)
	if err != nil {
		s.fail(c, fmt.Errorf("api: poll account: %w", err))
		return
	}
	if s.cfg.Polls == nil {
		s.fail(c, rythme.Errorf(rythme.EUNAVAILABLE, "reading on request is not available on this server"))
		return
	}
	if acct.Status != rythme.AccountConnected {
		s.fail(c, rythme.Errorf(rythme.ECONFLICT, "the account is %s: reconnect it to read its engagement", acct.Status))
		return
	}
	conn, err := s.cfg.Connectors.Get(acct.Network)
	if err != nil || !readable(conn) {
		s.fail(c, rythme.Errorf(rythme.ECONFLICT, "%s gives no engagement, poll votes or follower count to read", acct.Network))
		return
	}
	runsAt, wait, err := s.cfg.Polls.PollNow(ctx, acct)
	if err != nil {
		s.fail(c, fmt.Errorf("api: poll account: %w", err))
		return
	}
	if wait > 0 {
		c.Header("Retry-After", retryAfter(wait))
		s.fail(c, rythme.Errorf(rythme.ERATELIMITED, "this account's readings were asked for less than 5 minutes ago; retry after the time in Retry-After"))
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"account_id": acct.ID, "runs_at": runsAt.UTC()})
}

// readable reports whether the poller reads anything of conn's accounts:
// their posts' engagement, their polls' votes (PollLimits.Results, as
// Discord's) or their followers.
func readable(conn connectors.Connector) bool {
	info := conn.Info()
	_, audience := conn.(connectors.AudienceFetcher)
	return info.Metrics || (info.Polls != nil && info.Polls.Results) || audience
}
