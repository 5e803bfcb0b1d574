package x_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/fakenet"
)

// TestSpecHistory reads an account's history from the user Post timeline,
// in pages of X's size and in pages smaller than X's smallest (5: the
// connector then goes on with until_id), checks every request and answer
// against X's OpenAPI document, and checks that the private metrics
// (link clicks) come only for the posts of the last 30 days.
func TestSpecHistory(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	h := harness(nil)
	h.Fakenet = func(c *fakenet.Config) { c.HistoryDays = 90 }
	e, rec := connectortest.StartRecorded(t, h)
	ctx := context.Background()
	c := e.Connect("alice")
	hr := e.Connector.(connectors.HistoryReader)
	e.Clock.Advance(time.Hour)
	now := e.Clock.Now()
	since := now.Add(-90 * 24 * time.Hour)
	read := func(limit int) []string {
		t.Helper()
		var ids []string
		cursor := ""
		for range 100 {
			page, err := hr.ReadHistory(ctx, c.Account, c.Client, connectors.HistoryRequest{Since: since, Cursor: cursor, Limit: limit})
			if err != nil {
				t.Fatalf("ReadHistory(limit %d, cursor %q): %v", limit, cursor, err)
			}
			if limit > 0 && len(page.Posts) > limit {
				t.Fatalf("%d posts on a page of at most %d", len(page.Posts), limit)
			}
			for _, p := range page.Posts {
				ids = append(ids, p.ExternalID)
				recent := now.Sub(p.PublishedAt) <= 30*24*time.Hour
				if p.Metrics.Likes == nil || p.Metrics.Impressions == nil || (p.Metrics.Clicks != nil) != recent {
					t.Errorf("post of %s (recent %v): %+v; want public metrics, clicks only when recent", p.PublishedAt, recent, p.Metrics)
				}
			}
			if cursor = page.Next; cursor == "" {
				return ids
			}
		}
		t.Fatal("more than 100 pages")
		return nil
	}
	full, small := read(0), read(3)
	if len(full) < 25 || len(small) != len(full) {
		t.Fatalf("read %d posts in pages of 100, %d in pages of 3; want the same, at least 25", len(full), len(small))
	}
	for i := range full {
		if full[i] != small[i] {
			t.Fatalf("post %d: %s in pages of 100, %s in pages of 3", i, full[i], small[i])
		}
	}
	checked := connectortest.CheckExchanges(t, spec, rec.Exchanges(), outsideSpec, checkX(t, spec))
	checked.Require(t, []string{"GET /2/users/{id}/tweets"}, 200)
}
