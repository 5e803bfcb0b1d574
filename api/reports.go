package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/reports"
)

// reportLookback bounds how far back a report without a period reads.
const reportLookback = 400 * 24 * time.Hour

type reportRow struct {
	Indicator string   `json:"indicator"`
	Label     string   `json:"label"`
	A         *float64 `json:"a"`
	B         *float64 `json:"b"`
	ChangePct *float64 `json:"change_pct"`
}

type cohortOut struct {
	Spec         string `json:"spec"`
	Posts        int    `json:"posts"`
	Publications int    `json:"publications"`
}

// compareOut is the comparison as the API answers it: rows named and
// defined as reports.Definitions says, rates in percent, exact.
type compareOut struct {
	A           cohortOut                    `json:"a"`
	B           cohortOut                    `json:"b"`
	Denominator string                       `json:"denominator"`
	Rows        []reportRow                  `json:"rows"`
	Series      map[string][]reports.DayRate `json:"series"`
	Definitions []reports.Definition         `json:"definitions"`
	comparison  reports.Comparison
}

// Table renders the comparison for CSV.
func (c compareOut) Table() [][]string { return c.comparison.Table() }

// reportZone reads ?tz= (default UTC).
func (s *server) reportZone(c *gin.Context) (*time.Location, bool) {
	zone, err := calendars.LoadZone(c.Query("tz"))
	if err != nil {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "tz", Message: err.Error()}))
		return nil, false
	}
	return zone, true
}

// snapshots loads the workspace's readings of posts published in [from,
// to) as the reports package takes them.
func (s *server) snapshots(ctx context.Context, ws string, from, to time.Time) ([]reports.Snapshot, error) {
	rows, err := s.store.Snapshots(ctx, ws, from, to)
	if err != nil {
		return nil, fmt.Errorf("api: snapshots: %w", err)
	}
	return toReports(rows), nil
}

// latestSnapshots is snapshots keeping each post's last reading at asOf
// (the database picks it): what a comparison reads.
func (s *server) latestSnapshots(ctx context.Context, ws string, from, to, asOf time.Time) ([]reports.Snapshot, error) {
	rows, err := s.store.LatestSnapshots(ctx, ws, from, to, asOf)
	if err != nil {
		return nil, fmt.Errorf("api: snapshots: %w", err)
	}
	return toReports(rows), nil
}

func toReports(rows []rythme.Snapshot) []reports.Snapshot {
	out := make([]reports.Snapshot, len(rows))
	for i, r := range rows {
		out[i] = reports.Snapshot{TargetID: r.TargetID, PostID: r.PostID, AccountID: r.AccountID, Network: r.Network,
			Author: r.Author, Tags: r.Tags, CampaignID: r.CampaignID, PublishedAt: r.PublishedAt, At: r.Metrics.At, Metrics: r.Metrics}
	}
	return out
}

func (s *server) audience(ctx context.Context, ws string, from, to time.Time) ([]reports.AudienceSample, error) {
	rows, err := s.store.AudienceSamples(ctx, ws, from, to)
	if err != nil {
		return nil, fmt.Errorf("api: audience: %w", err)
	}
	out := make([]reports.AudienceSample, len(rows))
	for i, r := range rows {
		out[i] = reports.AudienceSample{AccountID: r.AccountID, Network: r.Network, At: r.At, Followers: r.Followers}
	}
	return out, nil
}

// respond answers JSON, or CSV when the client asks for text/csv.
func (s *server) respond(c *gin.Context, name string, body any, table reports.Report) {
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		c.Status(http.StatusOK)
		if err := reports.WriteCSV(c.Writer, table); err != nil {
			s.log.WarnContext(c.Request.Context(), "api: write csv", "error", err.Error())
		}
		return
	}
	c.JSON(http.StatusOK, body)
}

// cohortParam reads the cohort spec of query field (required), adding
// what is wrong with it to fe.
func cohortParam(c *gin.Context, field string, zone *time.Location, fe *fieldErrors) reports.Cohort {
	spec := c.Query(field)
	if spec == "" {
		fe.add(field, "is required: a cohort such as period:2026-10-01..2026-10-31, campaign:ID, tag:launch, network:x or author:Ada")
		return reports.Cohort{}
	}
	co, err := reports.ParseCohort(spec, zone)
	if err != nil {
		fe.add(field, "%s", rythme.ErrorMessage(err))
	}
	return co
}

