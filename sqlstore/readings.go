package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Readings (the metric_snapshots table) on PostgreSQL are partitioned by
// UTC month (migration 00021): metric_snapshots_pYYYYMM holds the readings
// of one month as taken; metric_snapshots_pYYYYMM_daily the same month once
// compacted (each target's last reading of each day); a DEFAULT partition
// takes a reading no month covers yet.

// partitionName matches the monthly partitions, raw or compacted.
var partitionName = regexp.MustCompile(`^metric_snapshots_p(\d{6})(_daily)?$`)

// readingsLock is the advisory lock the partition changes take, so that
// two workers' housekeeping never change the same month at once.
const readingsLock = 0x72656164 // "read"

// monthStart is the first instant of t's UTC month.
func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func partitionFor(month time.Time) string { return "metric_snapshots_p" + month.Format("200601") }

// readingPartition is one monthly partition of the readings.
type readingPartition struct {
	name      string
	month     time.Time
	compacted bool
}

// ReadingPartitions lists the monthly partitions of the readings, oldest
// first, by name ("metric_snapshots_p202612", "…_daily" once compacted);
// nil on SQLite, which has none.
func (s *Store) ReadingPartitions(ctx context.Context) ([]string, error) {
	ps, err := s.readingPartitions(ctx, s.w)
	if err != nil || ps == nil {
		return nil, err
	}
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.name)
	}
	return out, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) readingPartitions(ctx context.Context, q querier) ([]readingPartition, error) {
	if s.dialect != DialectPostgres {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'metric_snapshots'::regclass`)
	if err != nil {
		return nil, s.fail("reading partitions", err)
	}
	defer rows.Close()
	var out []readingPartition
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, s.fail("reading partitions", err)
		}
		m := partitionName.FindStringSubmatch(name)
		if m == nil {
			continue // the default partition
		}
		month, err := time.Parse("200601", m[1])
		if err != nil {
			continue
		}
		out = append(out, readingPartition{name: name, month: month, compacted: m[2] != ""})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].month.Before(out[j].month) })
	return out, s.fail("reading partitions", rows.Err())
}

// PrepareReadings creates the monthly partitions from from's month to
// through's that do not exist yet (PostgreSQL; nothing on SQLite). A new
// partition is attached, not created in place, so that readings keep
// being written meanwhile; readings of its month that the default
// partition took move into it first.
func (s *Store) PrepareReadings(ctx context.Context, from, through time.Time) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	have, err := s.readingPartitions(ctx, s.w)
	if err != nil {
		return err
	}
	exists := map[time.Time]bool{}
	for _, p := range have {
		exists[p.month] = true
	}
	for m := monthStart(from); !m.After(through); m = m.AddDate(0, 1, 0) {
		if exists[m] {
			continue
		}
		if err := s.tx(ctx, "prepare readings", func(tx *sql.Tx) error { return s.addPartition(ctx, tx, m) }); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) addPartition(ctx context.Context, tx *sql.Tx, m time.Time) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, readingsLock); err != nil {
		return err
	}
	var found int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'metric_snapshots'::regclass AND c.relname IN ($1, $2)`,
		partitionFor(m), partitionFor(m)+"_daily").Scan(&found); err != nil || found > 0 {
		return err // another worker made it meanwhile
	}
	name, lo, hi := partitionFor(m), m, m.AddDate(0, 1, 0)
	for _, q := range []string{
		fmt.Sprintf(`CREATE TABLE %s (LIKE metric_snapshots INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`, name),
		fmt.Sprintf(`WITH moved AS (DELETE FROM metric_snapshots_default WHERE at >= '%s' AND at < '%s' RETURNING *)
			INSERT INTO %s SELECT * FROM moved`, pgTime(lo), pgTime(hi), name),
		fmt.Sprintf(`ALTER TABLE metric_snapshots ATTACH PARTITION %s FOR VALUES FROM ('%s') TO ('%s')`, name, pgTime(lo), pgTime(hi)),
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// pgTime is a timestamptz literal (DDL takes no parameters).
func pgTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05+00") }

// CompactReadings keeps, of the readings before before's UTC month, each
// target's last reading of each UTC day, and deletes the others. On
// PostgreSQL each raw month partition wholly before it is copied,
// compacted, into metric_snapshots_pYYYYMM_daily, which replaces it; the
// raw partition is dropped whole (no row-by-row delete, no bloat). Only
// the swap itself holds the table's lock.
func (s *Store) CompactReadings(ctx context.Context, before time.Time) (int64, error) {
	cut := monthStart(before)
	if s.dialect != DialectPostgres {
		res, err := s.w.ExecContext(ctx, `DELETE FROM metric_snapshots WHERE at < $1 AND id IN (
			SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY target_id, substr(at, 1, 10) ORDER BY at DESC, id DESC) AS n
				FROM metric_snapshots WHERE at < $1) WHERE n > 1)`, s.ts(cut))
		if err != nil {
			return 0, s.fail("compact readings", err)
		}
		n, err := res.RowsAffected()
		return n, s.fail("compact readings", err)
	}
	// Readings of past months the default partition took (none but
	// readings stored with an old time) get their month first.
	var oldest sql.NullTime
	if err := s.w.QueryRowContext(ctx, `SELECT min(at) FROM metric_snapshots_default WHERE at < $1`, cut).Scan(&oldest); err != nil {
		return 0, s.fail("compact readings", err)
	}
	if oldest.Valid {
		if err := s.PrepareReadings(ctx, oldest.Time, cut.Add(-time.Nanosecond)); err != nil {
			return 0, err
		}
	}
	have, err := s.readingPartitions(ctx, s.w)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, p := range have {
		if p.compacted || p.month.AddDate(0, 1, 0).After(cut) {
			continue
		}
		err := s.tx(ctx, "compact readings", func(tx *sql.Tx) error {
			n, err := s.compactPartition(ctx, tx, p)
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *Store) compactPartition(ctx context.Context, tx *sql.Tx, p readingPartition) (int64, error) {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, readingsLock); err != nil {
		return 0, err
	}
	var still int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'metric_snapshots'::regclass AND c.relname = $1`, p.name).Scan(&still); err != nil || still == 0 {
		return 0, err // another worker compacted it meanwhile
	}
	daily, lo, hi := p.name+"_daily", p.month, p.month.AddDate(0, 1, 0)
	var before int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+p.name).Scan(&before); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE %s (LIKE metric_snapshots INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`, daily)); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s SELECT DISTINCT ON (target_id, (at AT TIME ZONE 'UTC')::date) *
		FROM %s ORDER BY target_id, (at AT TIME ZONE 'UTC')::date, at DESC, id DESC`, daily, p.name))
	if err != nil {
		return 0, err
	}
	kept, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	for _, q := range []string{
		fmt.Sprintf(`ALTER TABLE metric_snapshots DETACH PARTITION %s`, p.name),
		fmt.Sprintf(`DROP TABLE %s`, p.name),
		fmt.Sprintf(`ALTER TABLE metric_snapshots ATTACH PARTITION %s FOR VALUES FROM ('%s') TO ('%s')`, daily, pgTime(lo), pgTime(hi)),
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	return before - kept, nil
}
