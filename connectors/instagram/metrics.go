package instagram

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors/meta"
)

// mediaMetrics are the Instagram Media Insights metrics read: views
// replaced impressions and plays in 2025, and video_views is gone
// (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights).
const mediaMetrics = "views,reach,likes,comments,shares,saved"

// FetchMetrics reads each post's insights with
// GET /{media-id}/insights?metric=views,reach,likes,comments,shares,saved
// (the Instagram API has no multiple-id read for insights). A post with too
// few viewers for insights (code 10) falls back to its like and comment
// counts (GET /{media-id}?fields=like_count,comments_count); code 100
// subcode 33 means the post was deleted. Views are reported as impressions
// and as video views for reels alike: Instagram merged them.
func (c *Connector) FetchMetrics(ctx context.Context, _ *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	at := c.cfg.Now().UTC()
	seen := map[string]bool{}
	out := make([]rythme.Metrics, 0, len(externalIDs))
	for _, id := range externalIDs {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		m := rythme.Metrics{ExternalID: id, At: at}
		u := c.graph() + "/" + url.PathEscape(id)
		var ins struct {
			Data []meta.Insight `json:"data"`
		}
		err := meta.Get(ctx, client, u+"/insights", url.Values{"metric": {mediaMetrics}}, c.cfg.Now, &ins)
		if e, ok := meta.ErrorOf(err); ok && e.Code == meta.CodePermission && !meta.Deleted(err) {
			var counts struct {
				LikeCount     *int64 `json:"like_count"`
				CommentsCount *int64 `json:"comments_count"`
			}
			err = meta.Get(ctx, client, u, url.Values{"fields": {"like_count,comments_count"}}, c.cfg.Now, &counts)
			m.Likes, m.Comments = counts.LikeCount, counts.CommentsCount
		} else if err == nil {
			v := meta.InsightValues(ins.Data)
			m.Impressions, m.Reach, m.Likes = meta.Ptr(v, "views"), meta.Ptr(v, "reach"), meta.Ptr(v, "likes")
			m.Comments, m.Shares, m.Saves = meta.Ptr(v, "comments"), meta.Ptr(v, "shares"), meta.Ptr(v, "saved")
		}
		switch {
		case meta.Deleted(err):
			m = rythme.Metrics{ExternalID: id, At: at, Deleted: true}
		case err != nil:
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