// compareReport is GET /v1/reports/compare?a=&b=&tz=.
func (s *server) compareReport(c *gin.Context) {
	zone, ok := s.reportZone(c)
	if !ok {
		return
	}
	var fe fieldErrors
	a, b := cohortParam(c, "a", zone, &fe), cohortParam(c, "b", zone, &fe)
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	now := s.now()
	from, to := now.Add(-reportLookback), now.Add(time.Second)
	if a.HasPeriod() && b.HasPeriod() {
		from, to = minTime(a.From, b.From), maxTime(a.To, b.To)
	}
	ctx := c.Request.Context()
	snaps, err := s.latestSnapshots(ctx, workspace(c), from, to, now)
	if err != nil {
		s.fail(c, err)
		return
	}
	aud, err := s.audience(ctx, workspace(c), from.Add(-31*24*time.Hour), now.Add(time.Second))
	if err != nil {
		s.fail(c, err)
		return
	}
	cmp := reports.Compare(a, b, snaps, aud, now, zone)
	side := func(field string, f reports.Figures) cohortOut {
		return cohortOut{Spec: c.Query(field), Posts: f.Posts, Publications: f.Publications}
	}
	out := compareOut{comparison: cmp, A: side("a", cmp.A.Figures), B: side("b", cmp.B.Figures), Denominator: cmp.Denominator(),
		Series:      map[string][]reports.DayRate{"a": reports.DailyRates(a, snaps, now, zone), "b": reports.DailyRates(b, snaps, now, zone)},
		Definitions: reports.Definitions}
	for _, r := range cmp.Rows {
		def, _ := reports.DefinitionOf(r.Indicator)
		out.Rows = append(out.Rows, reportRow{Indicator: r.Indicator, Label: def.Label, A: r.A, B: r.B, ChangePct: r.ChangePct})
	}
	s.respond(c, "compare", out, out)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

type leaderRow struct {
	Rank           int      `json:"rank"`
	Author         string   `json:"author"`
	Posts          int      `json:"posts"`
	Publications   int      `json:"publications"`
	Published      int      `json:"published"`
	Engagement     int64    `json:"engagement"`
	Likes          int64    `json:"likes"`
	Comments       int64    `json:"comments"`
	Shares         int64    `json:"shares"`
	Saves          int64    `json:"saves"`
	EngagementRate *float64 `json:"engagement_rate_pct"`
	Basis          string   `json:"basis"`
	PostIDs        []string `json:"post_ids"`
	// Submissions and Picked: the author's posts submitted to the weekly
	// challenge of ?campaign=, and those a manager picked (only then).
	Submissions *int `json:"submissions,omitempty"`
	Picked      *int `json:"picked,omitempty"`
}

// dateSpan reads ?from= and ?to= (dates, to included whole) in zone:
// by default the 30 days up to now.
func dateSpan(c *gin.Context, zone *time.Location, now time.Time, fe *fieldErrors) (from, to time.Time) {
	day := func(field string, def time.Time) time.Time {
		v := c.Query(field)
		if v == "" {
			return def
		}
		d, err := calendars.ParseDate(v)
		if err != nil {
			fe.add(field, "must be a date such as 2026-10-31")
			return def
		}
		at, _, _ := calendars.Resolve(d, calendars.Clock{}, zone)
		return at
	}
	from, to = day("from", now.Add(-30*24*time.Hour)), day("to", now)
	if c.Query("to") != "" {
		to = to.AddDate(0, 0, 1) // the end date is a whole day
	}
	return from, to
}

// leaderboardReport is GET /v1/reports/leaderboard?from=&to=&tz=&campaign=.
// With campaign, only the campaign's posts count; for a weekly challenge
// each row also has the author's submissions and picks, and authors who
// submitted without earning anything yet are ranked too.
func (s *server) leaderboardReport(c *gin.Context) {
	zone, ok := s.reportZone(c)
	if !ok {
		return
	}
	var fe fieldErrors
	from, to := dateSpan(c, zone, s.now(), &fe)
	campaignID := c.Query("campaign")
	if campaignID != "" && !rythme.ValidID(rythme.PrefixCampaign, campaignID) {
		fe.add("campaign", "is not a campaign id")
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	if !to.After(from) {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "to", Message: "must be after from"}))
		return
	}
	ctx := c.Request.Context()
	var camp *rythme.Campaign
	if campaignID != "" {
		var err error
		if camp, err = s.store.GetCampaign(ctx, workspace(c), campaignID); err != nil {
			s.fail(c, err)
			return
		}
	}
	snaps, err := s.snapshots(ctx, workspace(c), from.Add(-reportLookback), to)
	if err != nil {
		s.fail(c, err)
		return
	}
	rank := reports.Leaderboard(reports.Cohort{Campaign: campaignID}.Filter(snaps), from, to)
	rows := []leaderRow{}
	for _, ct := range rank.Contributors {
		rows = append(rows, leaderRow{Rank: ct.Rank, Author: ct.Author, Posts: ct.Posts, Publications: ct.Publications, Published: ct.Published,
			Engagement: ct.Engagement, Likes: ct.Likes, Comments: ct.Comments, Shares: ct.Shares, Saves: ct.Saves,
			EngagementRate: ct.RatePct, Basis: ct.Basis, PostIDs: ct.PostIDs})
	}
	if camp != nil && camp.Kind == rythme.CampaignWeeklyChallenge {
		if rows, err = s.submissionCounts(c, camp, rows); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.respond(c, "leaderboard", gin.H{"rows": rows}, leaderTable(rows))
}

