package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
)

// On PostgreSQL, FinishTargets sends each round of outcomes as arrays: one
// UPDATE … FROM unnest(…) with finishOne's compare-and-set per row, one
// INSERT of the thread parts, one of the history events, whatever the
// number of targets; a round holds each target once (a target listed twice
// is finished by its first outcome, and its second meets the first's
// change in the next round, as one by one).

// targetsCols are targetCols qualified with the table's name (an UPDATE …
// FROM has columns of the same names in its FROM list).
var targetsCols = "targets." + strings.Join(strings.Split(strings.ReplaceAll(targetCols, "\n\t", " "), ", "), ", targets.")

var finishRowsSQL = `UPDATE targets SET status = v.status, version = targets.version + v.bump,
	external_id = CASE WHEN v.ext = '' THEN targets.external_id ELSE v.ext END,
	url = CASE WHEN v.url = '' THEN targets.url ELSE v.url END,
	last_error = v.err, published_at = COALESCE(v.published_at, targets.published_at), lease_until = NULL, updated_at = v.at,
	metrics_next_at = COALESCE(v.metrics_next, targets.metrics_next_at),
	metrics_step = CASE WHEN v.metrics_next IS NULL THEN targets.metrics_step ELSE 0 END
	FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
		$8::timestamptz[], $9::timestamptz[], $10::timestamptz[])
		AS v(id, version, status, bump, ext, url, err, published_at, at, metrics_next)
	WHERE targets.id = v.id AND targets.status = 'publishing' AND targets.version = v.version
	RETURNING ` + targetsCols + `, ` + postText

const insertPartsSQL = `INSERT INTO target_parts (target_id, idx, external_id, url, ref, published_at)
	SELECT p.target_id, p.idx, p.external_id, p.url, p.ref, p.published_at
	FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
		AS p(target_id, idx, external_id, url, ref, published_at)
	ON CONFLICT (target_id, idx) DO NOTHING`

const insertEventsSQL = `INSERT INTO post_events (workspace_id, post_id, at, actor_id, actor, action, comment)
	SELECT e.workspace_id, e.post_id, e.at, '', $4, 'publishing', e.comment
	FROM unnest($1::text[], $2::text[], $3::timestamptz[], $5::text[]) AS e(workspace_id, post_id, at, comment)`

// finishRound finishes fs (each target at most once) in tx; done[i] is the
// target after fs[i]'s outcome, nil when it was not publishing at its
// version.
func (s *Store) finishRound(ctx context.Context, tx *sql.Tx, fs []rythme.TargetFinish) ([]*rythme.Target, error) {
	n := len(fs)
	ids, statuses, exts, urls, errs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	versions, bumps := make([]int32, n), make([]int32, n)
	published, ats, metricsNext := make([]*time.Time, n), make([]time.Time, n), make([]*time.Time, n)
	index := make(map[string]int, n)
	for i, f := range fs {
		out := f.Outcome
		at := out.At
		if at.IsZero() {
			at = time.Now()
		}
		at = norm(at)
		ids[i], versions[i], statuses[i], exts[i], urls[i], errs[i], ats[i] = f.ID, int32(f.Version), string(out.Status), out.ExternalID, out.URL, out.Error, at
		if out.BumpVersion {
			bumps[i] = 1
		}
		if out.Status == rythme.TargetPublished {
			published[i] = &ats[i]
			next := norm(*rythme.NextMetricsAt(at, 0))
			metricsNext[i] = &next
		}
		index[f.ID] = i
	}
	rows, err := tx.QueryContext(ctx, finishRowsSQL, ids, versions, statuses, bumps, exts, urls, errs, published, ats, metricsNext)
	if err != nil {
		return nil, err
	}
	done := make([]*rythme.Target, n)
	for rows.Next() {
		t, err := scanTarget(rows, true)
		if err != nil {
			rows.Close()
			return nil, err
		}
		done[index[t.ID]] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var pt, pe, pu, pr []string
	var pi []int32
	var pa []time.Time
	var ews, eps, ecs []string
	var eas []time.Time
	for i, t := range done {
		if t == nil {
			continue
		}
		for _, p := range fs[i].Outcome.Parts {
			pt, pi, pe, pu, pr, pa = append(pt, t.ID), append(pi, int32(p.Index)), append(pe, p.ExternalID), append(pu, p.URL), append(pr, p.Ref), append(pa, norm(p.PublishedAt))
		}
		if c := fs[i].Outcome.Event; c != "" {
			ews, eps, eas, ecs = append(ews, t.WorkspaceID), append(eps, t.PostID), append(eas, ats[i]), append(ecs, c)
		}
	}
	if len(pt) > 0 {
		if _, err := tx.ExecContext(ctx, insertPartsSQL, pt, pi, pe, pu, pr, pa); err != nil {
			return nil, err
		}
	}
	if len(ews) > 0 {
		if _, err := tx.ExecContext(ctx, insertEventsSQL, ews, eps, eas, string(rythme.ActorRythme), ecs); err != nil {
			return nil, err
		}
	}
	return done, nil
}
