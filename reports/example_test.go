package reports_test

import (
	"fmt"
	"os"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// Compare a launch week on X with the same week on Instagram, and write the
// comparison as CSV.
func Example() {
	zone, _ := time.LoadLocation("Europe/Paris")
	i := func(v int64) *int64 { return &v }
	day := func(d, h int) time.Time { return time.Date(2026, 10, d, h, 0, 0, 0, zone) }
	snapshots := []reports.Snapshot{
		// X gives impressions but no reach: its rate is on impressions.
		{TargetID: "t1", PostID: "p1", AccountID: "acc-x", Network: "x", Author: "Ada", Tags: []string{"launch"},
			PublishedAt: day(5, 9), At: day(6, 9),
			Metrics: rythme.Metrics{Impressions: i(2000), Likes: i(60), Comments: i(12), Shares: i(8)}},
		{TargetID: "t2", PostID: "p1", AccountID: "acc-ig", Network: "instagram", Author: "Ada", Tags: []string{"launch"},
			PublishedAt: day(5, 9), At: day(6, 9),
			Metrics: rythme.Metrics{Reach: i(800), Impressions: i(1500), Likes: i(90), Comments: i(6), Saves: i(24)}},
	}
	audience := []reports.AudienceSample{
		{AccountID: "acc-x", At: day(5, 0), Followers: 4000},
		{AccountID: "acc-x", At: day(6, 0), Followers: 4040},
		{AccountID: "acc-ig", At: day(5, 0), Followers: 2500},
		{AccountID: "acc-ig", At: day(6, 0), Followers: 2600},
	}
	a, err := reports.ParseCohort("period:2026-10-05..2026-10-11+tag:launch+network:x", zone)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := reports.ParseCohort("period:2026-10-05..2026-10-11+tag:launch+network:instagram", zone)
	cmp := reports.Compare(a, b, snapshots, audience, day(12, 0), zone)
	if err := reports.WriteCSV(os.Stdout, cmp); err != nil {
		fmt.Println(err)
	}
	// Output:
	// indicator,A: period:2026-10-05..2026-10-11+tag:launch+network:x,B: period:2026-10-05..2026-10-11+tag:launch+network:instagram,change %
	// posts,1,1,0
	// publications,1,1,0
	// engagement_rate_pct,4,15,275
	// pooled_engagement_rate_pct,4,15,275
	// comments_per_post,12,6,-50
	// organic_reach_per_post,,800,
	// organic_reach,,800,
	// likes,60,90,50
	// shares,8,,
	// audience_growth,40,100,150
	// polls,0,0,
	// poll_votes_per_poll,,,
	// poll_turnout_pct,,,
	// rate_basis,impressions,reach,
	// publications_without_rate,0,0,
}

func ExampleParseCohort() {
	zone, _ := time.LoadLocation("Europe/Paris")
	c, _ := reports.ParseCohort("network:x+tag:launch+period:2026-10-01..2026-10-31", zone)
	fmt.Println(c)
	fmt.Println(c.From.UTC(), "to", c.To.UTC())
	_, err := reports.ParseCohort("period:2026-10-31..2026-10-01", zone)
	fmt.Println(rythme.ErrorCode(err), "-", rythme.ErrorMessage(err))
	// Output:
	// period:2026-10-01..2026-10-31+tag:launch+network:x
	// 2026-09-30 22:00:00 +0000 UTC to 2026-10-31 23:00:00 +0000 UTC
	// invalid - cohort "period:2026-10-31..2026-10-01": period: ends (2026-10-01) before it starts (2026-10-31)
}
