package worker

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
)

// Limits holds each network's publishing limits for every worker at once,
// in Redis: the documented limits (GCRA buckets, as redis_rate keeps them),
// and the blocks the networks themselves announce (a 429's Retry-After, a
// quota used up until its reset). A worker asks before calling the network
// and waits when told to, rather than earn a 429.
//
// One question is one Redis round trip: a script reads the account's block
// and charges every matching limit of the account at once — all of them or
// none, so a refusal by one limit does not use up another. Limits that count
// for the whole app are charged by a second script, only when the account's
// let the request through. The account's keys share a hash tag, so that on
// Redis Cluster they live on one node.
//
// Questions asked at the same time share a round trip: they are sent to
// Redis together, in one pipeline (at the top of the hour, thousands of
// handlers ask at once; alone, a question is a pipeline of one).
type Limits struct {
	rdb   redis.UniversalClient
	batch batcher[limitCall, limitAnswer]
}

// limitCall is one run of takeScript; limitAnswer its wait or error.
type limitCall struct {
	keys []string
	args []any
}

type limitAnswer struct {
	wait time.Duration
	err  error
}

// Limits batches: up to limitBatch questions in a pipeline, and this many
// pipelines at once (each holds one Redis connection).
const (
	limitBatch     = 500
	limitPipelines = 8
)

// NewLimits returns limits kept in rdb.
func NewLimits(rdb redis.UniversalClient) *Limits {
	l := &Limits{rdb: rdb}
	l.batch = batcher[limitCall, limitAnswer]{max: limitBatch, parallel: limitPipelines, run: l.runMany}
	return l
}

// accountTag is the hash tag of an account's keys on a network.
func accountTag(network, accountID string) string { return "{" + network + ":" + accountID + "}" }

func blockKey(network, accountID string) string {
	return "rythme:rl:" + accountTag(network, accountID) + ":block"
}

// Wait reports how long to wait before publishing a post on acct (0: go):
// a block the network announced, or a posting quota (limits that count
// posts) used up. A go-ahead counts one post against those quotas. Limits
// that count requests are charged by each request (Request).
func (l *Limits) Wait(ctx context.Context, info rythme.Network, acct *rythme.Account) (time.Duration, error) {
	return l.take(ctx, info, acct, func(rl rythme.RateLimit) bool { return rl.PerPost() })
}

// Request reports how long to wait before sending one HTTP request of
// method to path on acct's behalf (0: go): a block the network announced,
// or a limit that counts such requests used up. A go-ahead counts the
// request.
func (l *Limits) Request(ctx context.Context, info rythme.Network, acct *rythme.Account, method, path string) (time.Duration, error) {
	return l.take(ctx, info, acct, func(rl rythme.RateLimit) bool { return rl.Matches(method, path) })
}

// Blocked reports how long the network asked every worker to wait on the
// account (0: no block).
func (l *Limits) Blocked(ctx context.Context, network, accountID string) (time.Duration, error) {
	ttl, err := l.rdb.PTTL(ctx, blockKey(network, accountID)).Result()
	if err != nil {
		return 0, fmt.Errorf("rate limits: %w", err)
	}
	return max(ttl, 0), nil
}

func (l *Limits) take(ctx context.Context, info rythme.Network, acct *rythme.Account, counts func(rythme.RateLimit) bool) (time.Duration, error) {
	tag := accountTag(info.Name, acct.ID)
	own := []string{"rythme:rl:" + tag + ":block"}
	app := []string{""} // no block: the account's is read first
	var ownArgs, appArgs []any
	for i, rl := range info.RateLimits {
		if rl.Requests <= 0 || rl.PeriodSeconds <= 0 || !counts(rl) {
			continue
		}
		args := []any{rl.Requests, rl.Requests, rl.PeriodSeconds} // burst, rate, period
		if rl.Scope == "app" {
			app = append(app, "rythme:rl:"+accountTag(info.Name, "app")+":"+strconv.Itoa(i))
			appArgs = append(appArgs, args...)
		} else {
			own = append(own, "rythme:rl:"+tag+":"+strconv.Itoa(i))
			ownArgs = append(ownArgs, args...)
		}
	}
	wait, err := l.run(ctx, own, ownArgs)
	if err != nil || wait > 0 || len(app) == 1 {
		return wait, err
	}
	return l.run(ctx, app, appArgs)
}

