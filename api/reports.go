package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
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
	Spec  string `json:"spec"`
	Posts int    `json:"posts"`
}

type seriesPoint struct {
	Date    string   `json:"date"`
	RatePct *float64 `json:"engagement_rate_pct"`
	Posts   int      `json:"posts"`
}

// compareOut is the comparison as the API answers it: rows named and
// defined as reports.Definitions says, rates in percent, exact.
type compareOut struct {
	A           cohortOut                `json:"a"`
	B           cohortOut                `json:"b"`
	Denominator string                   `json:"denominator"`
	Rows        []reportRow              `json:"rows"`
	Series      map[string][]seriesPoint `json:"series"`
	Definitions []reports.Definition     `json:"definitions"`
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

// compareReport is GET /v1/reports/compare?a=&b=&tz=.
func (s *server) compareReport(c *gin.Context) {
	zone, ok := s.reportZone(c)
	if !ok {
		return
	}
	var fe fieldErrors
	parse := func(field string) reports.Cohort {
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
	a, b := parse("a"), parse("b")
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
	out := compareOut{comparison: cmp, A: cohortOut{Spec: c.Query("a"), Posts: cmp.A.Figures.Posts},
		B: cohortOut{Spec: c.Query("b"), Posts: cmp.B.Figures.Posts}, Series: map[string][]seriesPoint{},
		Definitions: reports.Definitions}
	out.Denominator = cmp.A.Figures.Basis
	if cmp.A.Figures.Basis != cmp.B.Figures.Basis {
		switch {
		case cmp.A.Figures.Rated == 0:
			out.Denominator = cmp.B.Figures.Basis
		case cmp.B.Figures.Rated != 0:
			out.Denominator = reports.BasisMixed
		}
	}
	for _, r := range cmp.Rows {
		def, _ := reports.DefinitionOf(r.Indicator)
		out.Rows = append(out.Rows, reportRow{Indicator: r.Indicator, Label: def.Label, A: r.A, B: r.B, ChangePct: r.ChangePct})
	}
	out.Series["a"] = dailySeries(a, snaps, now, zone)
	out.Series["b"] = dailySeries(b, snaps, now, zone)
	s.respond(c, "compare", out, out)
}

// dailySeries is the cohort's mean engagement rate per publication day,
// in percent.
func dailySeries(co reports.Cohort, snaps []reports.Snapshot, asOf time.Time, zone *time.Location) []seriesPoint {
	type day struct {
		sum          float64
		rated, posts int
	}
	days := map[string]*day{}
	for _, pf := range reports.Posts(snaps, asOf) {
		sn := reports.Snapshot{PostID: pf.PostID, Network: pf.Network, Author: pf.Author, Tags: pf.Tags,
			CampaignID: pf.CampaignID, PublishedAt: pf.PublishedAt}
		if !co.Match(&sn) {
			continue
		}
		k := pf.PublishedAt.In(zone).Format("2006-01-02")
		d := days[k]
		if d == nil {
			d = &day{}
			days[k] = d
		}
		d.posts++
		if pf.RatePct != nil {
			d.sum += *pf.RatePct
			d.rated++
		}
	}
	out := make([]seriesPoint, 0, len(days))
	for k, d := range days {
		p := seriesPoint{Date: k, Posts: d.posts}
		if d.rated > 0 {
			v := d.sum / float64(d.rated)
			p.RatePct = &v
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
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
	Engagement     int64    `json:"engagement"`
	EngagementRate *float64 `json:"engagement_rate_pct"`
	Basis          string   `json:"basis"`
	PostIDs        []string `json:"post_ids"`
	// Submissions and Picked: the author's posts submitted to the weekly
	// challenge of ?campaign=, and those a manager picked (only then).
	Submissions *int `json:"submissions,omitempty"`
	Picked      *int `json:"picked,omitempty"`
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
	now := s.now()
	var fe fieldErrors
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
	from := day("from", now.Add(-30*24*time.Hour))
	to := day("to", now)
	if c.Query("to") != "" {
		to = to.AddDate(0, 0, 1) // the end date is a whole day
	}
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
	var camp *rythme.Campaign
	if campaignID != "" {
		var err error
		if camp, err = s.store.GetCampaign(c.Request.Context(), workspace(c), campaignID); err != nil {
			s.fail(c, err)
			return
		}
	}
	snaps, err := s.snapshots(c.Request.Context(), workspace(c), from.Add(-reportLookback), to)
	if err != nil {
		s.fail(c, err)
		return
	}
	if camp != nil {
		cohort := reports.Cohort{Campaign: camp.ID}
		snaps = slices.DeleteFunc(snaps, func(sn reports.Snapshot) bool { return !cohort.Match(&sn) })
	}
	rank := reports.Leaderboard(snaps, from, to)
	rows := []leaderRow{}
	for _, ct := range rank.Contributors {
		rows = append(rows, leaderRow{Rank: ct.Rank, Author: ct.Author, Posts: ct.Posts, Engagement: ct.Engagement,
			EngagementRate: ct.RatePct, Basis: ct.Basis, PostIDs: ct.PostIDs})
	}
	if camp != nil && camp.Kind == rythme.CampaignWeeklyChallenge {
		if rows, err = s.submissionCounts(c, camp, rows); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.respond(c, "leaderboard", gin.H{"rows": rows}, rank)
}

type timeCell struct {
	Weekday        int      `json:"weekday"`
	Hour           int      `json:"hour"`
	Posts          int      `json:"posts"`
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
				cells = append(cells, timeCell{Weekday: wd, Hour: h, Posts: cell.Posts, EngagementRate: cell.RatePct, Basis: cell.Basis})
			}
		}
	}
	s.respond(c, "best-times", gin.H{"zone": zone.String(), "basis": grid.Total.Basis, "cells": cells}, grid)
}
