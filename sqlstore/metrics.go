package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
)

// DueMetrics lists published targets whose reading is due, grouped by
// account (ordered by account, then due time). limit <= 0 means 1000.
func (s *Store) DueMetrics(ctx context.Context, now time.Time, limit int) ([]rythme.MetricsDue, error) {
	if limit <= 0 {
		limit = DueTargetsLimit
	}
	return s.metricsDue(ctx, "due metrics", `SELECT `+dueColumns+`
		FROM targets WHERE metrics_next_at IS NOT NULL AND metrics_next_at <= $1 AND status = 'published' AND external_id <> ''
		ORDER BY account_id, metrics_next_at, id LIMIT $2`, s.ts(now), limit)
}

// dueColumns are what metricsDue scans into a MetricsDue.
const dueColumns = `id, account_id, network, external_id, published_at, metrics_step, metrics_next_at,
		(SELECT count(*) FROM target_parts tp WHERE tp.target_id = targets.id AND tp.idx = 1),
		(SELECT count(*) FROM posts p WHERE p.id = targets.post_id AND p.poll <> '')`

func (s *Store) metricsDue(ctx context.Context, op, query string, args ...any) ([]rythme.MetricsDue, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := []rythme.MetricsDue{}
	for rows.Next() {
		var d rythme.MetricsDue
		var pub, next *time.Time
		var polls int
		if err := rows.Scan(&d.TargetID, &d.AccountID, &d.Network, &d.ExternalID, nullTimeCol{&pub}, &d.Step,
			nullTimeCol{&next}, &d.OwnReplies, &polls); err != nil {
			return nil, s.fail(op, err)
		}
		if pub != nil {
			d.PublishedAt = *pub
		}
		if next != nil {
			d.NextAt = *next
		}
		d.Poll = polls > 0
		out = append(out, d)
	}
	return out, s.fail(op, rows.Err())
}

// ReadTargets lists the account's published targets still on their
// reading schedule, the most recently published first.
func (s *Store) ReadTargets(ctx context.Context, accountID string, limit int) ([]rythme.MetricsDue, error) {
	if limit <= 0 {
		limit = 200
	}
	return s.metricsDue(ctx, "read targets", `SELECT `+dueColumns+`
		FROM targets WHERE account_id = $1 AND metrics_next_at IS NOT NULL AND status = 'published' AND external_id <> ''
		ORDER BY published_at DESC, id LIMIT $2`, accountID, limit)
}

// SaveReading stores a reading taken off the schedule as a new snapshot;
// the target points at it when it is its latest, and a deleted post is
// read no more. Its step and next reading are left as they were.
func (s *Store) SaveReading(ctx context.Context, targetID string, m rythme.Metrics) error {
	if m.At.IsZero() {
		m.At = time.Now()
	}
	return s.tx(ctx, "save reading", func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO metric_snapshots (workspace_id, target_id, account_id, network, at,
			impressions, reach, likes, comments, shares, saves, clicks, video_views, deleted, poll)
			SELECT workspace_id, id, account_id, network, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM targets WHERE id = $1
			RETURNING id`,
			targetID, s.ts(m.At), nullInt(m.Impressions), nullInt(m.Reach), nullInt(m.Likes), nullInt(m.Comments),
			nullInt(m.Shares), nullInt(m.Saves), nullInt(m.Clicks), nullInt(m.VideoViews), m.Deleted,
			pollResultsText(m.Poll)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("target", targetID)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE targets SET
				metrics_next_at = CASE WHEN $4 THEN NULL ELSE metrics_next_at END,
				`+latestSet("latest_snapshot_at IS NULL OR latest_snapshot_at <= $2", 5)+`,
				latest_snapshot_id = CASE WHEN latest_snapshot_at IS NULL OR latest_snapshot_at <= $2 THEN $3 ELSE latest_snapshot_id END,
				latest_snapshot_at = CASE WHEN latest_snapshot_at IS NULL OR latest_snapshot_at <= $2 THEN $2 ELSE latest_snapshot_at END
			WHERE id = $1`, append([]any{targetID, s.ts(m.At), id, m.Deleted}, readingValues(m)...)...)
		return err
	})
}

// latestCols are a reading's numbers as the target keeps its latest's
// (migration 00027), in readingValues' order.
var latestCols = []string{"latest_impressions", "latest_reach", "latest_likes", "latest_comments", "latest_shares",
	"latest_saves", "latest_clicks", "latest_video_views", "latest_deleted", "latest_poll"}

