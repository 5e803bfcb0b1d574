package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

// TestPostMetrics reads a post's readings back, with the field of the
// network each figure came from, on both stores.
func TestPostMetrics(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			acc := &rythme.Account{WorkspaceID: e.ws, Network: "mastodon", InstanceURL: "https://social.example",
				ExternalID: rythme.NewID("x"), Username: "brand", Status: rythme.AccountConnected,
				CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
			if err := e.store.UpsertAccount(context.Background(), acc); err != nil {
				t.Fatal(err)
			}
			at := e.clock.Now().Add(-48 * time.Hour).Truncate(time.Hour)
			id := e.publishWithMetrics(acc, "Ada", "launch", at, 10, 2, 1, 100)
			res := e.as(rythme.RoleViewer, "GET", "/v1/posts/"+id+"/metrics", nil)
			expect(t, res, http.StatusOK)
			var out struct {
				PostID    string `json:"post_id"`
				Truncated bool   `json:"truncated"`
				Data      []struct {
					TargetID string            `json:"target_id"`
					Network  string            `json:"network"`
					Sources  map[string]string `json:"sources"`
					Readings []struct {
						At          time.Time `json:"at"`
						Likes       *int64    `json:"likes"`
						Comments    *int64    `json:"comments"`
						Shares      *int64    `json:"shares"`
						Reach       *int64    `json:"reach"`
						Impressions *int64    `json:"impressions"`
					} `json:"readings"`
				} `json:"data"`
			}
			res.decode(t, &out)
			if out.PostID != id || out.Truncated || len(out.Data) != 1 || len(out.Data[0].Readings) != 1 {
				t.Fatalf("metrics: %s", res.Body)
			}
			tg, r := out.Data[0], out.Data[0].Readings[0]
			if tg.Network != "mastodon" || tg.Sources["likes"] != "favourites_count" || tg.Sources["comments"] != "replies_count" ||
				tg.Sources["shares"] != "reblogs_count" || tg.Sources["reach"] != "" {
				t.Errorf("target %s: sources %v", tg.Network, tg.Sources)
			}
			if !r.At.Equal(at.Add(20*time.Minute)) || *r.Likes != 10 || *r.Comments != 2 || *r.Shares != 1 || *r.Reach != 100 || r.Impressions != nil {
				t.Errorf("reading: %s", res.Body)
			}
			// A malformed id names the field; an unknown one is 404.
			if res := e.as(rythme.RoleViewer, "GET", "/v1/posts/nope/metrics", nil); res.Status == http.StatusOK {
				t.Errorf("a malformed id: %d %s", res.Status, res.Body)
			}
			expect(t, e.as(rythme.RoleViewer, "GET", "/v1/posts/"+rythme.NewID(rythme.PrefixPost)+"/metrics", nil), http.StatusNotFound)
		})
	}
}
