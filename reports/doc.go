// Package reports is the engagement maths of rythme: per-post figures,
// cohort comparisons (before/after, campaign vs campaign, network vs
// network), the campaign-vs-the-span-before report, the contributor
// leaderboard and the best-times grid, and their CSV rendering.
//
// It is pure: every function works over data the caller hands in (metric
// snapshots and follower counts read from the store) and the times it is
// given. It must never do I/O, read the clock, log, or import anything but
// the standard library and the rythme domain package.
//
// # Posts, publications and readings
//
// A post is what an author puts on the calendar (one row of /v1/posts);
// each of its targets, once published, is a publication: the post on one
// account. A post on 2 networks is 1 post and 2 publications, in every
// report (comparison, best times, leaderboard, campaign report): Posts
// counts each post once, Publications each publication. Figures are read
// per publication, and totals add up publications; "per post" figures
// divide by posts; rates are per publication (reach is an account's).
// Snapshots are a time series (several readings per target, never
// overwritten); a report uses, per target, its last reading at or before
// the time it is asked about (see [Latest]). A target with no reading in
// range is invisible to reports. A reading marked Deleted never replaces the
// figures of an earlier reading: the engagement was earned, so the post keeps
// its last figures and is flagged deleted.
//
// # Engagement rate
//
// Per publication, engagement = likes + comments + shares + saves, summing the
// fields the network gives, and
//
//	engagement rate (%) = engagement × 100 / reach
//
// or / impressions when the network gives no reach (or a reach of 0). The
// denominator used is reported per publication ([BasisReach],
// [BasisImpressions]) and per set ([BasisMixed] when both occur). A
// publication with neither
// reach nor impressions above 0, or with none of the four interaction
// counts, has no rate ([BasisNone]): it still counts as a publication, and
// is counted among the publications without a rate. Mastodon, for instance, gives
// likes, replies and reblogs but no reach nor views
// (https://docs.joinmastodon.org/entities/Status/), so its publications
// have no rate; X gives impression_count but no reach
// (https://docs.x.com/x-api/fundamentals/metrics), so its publications are rated
// on impressions. Rates are percentages: 4.5 means 4.5 %.
//
// # Polls
//
// A publication whose reading carries poll results ([rythme.PollResults]:
// the votes of a native poll, read back where the network gives them) is a
// poll. A set's Polls counts them (0 when there are none); its poll votes
// per poll is the mean of their voters ([rythme.PollResults.Turnout]: the
// voters where the network says, else the votes); its poll turnout is the
// mean, over the polls whose publication has a reach or impressions (the
// engagement rate's denominator), of voters × 100 ÷ that denominator. The
// last two are nil, never 0, when no poll counts towards them.
//
// # Nil fields
//
// A nil metric means "not given", never 0. Aggregates treat it so:
//
//   - totals (likes, shares, reach…) sum the publications that gave the
//     field, and are nil (null) when no publication of the set gave it;
//   - per-post figures (comments per post, reach per post) divide that total
//     by the number of posts with a publication that gave the field, not by
//     every post nor by publications;
//   - the average engagement rate is the mean of the per-publication rates
//     of the publications that have one (each weighs the same); the pooled
//     rate is their total engagement over the sum of their denominators (see
//     [Definitions], the one text every output quotes);
//   - post and publication counts count every one, with or without figures.
//
// # Numbers
//
// Figures are exact float64 (a division, a mean); changes in percent are
// rounded, to 1 decimal, half away from zero; CSV writes every figure
// rounded to 2 decimals. A change from A to B is
// (B − A) / |A| × 100: the usual (B − A) / A × 100 whenever A > 0, and a
// rise still reads positive when A is negative (an audience that shrank).
// It is nil (null, never Inf or NaN) when A is 0 or either side is nil.
package reports