// readingValues are m's numbers in latestCols' order, as parameters.
func readingValues(m rythme.Metrics) []any {
	return []any{nullInt(m.Impressions), nullInt(m.Reach), nullInt(m.Likes), nullInt(m.Comments), nullInt(m.Shares),
		nullInt(m.Saves), nullInt(m.Clicks), nullInt(m.VideoViews), m.Deleted, pollResultsText(m.Poll)}
}

// latestSet sets latestCols from the parameters numbered from first on
// (readingValues) where cond holds ("" for always), else leaves them.
func latestSet(cond string, first int) string {
	parts := make([]string, len(latestCols))
	for i, c := range latestCols {
		p := "$" + strconv.Itoa(first+i)
		if cond == "" {
			parts[i] = c + " = " + p
		} else {
			parts[i] = c + " = CASE WHEN " + cond + " THEN " + p + " ELSE " + c + " END"
		}
	}
	return strings.Join(parts, ", ")
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// SaveMetrics moves the target from its step to the next (or to none) by
// compare-and-set and, when it won, stores the reading as a new snapshot,
// in one transaction.
func (s *Store) SaveMetrics(ctx context.Context, due rythme.MetricsDue, m rythme.Metrics, next *time.Time) error {
	if m.At.IsZero() {
		m.At = time.Now()
	}
	return s.tx(ctx, "save metrics", func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO metric_snapshots (workspace_id, target_id, account_id, network, at,
			impressions, reach, likes, comments, shares, saves, clicks, video_views, deleted, poll)
			SELECT workspace_id, id, account_id, network, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM targets WHERE id = $1
			RETURNING id`,
			due.TargetID, s.ts(m.At), nullInt(m.Impressions), nullInt(m.Reach), nullInt(m.Likes), nullInt(m.Comments),
			nullInt(m.Shares), nullInt(m.Saves), nullInt(m.Clicks), nullInt(m.VideoViews), m.Deleted,
			pollResultsText(m.Poll)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("target", due.TargetID)
		}
		if err != nil {
			return err
		}
		// The step moves by compare-and-set (of two pollers, one stores
		// the reading: the other's insert rolls back), and the target
		// points at its latest reading.
		res, err := tx.ExecContext(ctx, `UPDATE targets SET metrics_next_at = $1, metrics_step = metrics_step + 1,
				`+latestSet("latest_snapshot_at IS NULL OR latest_snapshot_at <= $4", 6)+`,
				latest_snapshot_id = CASE WHEN latest_snapshot_at IS NULL OR latest_snapshot_at <= $4 THEN $5 ELSE latest_snapshot_id END,
				latest_snapshot_at = CASE WHEN latest_snapshot_at IS NULL OR latest_snapshot_at <= $4 THEN $4 ELSE latest_snapshot_at END
			WHERE id = $2 AND metrics_step = $3 AND metrics_next_at IS NOT NULL`,
			append([]any{s.tsPtr(next), due.TargetID, due.Step, s.ts(m.At), id}, readingValues(m)...)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return rythme.Errorf(rythme.ECONFLICT, "target %s was read at step %d already", due.TargetID, due.Step)
		}
		return nil
	})
}

// IndexLatestReadings points every target at its latest reading, as
// SaveMetrics keeps it: for readings loaded in bulk without it (the
// benchmarks). The migration that added the pointer did the same.
func (s *Store) IndexLatestReadings(ctx context.Context) error {
	q := `UPDATE targets SET latest_snapshot_id = l.id, latest_snapshot_at = l.at
		FROM (SELECT DISTINCT ON (target_id) target_id, id, at FROM metric_snapshots ORDER BY target_id, at DESC, id DESC) l
		WHERE l.target_id = targets.id`
	if s.dialect != DialectPostgres {
		q = `UPDATE targets SET
			latest_snapshot_id = (SELECT m.id FROM metric_snapshots m WHERE m.target_id = targets.id ORDER BY m.at DESC, m.id DESC LIMIT 1),
			latest_snapshot_at = (SELECT m.at FROM metric_snapshots m WHERE m.target_id = targets.id ORDER BY m.at DESC, m.id DESC LIMIT 1)`
	}
	if _, err := s.w.ExecContext(ctx, q); err != nil {
		return s.fail("index latest readings", err)
	}
	_, err := s.w.ExecContext(ctx, copyLatestSQL[s.dialect])
	return s.fail("index latest readings", err)
}

// copyLatestSQL copies each target's latest reading's numbers from the
// reading its pointer names, as migration 00027 did.
var copyLatestSQL = map[string]string{
	DialectPostgres: `UPDATE targets SET latest_impressions = m.impressions, latest_reach = m.reach, latest_likes = m.likes,
		latest_comments = m.comments, latest_shares = m.shares, latest_saves = m.saves, latest_clicks = m.clicks,
		latest_video_views = m.video_views, latest_deleted = m.deleted, latest_poll = m.poll
		FROM metric_snapshots m WHERE m.id = targets.latest_snapshot_id AND m.at = targets.latest_snapshot_at`,
	DialectSQLite: `UPDATE targets SET (` + strings.Join(latestCols, ", ") + `) =
		(SELECT m.impressions, m.reach, m.likes, m.comments, m.shares, m.saves, m.clicks, m.video_views, m.deleted, m.poll
		 FROM metric_snapshots m WHERE m.id = targets.latest_snapshot_id)
		WHERE EXISTS (SELECT 1 FROM metric_snapshots m WHERE m.id = targets.latest_snapshot_id)`,
}

// Snapshots returns every reading of the workspace's targets published in
// [from, to), with the post's author, tags and campaign and the reading's
// poll results (Metrics.Poll, where it has some), in no particular
// order (sorting 100,000 rows would cost more than the reports that read
// them, which do not depend on order). The targets' details are read once
// each, the readings with their numbers and their poll results only (the
// latter parsed where a reading has some): most of the cost of 100,000
// rows is in the strings a row carries.
func (s *Store) Snapshots(ctx context.Context, workspaceID string, from, to time.Time) ([]rythme.Snapshot, error) {
	return s.snapshots(ctx, workspaceID, from, to, nil)
}

// LatestSnapshots is Snapshots keeping each target's last reading at or
// before asOf: what a comparison needs, a tenth of the rows to carry.
func (s *Store) LatestSnapshots(ctx context.Context, workspaceID string, from, to, asOf time.Time) ([]rythme.Snapshot, error) {
	return s.snapshots(ctx, workspaceID, from, to, &asOf)
}

func (s *Store) snapshots(ctx context.Context, workspaceID string, from, to time.Time, latestAsOf *time.Time) ([]rythme.Snapshot, error) {
	type meta struct {
		postID, accountID, network, author, campaign, externalID string
		tags                                                     []string
		published                                                time.Time
	}
	targets := map[string]*meta{}
	posts := `posts p ON p.id = t.post_id`
	if s.dialect == DialectPostgres {
		// A probe of the posts' key per target: a hash join would read
		// every post of every workspace to find the few thousand wanted.
		posts = `LATERAL (SELECT author, tags, campaign_id FROM posts p WHERE p.id = t.post_id OFFSET 0) p ON true`
	}
	// As of a time, each target's last reading at or before it: the one
	// the target carries (its latest's time and numbers, kept with every
	// reading) when that is not after it — a comparison as of now: every
	// target, read with its details in this one query; the others' are
	// looked for below.
	latest := ""
	if latestAsOf != nil {
		latest = `, t.latest_snapshot_at, t.` + strings.Join(latestCols, ", t.")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT t.id, t.post_id, t.account_id, t.network, p.author, p.tags, p.campaign_id,
			t.published_at, t.external_id`+latest+`
		FROM targets t JOIN `+posts+`
		WHERE t.workspace_id = $1 AND t.published_at >= $2 AND t.published_at < $3`, workspaceID, s.ts(from), s.ts(to))
	if err != nil {
		return nil, s.fail("snapshots", err)
	}
	tagsSeen := map[string][]string{} // posts share a few tag sets: parse each once
	out := []rythme.Snapshot{}
	var vals [8]sql.NullInt64
	// The poll's results are read into one reused buffer and parsed only
	// where there are some: most readings have none ('').
	var poll sql.RawBytes
	snapshot := func(tid string, m *meta, at time.Time, deleted any) (rythme.Snapshot, error) {
		sn := rythme.Snapshot{TargetID: tid, PostID: m.postID, WorkspaceID: workspaceID, AccountID: m.accountID, Network: m.network,
			Author: m.author, Tags: m.tags, CampaignID: m.campaign, PublishedAt: m.published}
		sn.Metrics.TargetID, sn.Metrics.ExternalID, sn.Metrics.At, sn.Metrics.Deleted = tid, m.externalID, at, truthy(deleted)
		setMetrics(&sn.Metrics, vals)
		if len(poll) > 0 {
			var err error
			if sn.Metrics.Poll, err = parsePollResults(string(poll)); err != nil {
				return sn, err
			}
		}
		return sn, nil
	}
	for rows.Next() {
		var id, tags string
		var pub, latestAt *time.Time
		var deleted any
		m := &meta{}
		dest := []any{&id, &m.postID, &m.accountID, &m.network, &m.author, &tags, &m.campaign, nullTimeCol{&pub}, &m.externalID}
		if latestAsOf != nil {
			dest = append(dest, nullTimeCol{&latestAt}, &vals[0], &vals[1], &vals[2], &vals[3], &vals[4], &vals[5], &vals[6], &vals[7],
				&deleted, &poll)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, s.fail("snapshots", err)
		}
		if pub != nil {
			m.published = *pub
		}
		parsed, ok := tagsSeen[tags]
		if !ok {
			if parsed, err = parseTags(tags); err != nil {
				rows.Close()
				return nil, err
			}
			tagsSeen[tags] = parsed
		}
		m.tags = parsed
		if latestAsOf == nil || latestAt == nil || latestAt.After(*latestAsOf) {
			targets[id] = m // its readings are read below
			continue
		}
		sn, err := snapshot(id, m, *latestAt, deleted)
		if err != nil {
			rows.Close()
			return nil, s.fail("snapshots", err)
		}
		out = append(out, sn)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.fail("snapshots", err)
	}
	if len(targets) == 0 {
		return out, nil
	}
	readings := `SELECT m.target_id, m.at, m.impressions, m.reach, m.likes, m.comments, m.shares,
			m.saves, m.clicks, m.video_views, m.deleted, m.poll
		FROM metric_snapshots m JOIN targets t ON t.id = m.target_id
		WHERE m.workspace_id = $1 AND t.published_at >= $2 AND t.published_at < $3`
	args := []any{workspaceID, s.ts(from), s.ts(to)}
	if latestAsOf != nil {
		// The last reading at or before asOf of the targets whose latest
		// is after it (a comparison as of a past day), by an index probe
		// on (target_id, at) for each target alone: PostgreSQL runs the
		// LATERAL subquery as one probe per target, where a join would
		// hash every partition of the readings.
		readings = `SELECT m.target_id, m.at, m.impressions, m.reach, m.likes, m.comments, m.shares, m.saves, m.clicks,
				m.video_views, m.deleted, m.poll
			FROM targets t JOIN metric_snapshots m ON m.id = (SELECT p.id FROM metric_snapshots p
				WHERE p.target_id = t.id AND p.at <= $4 ORDER BY p.at DESC, p.id DESC LIMIT 1)
			WHERE t.workspace_id = $1 AND t.published_at >= $2 AND t.published_at < $3
				AND (t.latest_snapshot_at IS NULL OR t.latest_snapshot_at > $4)`
		if s.dialect == DialectPostgres {
			readings = `SELECT m.target_id, m.at, m.impressions, m.reach, m.likes, m.comments, m.shares, m.saves, m.clicks,
					m.video_views, m.deleted, m.poll
				FROM targets t CROSS JOIN LATERAL (SELECT * FROM metric_snapshots p
					WHERE p.target_id = t.id AND p.at <= $4 ORDER BY p.at DESC, p.id DESC LIMIT 1) m
				WHERE t.workspace_id = $1 AND t.published_at >= $2 AND t.published_at < $3
					AND (t.latest_snapshot_at IS NULL OR t.latest_snapshot_at > $4)`
		}
		args = append(args, s.ts(*latestAsOf))
	}
	rows, err = s.r.QueryContext(ctx, readings, args...)
	if err != nil {
		return nil, s.fail("snapshots", err)
	}
	defer rows.Close()
	if latestAsOf == nil {
		out = make([]rythme.Snapshot, 0, len(targets)*4)
	}
	for rows.Next() {
		var tid string
		var at time.Time
		var deleted any
		if err := rows.Scan(&tid, timeCol{&at}, &vals[0], &vals[1], &vals[2], &vals[3], &vals[4], &vals[5], &vals[6], &vals[7],
			&deleted, &poll); err != nil {
			return nil, s.fail("snapshots", err)
		}
		m := targets[tid]
		if m == nil {
			continue
		}
		sn, err := snapshot(tid, m, at, deleted)
		if err != nil {
			return nil, s.fail("snapshots", err)
		}
		out = append(out, sn)
	}
	return out, s.fail("snapshots", rows.Err())
}

func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case int64:
		return b != 0
	}
	return false
}