// leaderTable is the leaderboard's CSV: the same rows and columns, under
// the same names, as its JSON rows (post_ids separated by spaces; the
// challenge's submissions and picked only when the JSON has them).
type leaderTable []leaderRow

func (t leaderTable) Table() [][]string {
	head := []string{"rank", "author", "posts", "publications", "published", "engagement", "likes", "comments", "shares", "saves",
		"engagement_rate_pct", "basis", "post_ids"}
	challenge := len(t) > 0 && t[0].Submissions != nil
	if challenge {
		head = append(head, "submissions", "picked")
	}
	out := [][]string{head}
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, r := range t {
		row := []string{strconv.Itoa(r.Rank), r.Author, strconv.Itoa(r.Posts), strconv.Itoa(r.Publications), strconv.Itoa(r.Published),
			i64(r.Engagement), i64(r.Likes), i64(r.Comments), i64(r.Shares), i64(r.Saves),
			reports.FormatFigure(r.EngagementRate), r.Basis, strings.Join(r.PostIDs, " ")}
		if challenge {
			row = append(row, optInt(r.Submissions), optInt(r.Picked))
		}
		out = append(out, row)
	}
	return out
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

type timeCell struct {
	Weekday        int      `json:"weekday"`
	Hour           int      `json:"hour"`
	Posts          int      `json:"posts"`
	Publications   int      `json:"publications"`
	EngagementRate *float64 `json:"engagement_rate_pct"`
	Basis          string   `json:"basis"`
}

// bestTimesReport is GET /v1/reports/best-times?tz=: engagement by weekday
// and hour of publication over the last 90 days.
func (s *server) bestTimesReport(c *gin.Context) {
	zone, ok := s.reportZone(c)
	if !ok {
		return
	}
	now := s.now()
	snaps, err := s.latestSnapshots(c.Request.Context(), workspace(c), now.Add(-90*24*time.Hour), now.Add(time.Second), now)
	if err != nil {
		s.fail(c, err)
		return
	}
	grid := reports.BestTimes(snaps, zone)
	cells := []timeCell{}
	for wd := range grid.Cells {
		for h, cell := range grid.Cells[wd] {
			if cell.Posts > 0 {
				cells = append(cells, timeCell{Weekday: wd, Hour: h, Posts: cell.Posts, Publications: cell.Publications, EngagementRate: cell.RatePct, Basis: cell.Basis})
			}
		}
	}
	s.respond(c, "best-times", gin.H{"zone": zone.String(), "basis": grid.Total.Basis, "cells": cells}, grid)
}
