package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
)

// PollEvery is how often a member may ask for an account's readings.
const PollEvery = 5 * time.Minute

// PollRequests puts an account's reads on the queue at a member's request
// (POST /v1/accounts/{id}/poll): every post of the account still on its
// reading schedule, due or not, and its followers. It goes through the
// poller's own task id, so the account is never read by two tasks at once:
// when the account's reads are already queued, the queued task stands and
// its time is answered. One request per account per PollEvery, counted in
// Redis for every API replica.
type PollRequests struct {
	rdb    redis.UniversalClient
	enq    *enqueuer
	limits *Limits
	clock  Clock
}

// NewPollRequests returns requests kept in rdb (nil clock: RealClock).
func NewPollRequests(rdb redis.UniversalClient, clock Clock) *PollRequests {
	if clock == nil {
		clock = RealClock
	}
	return &PollRequests{rdb: rdb, limits: NewLimits(rdb), clock: clock,
		enq: &enqueuer{client: asynq.NewClientFromRedisClient(rdb), inspector: asynq.NewInspectorFromRedisClient(rdb)}}
}

func pollRequestKey(accountID string) string { return "rythme:poll-request:" + accountID }

// PollNow queues the account's reads and returns when they will run, or,
// when the account was asked for less than PollEvery ago, how long to wait
// before asking again (and nothing queued).
func (r *PollRequests) PollNow(ctx context.Context, acct *rythme.Account) (runsAt time.Time, wait time.Duration, err error) {
	ok, err := r.rdb.SetNX(ctx, pollRequestKey(acct.ID), "1", PollEvery).Result()
	if err != nil {
		return time.Time{}, 0, rythme.Errorf(rythme.EUNAVAILABLE, "worker: poll request: %v", err)
	}
	if !ok {
		ttl, err := r.rdb.PTTL(ctx, pollRequestKey(acct.ID)).Result()
		if err != nil {
			return time.Time{}, 0, rythme.Errorf(rythme.EUNAVAILABLE, "worker: poll request: %v", err)
		}
		return time.Time{}, max(ttl, time.Second), nil
	}
	now := r.clock.Now()
	runsAt = now
	// A wait the network announced holds for these reads too.
	if ttl, err := r.limits.Blocked(ctx, acct.Network, acct.ID); err == nil && ttl > 0 {
		runsAt = now.Add(ttl)
	}
	b, _ := json.Marshal(PollAccountPayload{AccountID: acct.ID, Audience: true, Now: true})
	id := PollTaskID(acct.ID)
	task := asynq.NewTask(TypePollAccount, b, asynq.TaskID(id), asynq.Queue(MetricsQueue), asynq.ProcessAt(runsAt),
		asynq.MaxRetry(5), asynq.Timeout(5*time.Minute))
	added, err := r.enq.enqueue(ctx, task, MetricsQueue, id)
	if err != nil {
		r.rdb.Del(context.WithoutCancel(ctx), pollRequestKey(acct.ID)) // not queued: may ask again
		return time.Time{}, 0, fmt.Errorf("worker: poll request: %w", err)
	}
	if !added { // the account's reads are queued already: they stand
		if info, err := r.enq.inspector.GetTaskInfo(MetricsQueue, id); err == nil && info.NextProcessAt.After(now) {
			runsAt = info.NextProcessAt
		}
	}
	return runsAt, 0, nil
}