// AccountsDueAudience lists connected accounts whose followers are due.
func (s *Store) AccountsDueAudience(ctx context.Context, now time.Time, limit int) ([]*rythme.Account, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+accountRead+` FROM accounts
		WHERE status = 'connected' AND (audience_next_at IS NULL OR audience_next_at <= $1)
		ORDER BY audience_next_at, id LIMIT $2`, s.ts(now), limit)
	if err != nil {
		return nil, s.fail("accounts due audience", err)
	}
	defer rows.Close()
	out := []*rythme.Account{}
	for rows.Next() {
		a, err := s.scanAccount(rows)
		if err != nil {
			return nil, s.fail("accounts due audience", err)
		}
		out = append(out, a)
	}
	return out, s.fail("accounts due audience", rows.Err())
}

// SaveAudience stores a followers reading and when the next is due.
func (s *Store) SaveAudience(ctx context.Context, accountID string, at time.Time, followers int64, next time.Time) error {
	return s.tx(ctx, "save audience", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audience_samples (workspace_id, account_id, at, followers)
			SELECT workspace_id, id, $2, $3 FROM accounts WHERE id = $1`, accountID, s.ts(at), followers); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET audience_next_at = $1 WHERE id = $2`, s.ts(next), accountID)
		return err
	})
}

