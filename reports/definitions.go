package reports

// Definition is what one indicator of a comparison means: the one text
// docs/metrics.md, the OpenAPI document and the report's own definitions
// field all say (a test checks the first two quote it).
type Definition struct {
	Indicator string `json:"indicator"`
	Label     string `json:"label"`
	// Unit is "posts", "publications", "percent" or "count".
	Unit string `json:"unit"`
	Text string `json:"definition"`
}

// Definitions are the indicators of a comparison, in the order of its
// rows. Rates are in percent (4.5 means 4.5 %) in JSON, CSV and the
// dashboard alike; JSON gives them exact, CSV and the dashboard rounded to
// 2 decimals.
var Definitions = []Definition{
	{IndicatorPosts, "Posts", "posts",
		"Posts in the cohort: what an author put on the calendar (one row of /v1/posts), counted once however many accounts it went out on, when at least one of its publications is in the cohort."},
	{IndicatorPublications, "Publications", "publications",
		"Publications in the cohort: one per account a post went out on (a post on 2 networks is 1 post and 2 publications)."},
	{IndicatorRate, "Average engagement rate", "percent",
		"Mean of the per-publication engagement rates, each publication (a post on one account) weighing the same: per publication, (likes + comments + shares + saves) × 100 ÷ reach, or ÷ impressions where the network gives no reach; publications with neither are left out."},
	{IndicatorPooledRate, "Pooled engagement rate", "percent",
		"Total engagement (likes + comments + shares + saves) of the rated publications × 100 ÷ the sum of their reach (or impressions where the network gives no reach): large publications weigh more."},
	{IndicatorCommentsPerPost, "Comments per post", "count",
		"Total comments of the cohort's publications ÷ the posts with a publication whose network gave a comment count (a post on 2 networks counts once)."},
	{IndicatorReachPerPost, "Organic reach per post", "count",
		"Total reach of the cohort's publications ÷ the posts with a publication whose network gave a reach (never impressions; a post on 2 networks counts once); rythme publishes organic posts, but a Facebook post boosted as an ad counts its paid viewers too: the Graph API no longer gives a post's organic reach apart (post_total_media_view_unique)."},
	{IndicatorReach, "Organic reach", "count",
		"Total reach of the publications whose network gave a reach (never impressions); rythme publishes organic posts, but a Facebook post boosted as an ad counts its paid viewers too: the Graph API no longer gives a post's organic reach apart (post_total_media_view_unique)."},
	{IndicatorLikes, "Likes", "count", "Total likes (reactions, favourites, score) of the publications whose network gave them."},
	{IndicatorShares, "Shares", "count", "Total shares (reposts, reblogs, quotes) of the publications whose network gave them."},
	{IndicatorAudienceGrowth, "Audience growth", "count",
		"Followers at the end of the span minus followers at its start, summed over the accounts the cohort's publications went out on that have a follower count at both ends."},
	{IndicatorPolls, "Polls", "publications",
		"Publications in the cohort that carried a native poll whose votes rythme read back (GET /v1/networks, polls.results: Mastodon, X), at their last reading; 0 when none did."},
	{IndicatorPollVotes, "Poll votes per poll", "count",
		"Mean of the voters of the cohort's polls, each at its publication's last reading: how many voted where the network says (Mastodon's voters_count, for a multiple-choice poll), else the votes (one per voter when a voter has one choice); none when the cohort has no poll read."},
	{IndicatorPollTurnout, "Poll turnout", "percent",
		"Mean of the per-poll turnouts, each poll weighing the same: per poll, its voters × 100 ÷ its publication's reach, or ÷ impressions where the network gives no reach (as for the engagement rate); polls with neither are left out (Mastodon gives neither), and there is none when no poll is left."},
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