// run charges the GCRA buckets keys[1:] (burst, rate, period each in args)
// unless keys[0] (a block) is set or one of them is used up, and returns
// the wait (0: charged, go).
func (l *Limits) run(ctx context.Context, keys []string, args []any) (time.Duration, error) {
	if keys[0] == "" {
		keys = keys[1:]
		args = append([]any{0}, args...)
	} else {
		args = append([]any{1}, args...)
	}
	a, err := l.batch.do(limitCall{keys: keys, args: args})
	if err == nil {
		err = a.err
	}
	if err != nil {
		return 0, fmt.Errorf("rate limits: %w", err)
	}
	return a.wait, nil
}

// runMany runs the calls in one pipeline, loading the script first where
// Redis does not have it (a restarted Redis, a new cluster node).
func (l *Limits) runMany(ctx context.Context, calls []limitCall) ([]limitAnswer, error) {
	out := make([]limitAnswer, len(calls))
	for try := 0; ; try++ {
		cmds := make([]*redis.Cmd, len(calls))
		_, err := l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, c := range calls {
				cmds[i] = takeScript.EvalSha(ctx, p, c.keys, c.args...)
			}
			return nil
		})
		if err != nil && try == 0 && redis.HasErrorPrefix(err, "NOSCRIPT") {
			if err := takeScript.Load(ctx, l.rdb).Err(); err != nil {
				return nil, err
			}
			continue
		}
		for i, cmd := range cmds {
			ms, err := cmd.Int64()
			out[i] = limitAnswer{wait: time.Duration(ms) * time.Millisecond, err: err}
		}
		return out, nil
	}
}

// takeScript: ARGV[1] is 1 when KEYS[1] is a block key (its time to live
// is the wait), 0 when every key is a bucket; then for each bucket key,
// its burst, rate and period in seconds. It answers the wait in
// milliseconds: 0 when every bucket took one unit, else the longest wait
// among those used up (and none is charged).
//
// The GCRA arithmetic is redis_rate's (github.com/go-redis/redis_rate,
// after github.com/rwz/redis-gcra, MIT), on the same kind of keys:
// each holds its theoretical arrival time, in seconds since 2017.
var takeScript = redis.NewScript(`
redis.replicate_commands()
local first = 1
if ARGV[1] == "1" then
  local ttl = redis.call("PTTL", KEYS[1])
  if ttl > 0 then return ttl end
  first = 2
end
local jan_1_2017 = 1483228800
local now = redis.call("TIME")
now = (now[1] - jan_1_2017) + (now[2] / 1000000)
local wait = 0
local sets = {}
for i = first, #KEYS do
  local a = 2 + (i - first) * 3
  local burst, rate, period = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local interval = period / rate
  local tat = redis.call("GET", KEYS[i])
  if not tat then tat = now else tat = tonumber(tat) end
  tat = math.max(tat, now)
  local new_tat = tat + interval
  local diff = now - (new_tat - interval * burst)
  if diff < 0 then
    wait = math.max(wait, -diff)
  else
    sets[#sets + 1] = {KEYS[i], new_tat}
  end
end
if wait > 0 then return math.max(1, math.ceil(wait * 1000)) end
for _, s in ipairs(sets) do
  redis.call("SET", s[1], s[2], "EX", math.max(1, math.ceil(s[2] - now)))
end
return 0
`)

// Block makes every worker wait d before calling the network on the
// account again (the network said so). A longer block already in place is
// kept.
func (l *Limits) Block(ctx context.Context, network, accountID string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	key := blockKey(network, accountID)
	if cur, err := l.rdb.PTTL(ctx, key).Result(); err == nil && cur >= d {
		return nil
	}
	return l.rdb.Set(ctx, key, "1", d).Err()
}
