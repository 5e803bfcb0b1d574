package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Report is what WriteCSV renders: PostList, Comparison, CampaignComparison,
// Ranking and TimeGrid are Reports.
type Report interface {
	// Table returns the report as rows of cells, the header first. Numbers
	// are plain ("1234", "-12.5", "3.33": no exponent, no thousands
	// separator, fractions rounded to 2 decimals); a nil figure is an empty
	// cell; times are RFC
	// 3339. Cells are not escaped: WriteCSV does that.
	Table() [][]string
}

var (
	_ Report = PostList(nil)
	_ Report = Comparison{}
	_ Report = CampaignComparison{}
	_ Report = Ranking{}
	_ Report = TimeGrid{}
)

// WriteCSV writes the report as CSV (RFC 4180, comma-separated, the header
// row first). Against CSV injection, a cell that starts with = + - @, a tab
// or a carriage return gets a ' in front, unless it is a plain number
// ("-12.5"), which a spreadsheet reads as a number and never as a formula
// (https://owasp.org/www-community/attacks/CSV_Injection).
func WriteCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	for _, row := range r.Table() {
		for i, cell := range row {
			row[i] = SafeCell(cell)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("reports: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: write csv: %w", err)
	}
	return nil
}

// SafeCell returns cell as WriteCSV writes it (see WriteCSV).
func SafeCell(cell string) string {
	if cell == "" || isPlainNumber(cell) {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}

// isPlainNumber reports whether s is -?digits(.digits)?.
func isPlainNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	digits := func(x string) bool {
		for i := 0; i < len(x); i++ {
			if x[i] < '0' || x[i] > '9' {
				return false
			}
		}
		return x != ""
	}
	return digits(whole) && (!dot || digits(frac))
}

// fmtFloat writes a figure rounded to 2 decimals, half away from zero
// (what a spreadsheet shows; JSON carries it exact).
// FormatFigure writes a figure as every CSV of rythme does: rounded to 2
// decimals, no exponent, "" for nil.
func FormatFigure(p *float64) string { return fmtFloat(p) }

