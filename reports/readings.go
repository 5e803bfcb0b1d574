package reports

import (
	"sort"
	"strconv"
	"time"
)

// ReadingRow is one stored reading of one target, as the readings export
// gives it: the figures as read (nil: the network does not give it), the
// engagement and rate of that reading, and the field of the network each
// figure came from ([Sources]; "" for none). JSON and CSV carry the same
// names (the CSV header is the JSON keys, in order).
type ReadingRow struct {
	PostID      string    `json:"post_id"`
	TargetID    string    `json:"target_id"`
	Network     string    `json:"network"`
	AccountID   string    `json:"account_id"`
	PublishedAt time.Time `json:"published_at"`
	At          time.Time `json:"at"`
	Deleted     bool      `json:"deleted"`
	Impressions *int64    `json:"impressions"`
	Reach       *int64    `json:"reach"`
	Likes       *int64    `json:"likes"`
	Comments    *int64    `json:"comments"`
	Shares      *int64    `json:"shares"`
	Saves       *int64    `json:"saves"`
	Clicks      *int64    `json:"clicks"`
	VideoViews  *int64    `json:"video_views"`
	Engagement  *int64    `json:"engagement"`
	// RatePct is this reading's engagement rate in percent (exact in JSON,
	// 2 decimals in CSV), Basis what it was divided by.
	RatePct *float64 `json:"engagement_rate_pct"`
	Basis   string   `json:"basis"`

	ImpressionsSource string `json:"impressions_source"`
	ReachSource       string `json:"reach_source"`
	LikesSource       string `json:"likes_source"`
	CommentsSource    string `json:"comments_source"`
	SharesSource      string `json:"shares_source"`
	SavesSource       string `json:"saves_source"`
	ClicksSource      string `json:"clicks_source"`
	VideoViewsSource  string `json:"video_views_source"`
}

// ReadingList is every reading of a cohort's targets.
type ReadingList []ReadingRow

var _ Report = ReadingList(nil)

// Readings returns every reading of the targets of cohort c, ordered by
// post, target and time: what a report's figures are computed from (a
// comparison takes each target's last reading at its as_of).
func Readings(c Cohort, snapshots []Snapshot) ReadingList {
	out := ReadingList{}
	for i := range snapshots {
		s := &snapshots[i]
		if !c.Match(s) {
			continue
		}
		f := Normalise(*s)
		src := Sources[s.Network]
		out = append(out, ReadingRow{PostID: s.PostID, TargetID: s.TargetID, Network: s.Network, AccountID: s.AccountID,
			PublishedAt: s.PublishedAt, At: s.At, Deleted: f.Deleted,
			Impressions: f.Impressions, Reach: f.Reach, Likes: f.Likes, Comments: f.Comments, Shares: f.Shares,
			Saves: f.Saves, Clicks: f.Clicks, VideoViews: f.VideoViews, Engagement: f.Engagement, RatePct: f.RatePct, Basis: f.Basis,
			ImpressionsSource: src["impressions"], ReachSource: src["reach"], LikesSource: src["likes"],
			CommentsSource: src["comments"], SharesSource: src["shares"], SavesSource: src["saves"],
			ClicksSource: src["clicks"], VideoViewsSource: src["video_views"]})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if a.PostID != b.PostID {
			return a.PostID < b.PostID
		}
		if a.TargetID != b.TargetID {
			return a.TargetID < b.TargetID
		}
		return a.At.Before(b.At)
	})
	return out
}

// ReadingColumns are the CSV header of a ReadingList: its JSON keys.
var ReadingColumns = []string{"post_id", "target_id", "network", "account_id", "published_at", "at", "deleted",
	"impressions", "reach", "likes", "comments", "shares", "saves", "clicks", "video_views", "engagement",
	"engagement_rate_pct", "basis", "impressions_source", "reach_source", "likes_source", "comments_source",
	"shares_source", "saves_source", "clicks_source", "video_views_source"}

// Table implements Report: one row per reading, the columns of
// ReadingColumns.
func (l ReadingList) Table() [][]string {
	rows := [][]string{append([]string(nil), ReadingColumns...)}
	for _, r := range l {
		rows = append(rows, []string{r.PostID, r.TargetID, r.Network, r.AccountID, fmtTime(r.PublishedAt), fmtTime(r.At),
			strconv.FormatBool(r.Deleted), fmtInt(r.Impressions), fmtInt(r.Reach), fmtInt(r.Likes), fmtInt(r.Comments),
			fmtInt(r.Shares), fmtInt(r.Saves), fmtInt(r.Clicks), fmtInt(r.VideoViews), fmtInt(r.Engagement),
			fmtFloat(r.RatePct), r.Basis, r.ImpressionsSource, r.ReachSource, r.LikesSource, r.CommentsSource,
			r.SharesSource, r.SavesSource, r.ClicksSource, r.VideoViewsSource})
	}
	return rows
}
