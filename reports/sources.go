package reports

// Sources names, per network, the field of the network's API each
// normalised figure is read from (the connectors' FetchMetrics, and the
// table in docs/metrics.md). A figure a network does not give is absent.
// Several fields joined by " + " are summed.
var Sources = map[string]map[string]string{
	"mastodon": {"likes": "favourites_count", "comments": "replies_count", "shares": "reblogs_count"},
	"x": {"likes": "public_metrics.like_count", "comments": "public_metrics.reply_count",
		"shares": "public_metrics.repost_count + public_metrics.quote_count", "impressions": "public_metrics.impression_count",
		"saves": "public_metrics.bookmark_count", "clicks": "non_public_metrics.url_link_clicks"},
	"linkedin": {"likes": "memberCreatorPostAnalytics REACTION", "comments": "memberCreatorPostAnalytics COMMENT",
		"shares": "memberCreatorPostAnalytics RESHARE", "impressions": "memberCreatorPostAnalytics IMPRESSION",
		"reach": "memberCreatorPostAnalytics MEMBERS_REACHED"},
	"facebook": {"likes": "reactions.summary.total_count", "comments": "comments.summary.total_count", "shares": "shares.count",
		"impressions": "insights post_media_view", "reach": "insights post_total_media_view_unique", "clicks": "insights post_clicks"},
	"instagram": {"likes": "insights likes", "comments": "insights comments", "shares": "insights shares",
		"saves": "insights saved", "impressions": "insights views", "reach": "insights reach"},
	"threads": {"likes": "threads_insights likes", "comments": "threads_insights replies",
		"shares": "threads_insights reposts + quotes + shares", "impressions": "threads_insights views"},
	"bluesky": {"likes": "likeCount", "comments": "replyCount", "shares": "repostCount + quoteCount"},
	"reddit":  {"likes": "score", "comments": "num_comments"},
	"slack":   {"likes": "reactions[].count (summed)", "comments": "reply_count"},
	"tiktok":  {"likes": "like_count", "comments": "comment_count", "shares": "share_count", "video_views": "view_count"},
}