// AudienceSamples returns the workspace's followers readings in [from, to).
func (s *Store) AudienceSamples(ctx context.Context, workspaceID string, from, to time.Time) ([]rythme.AudienceSample, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT a.account_id, c.network, a.at, a.followers
		FROM audience_samples a JOIN accounts c ON c.id = a.account_id
		WHERE a.workspace_id = $1 AND a.at >= $2 AND a.at < $3 ORDER BY a.at, a.id`, workspaceID, s.ts(from), s.ts(to))
	if err != nil {
		return nil, s.fail("audience samples", err)
	}
	defer rows.Close()
	out := []rythme.AudienceSample{}
	for rows.Next() {
		var a rythme.AudienceSample
		if err := rows.Scan(&a.AccountID, &a.Network, timeCol{&a.At}, &a.Followers); err != nil {
			return nil, s.fail("audience samples", err)
		}
		out = append(out, a)
	}
	return out, s.fail("audience samples", rows.Err())
}

// PostReadingsLimit bounds PostReadings when no limit is given: a post on
// twelve accounts read on the whole schedule has 84 readings.
const PostReadingsLimit = 1000

// PostReadings returns the readings of the post's targets, by target then
// time; ENOTFOUND when the post is not the workspace's.
func (s *Store) PostReadings(ctx context.Context, workspaceID, postID string, limit int) ([]rythme.Metrics, error) {
	if limit <= 0 {
		limit = PostReadingsLimit
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM posts WHERE id = $1 AND workspace_id = $2`, postID, workspaceID).Scan(&n); err != nil {
		return nil, s.fail("post readings", err)
	}
	if n == 0 {
		return nil, notFound("post", postID)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT m.target_id, t.external_id, m.at, m.impressions, m.reach, m.likes, m.comments,
			m.shares, m.saves, m.clicks, m.video_views, m.deleted, m.poll
		FROM targets t JOIN metric_snapshots m ON m.target_id = t.id
		WHERE t.post_id = $1 AND t.workspace_id = $2
		ORDER BY m.target_id, m.at, m.id LIMIT $3`, postID, workspaceID, limit)
	if err != nil {
		return nil, s.fail("post readings", err)
	}
	defer rows.Close()
	out := []rythme.Metrics{}
	var vals [8]sql.NullInt64
	for rows.Next() {
		var m rythme.Metrics
		var deleted any
		var poll string
		if err := rows.Scan(&m.TargetID, &m.ExternalID, timeCol{&m.At}, &vals[0], &vals[1], &vals[2], &vals[3], &vals[4],
			&vals[5], &vals[6], &vals[7], &deleted, &poll); err != nil {
			return nil, s.fail("post readings", err)
		}
		var err error
		if m.Poll, err = parsePollResults(poll); err != nil {
			return nil, s.fail("post readings", err)
		}
		m.Deleted = truthy(deleted)
		setMetrics(&m, vals)
		out = append(out, m)
	}
	return out, s.fail("post readings", rows.Err())
}

// setMetrics fills m's figures from the eight metric columns, in the order
// impressions, reach, likes, comments, shares, saves, clicks, video_views.
func setMetrics(m *rythme.Metrics, vals [8]sql.NullInt64) {
	ptrs := [8]**int64{&m.Impressions, &m.Reach, &m.Likes, &m.Comments, &m.Shares, &m.Saves, &m.Clicks, &m.VideoViews}
	for i, v := range vals {
		if v.Valid {
			n := v.Int64
			*ptrs[i] = &n
		}
	}
}
