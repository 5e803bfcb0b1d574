package api

import (
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
)

// maxFilterText bounds a tag or author asked for in a filter.
const maxFilterText = 200

// postFilterQuery reads the filters GET /v1/posts and GET /v1/calendar
// share — status, account_id, network, tag, campaign_id, series_id,
// author — into f, adding a field error for each that is malformed.
func (s *server) postFilterQuery(c *gin.Context, fe *fieldErrors, f *rythme.PostFilter) {
	if v := c.Query("status"); v != "" {
		var ok bool
		if f.Status, f.Review, ok = rythme.StatusFilter(v); !ok {
			fe.add("status", "must be one of %s", strings.Join(rythme.PostStatuses, ", "))
		}
	}
	ids := []struct{ name, prefix, what string }{
		{"account_id", rythme.PrefixAccount, "an account"},
		{"campaign_id", rythme.PrefixCampaign, "a campaign"},
		{"series_id", rythme.PrefixSeries, "a recurring series"},
	}
	for _, id := range ids {
		v := c.Query(id.name)
		if v != "" && !rythme.ValidID(id.prefix, v) {
			fe.add(id.name, "is not the id of %s", id.what)
		}
	}
	f.AccountID, f.CampaignID, f.SeriesID = c.Query("account_id"), c.Query("campaign_id"), c.Query("series_id")
	if v := c.Query("network"); v != "" {
		f.Network = v
		if _, err := s.cfg.Connectors.Get(v); err != nil {
			fe.add("network", "is not a network this server knows (see GET /v1/networks)")
		}
	}
	for _, t := range []struct {
		name string
		dst  *string
	}{{"tag", &f.Tag}, {"author", &f.Author}} {
		v := strings.TrimSpace(c.Query(t.name))
		if utf8.RuneCountInString(v) > maxFilterText {
			fe.add(t.name, "must be at most %d characters", maxFilterText)
		}
		*t.dst = v
	}
}