func fmtFloat(p *float64) string {
	if p == nil {
		return ""
	}
	v := math.Round(*p*100) / 100
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func fmtInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// Table implements Report: one row per publication (target).
func (l PostList) Table() [][]string {
	rows := [][]string{{"target_id", "post_id", "account_id", "network", "author", "campaign_id", "tags",
		"published_at", "at", "deleted", "impressions", "reach", "likes", "comments", "shares", "saves",
		"clicks", "video_views", "engagement", "rate_pct", "basis"}}
	for _, p := range l {
		rows = append(rows, []string{p.TargetID, p.PostID, p.AccountID, p.Network, p.Author, p.CampaignID,
			strings.Join(p.Tags, ";"), fmtTime(p.PublishedAt), fmtTime(p.At), strconv.FormatBool(p.Deleted),
			fmtInt(p.Impressions), fmtInt(p.Reach), fmtInt(p.Likes), fmtInt(p.Comments), fmtInt(p.Shares),
			fmtInt(p.Saves), fmtInt(p.Clicks), fmtInt(p.VideoViews), fmtInt(p.Engagement),
			fmtFloat(p.RatePct), p.Basis})
	}
	return rows
}

// Table implements Report: indicator | A | B | change %, the header naming
// the cohorts, then the rate basis and the count of publications without a
// rate of each side.
func (c Comparison) Table() [][]string {
	rows := [][]string{{"indicator", "A: " + c.A.Cohort, "B: " + c.B.Cohort, "change %"}}
	for _, r := range c.Rows {
		rows = append(rows, []string{r.Indicator, fmtFloat(r.A), fmtFloat(r.B), fmtFloat(r.ChangePct)})
	}
	return append(rows,
		[]string{"rate_basis", c.A.Figures.Basis, c.B.Figures.Basis, ""},
		[]string{"publications_without_rate", strconv.Itoa(c.A.Figures.Unrated), strconv.Itoa(c.B.Figures.Unrated), ""})
}

// Table implements Report: one row per day and network, then the totals
// (day "total").
func (c CampaignComparison) Table() [][]string {
	rows := [][]string{{"day", "date", "before_date", "network",
		"campaign_posts", "before_posts", "posts_change_pct", "campaign_publications", "before_publications",
		"campaign_engagement", "before_engagement", "engagement_change_pct",
		"campaign_rate_pct", "before_rate_pct", "rate_change_pct",
		"campaign_basis", "before_basis", "campaign_unrated", "before_unrated",
		"campaign_likes", "before_likes", "campaign_comments", "before_comments",
		"campaign_shares", "before_shares", "campaign_saves", "before_saves",
		"campaign_reach", "before_reach", "campaign_impressions", "before_impressions",
		"campaign_polls", "before_polls", "campaign_poll_votes_per_poll", "before_poll_votes_per_poll",
		"campaign_poll_turnout_pct", "before_poll_turnout_pct"}}
	for _, r := range c.Rows {
		day := "total"
		if r.Day > 0 {
			day = strconv.Itoa(r.Day)
		}
		a, b := &r.Campaign, &r.Before
		rows = append(rows, []string{day, r.Date, r.BeforeDate, r.Network,
			strconv.Itoa(a.Posts), strconv.Itoa(b.Posts), fmtFloat(r.PostsChangePct),
			strconv.Itoa(a.Publications), strconv.Itoa(b.Publications),
			fmtInt(a.Engagement), fmtInt(b.Engagement), fmtFloat(r.EngagementChangePct),
			fmtFloat(a.RatePct), fmtFloat(b.RatePct), fmtFloat(r.RateChangePct),
			a.Basis, b.Basis, strconv.Itoa(a.Unrated), strconv.Itoa(b.Unrated),
			fmtInt(a.Likes), fmtInt(b.Likes), fmtInt(a.Comments), fmtInt(b.Comments),
			fmtInt(a.Shares), fmtInt(b.Shares), fmtInt(a.Saves), fmtInt(b.Saves),
			fmtInt(a.Reach), fmtInt(b.Reach), fmtInt(a.Impressions), fmtInt(b.Impressions),
			strconv.Itoa(a.Polls), strconv.Itoa(b.Polls), fmtFloat(a.PollVotesPerPoll), fmtFloat(b.PollVotesPerPoll),
			fmtFloat(a.PollTurnoutPct), fmtFloat(b.PollTurnoutPct)})
	}
	return rows
}

// Table implements Report: one row per contributor, post ids separated by
// spaces.
func (r Ranking) Table() [][]string {
	rows := [][]string{{"rank", "author", "engagement", "likes", "comments", "shares", "saves",
		"rate_pct", "basis", "posts", "publications", "published", "post_ids"}}
	for _, c := range r.Contributors {
		rows = append(rows, []string{strconv.Itoa(c.Rank), c.Author, strconv.FormatInt(c.Engagement, 10),
			strconv.FormatInt(c.Likes, 10), strconv.FormatInt(c.Comments, 10), strconv.FormatInt(c.Shares, 10),
			strconv.FormatInt(c.Saves, 10), fmtFloat(c.RatePct), c.Basis, strconv.Itoa(c.Posts),
			strconv.Itoa(c.Publications), strconv.Itoa(c.Published), strings.Join(c.PostIDs, " ")})
	}
	return rows
}

// Table implements Report: one row per weekday and hour, Monday first (ISO
// 8601), hours 0 to 23.
func (g TimeGrid) Table() [][]string {
	rows := [][]string{{"weekday", "hour", "posts", "publications", "rated", "rate_pct", "basis"}}
	for i := 0; i < 7; i++ {
		d := time.Weekday((i + 1) % 7)
		for h, c := range g.Cells[d] {
			rows = append(rows, []string{d.String(), strconv.Itoa(h), strconv.Itoa(c.Posts),
				strconv.Itoa(c.Publications), strconv.Itoa(c.Rated), fmtFloat(c.RatePct), c.Basis})
		}
	}
	return rows
}
