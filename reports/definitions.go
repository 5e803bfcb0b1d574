package reports

// Definition is what one indicator of a comparison means: the one text
// docs/metrics.md, the OpenAPI document and the report's own definitions
// field all say (a test checks the first two quote it).
type Definition struct {
	Indicator string `json:"indicator"`
	Label     string `json:"label"`
	// Unit is "posts", "percent" or "count".
	Unit string `json:"unit"`
	Text string `json:"definition"`
}

// Definitions are the indicators of a comparison, in the order of its
// rows. Rates are in percent (4.5 means 4.5 %) in JSON, CSV and the
// dashboard alike; JSON gives them exact, CSV and the dashboard rounded to
// 2 decimals.
var Definitions = []Definition{
	{IndicatorPosts, "Posts", "posts",
		"Published posts in the cohort, one per account a post went out on, with or without readings."},
	{IndicatorRate, "Average engagement rate", "percent",
		"Mean of the per-post engagement rates, each post weighing the same: per post, (likes + comments + shares + saves) × 100 ÷ reach, or ÷ impressions where the network gives no reach; posts with neither are left out."},
	{IndicatorPooledRate, "Pooled engagement rate", "percent",
		"Total engagement (likes + comments + shares + saves) of the rated posts × 100 ÷ the sum of their reach (or impressions where the network gives no reach): large posts weigh more."},
	{IndicatorCommentsPerPost, "Comments per post", "count",
		"Total comments ÷ the posts whose network gave a comment count."},
	{IndicatorReachPerPost, "Organic reach per post", "count",
		"Total reach ÷ the posts whose network gave a reach (never impressions); rythme publishes organic posts only."},
	{IndicatorReach, "Organic reach", "count",
		"Total reach of the posts whose network gave a reach (never impressions); rythme publishes organic posts only."},
	{IndicatorLikes, "Likes", "count", "Total likes (reactions, favourites, score) of the posts whose network gave them."},
	{IndicatorShares, "Shares", "count", "Total shares (reposts, reblogs, quotes) of the posts whose network gave them."},
	{IndicatorAudienceGrowth, "Audience growth", "count",
		"Followers at the end of the span minus followers at its start, summed over the accounts the cohort's posts went out on that have a follower count at both ends."},
}

// DefinitionOf returns the definition of indicator, and whether it has one.
func DefinitionOf(indicator string) (Definition, bool) {
	for _, d := range Definitions {
		if d.Indicator == indicator {
			return d, true
		}
	}
	return Definition{}, false
}
