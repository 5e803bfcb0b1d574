package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
	"github.com/rythmehq/rythme/worker"
)

// metricsResult is what the metrics benchmark measured.
type metricsResult struct {
	posts, accounts  int
	requests         int64   // network calls to read every post once
	perPost          float64 // requests / posts read
	snapshots        int
	compareMedian    time.Duration // query + comparison over the snapshots, median of the runs
	compareMax       time.Duration
	queryMedian      time.Duration // the query alone
	network, storage string
}

// offsetClock is the wall clock moved forward: the poller reads posts "15
// minutes later" without waiting for it.
type offsetClock struct{ d time.Duration }

func (c offsetClock) Now() time.Time { return time.Now().Add(c.d) }
func (c offsetClock) Sleep(ctx context.Context, d time.Duration) error {
	return worker.RealClock.Sleep(ctx, d)
}

// benchMetrics publishes posts on fakenet's X (which takes 100 ids a
// lookup) across many accounts, reads their engagement once with the
// poller and counts the network's requests; then it fills the store with
// readings and times a cohort comparison over them, query included.
func benchMetrics(ctx context.Context, o Options, startStack StartFunc, log *slog.Logger) (metricsResult, error) {
	res := metricsResult{posts: o.Posts, accounts: o.Accounts, network: "x", storage: "PostgreSQL"}
	st, err := startBenchStack(ctx, o, startStack, "postgres", true, log)
	if err != nil {
		return res, err
	}
	defer st.close()
	store, cl, fnAddr := st.Store, st.client, st.fakenet
	accounts := make([]string, o.Accounts)
	for i := range accounts {
		if accounts[i], err = cl.connect(ctx, "x", map[string]string{}, fmt.Sprintf("bench%03d", i)); err != nil {
			return res, fmt.Errorf("connect X account %d: %w", i, err)
		}
	}
	// Publish them all now, and wait for fakenet to have them.
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	next := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := cl.createPostNow(ctx, fmt.Sprintf("metrics bench %d", i), accounts[i%len(accounts)]); err != nil {
					select {
					case errc <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range o.Posts {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errc:
		return res, fmt.Errorf("create posts: %w", err)
	default:
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		due, err := store.DueMetrics(ctx, time.Now().Add(16*time.Minute), 2*o.Posts)
		if err != nil {
			return res, err
		}
		if len(due) >= o.Posts {
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("only %d of %d posts published", len(due), o.Posts)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// Read every post once, 16 minutes "later", as the poller's account
	// tasks would, and count fakenet's lookups.
	p := *st.Poller
	p.Clock = offsetClock{16 * time.Minute}
	before, err := fakenetOps(ctx, fnAddr, "x.get_tweets")
	if err != nil {
		return res, err
	}
	due, err := store.DueMetrics(ctx, time.Now().Add(16*time.Minute), 2*o.Posts)
	if err != nil {
		return res, err
	}
	byAccount := map[string][]rythme.MetricsDue{}
	for _, d := range due {
		byAccount[d.AccountID] = append(byAccount[d.AccountID], d)
	}
	for id, ds := range byAccount {
		b, _ := json.Marshal(worker.PollAccountPayload{AccountID: id, Due: ds})
		if err := p.ProcessTask(ctx, asynq.NewTask(worker.TypePollAccount, b)); err != nil {
			return res, fmt.Errorf("poll account %s: %w", id, err)
		}
	}
	after, err := fakenetOps(ctx, fnAddr, "x.get_tweets")
	if err != nil {
		return res, err
	}
	res.requests = after - before
	res.perPost = float64(res.requests) / float64(len(due))

	// 100,000 readings: 10 more per post, then time the comparison, with the
	// API and workers stopped so that they do not share the cores.
	st.Stop()
	ws, err := workspaceOf(ctx, store, st.token)
	if err != nil {
		return res, err
	}
	if _, err := store.DB().ExecContext(ctx, `INSERT INTO metric_snapshots (workspace_id, target_id, account_id, network, at,
			impressions, likes, comments, shares, deleted)
		SELECT t.workspace_id, t.id, t.account_id, t.network, t.published_at + g * interval '1 hour',
			1000 + g * 100, g * 7, g * 2, g, false
		FROM targets t CROSS JOIN generate_series(1, 10) AS g WHERE t.status = 'published'`); err != nil {
		return res, fmt.Errorf("fill snapshots: %w", err)
	}
	// What SaveMetrics keeps with every reading, for the bulk load.
	if err := store.IndexLatestReadings(ctx); err != nil {
		return res, err
	}
	from, to := time.Now().Add(-24*time.Hour), time.Now().Add(time.Hour)
	var totals, queries []time.Duration
	for range 7 {
		t0 := time.Now()
		rows, err := store.LatestSnapshots(ctx, ws, from, to, time.Now().Add(48*time.Hour))
		if err != nil {
			return res, err
		}
		tq := time.Since(t0)
		snaps := make([]reports.Snapshot, len(rows))
		for i, r := range rows {
			snaps[i] = reports.Snapshot{TargetID: r.TargetID, PostID: r.PostID, AccountID: r.AccountID, Network: r.Network,
				Author: r.Author, Tags: r.Tags, PublishedAt: r.PublishedAt, At: r.Metrics.At, Metrics: r.Metrics}
		}
		half := time.Now().Add(-30 * time.Minute)
		a := reports.Cohort{From: from, To: half}
		b := reports.Cohort{From: half, To: to}
		reports.Compare(a, b, snaps, nil, time.Now().Add(48*time.Hour), time.UTC)
		totals = append(totals, time.Since(t0))
		queries = append(queries, tq)
	}
	if err := store.DB().QueryRowContext(ctx, `SELECT count(*) FROM metric_snapshots`).Scan(&res.snapshots); err != nil {
		return res, err
	}
	slices.Sort(totals)
	slices.Sort(queries)
	res.compareMedian, res.compareMax, res.queryMedian = totals[len(totals)/2], totals[len(totals)-1], queries[len(queries)/2]
	return res, nil
}

func fakenetOps(ctx context.Context, addr, op string) (int64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/_fakenet/stats", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var st struct {
		Operations map[string]int64 `json:"operations"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, err
	}
	return st.Operations[op], nil
}

func workspaceOf(ctx context.Context, store Store, token string) (string, error) {
	tok, err := store.TokenByHash(ctx, rythme.HashToken(token))
	if err != nil {
		return "", err
	}
	return tok.WorkspaceID, nil
}
