package connectortest

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/fakenet"
)

// historyDays is the history fakenet gives its users in the suite.
const historyDays = 90

// readAll pages through the account's history from since, limit posts a
// page, and returns every post read and the number of pages.
func readAll(t *testing.T, hr connectors.HistoryReader, c *Connected, since time.Time, limit int) ([]rythme.HistoryPost, int) {
	t.Helper()
	var all []rythme.HistoryPost
	cursor := ""
	for pages := 1; ; pages++ {
		if pages > 100 {
			t.Fatalf("ReadHistory gave more than 100 pages (cursor %q)", cursor)
		}
		page, err := hr.ReadHistory(context.Background(), c.Account, c.Client, connectors.HistoryRequest{Since: since, Cursor: cursor, Limit: limit})
		if err != nil {
			t.Fatalf("ReadHistory page %d: %v", pages, err)
		}
		if limit > 0 && len(page.Posts) > limit {
			t.Fatalf("page %d has %d posts, asked for %d at most", pages, len(page.Posts), limit)
		}
		all = append(all, page.Posts...)
		if page.Next == "" {
			return all, pages
		}
		if page.Next == cursor {
			t.Fatalf("ReadHistory gave the same cursor %q twice", cursor)
		}
		cursor = page.Next
	}
}

// testReadHistory: a network that lists an account's posts gives, page by
// page, newest first, every post of the window once — those published
// before the account connected (fakenet's history) and after, by rythme —
// each with its engagement; a narrower window gives only its posts.
func testReadHistory(t *testing.T, e *Env) {
	if _, ok := e.Connector.(connectors.HistoryReader); !ok {
		if e.Harness.NoHistory == "" {
			t.Fatal("the connector reads no history and Harness.NoHistory does not say why")
		}
		t.Skip(e.Harness.NoHistory)
	}
	if e.Harness.NoHistory != "" {
		t.Errorf("the connector reads history, but Harness.NoHistory says %q", e.Harness.NoHistory)
	}
	h := e.Harness
	prev := h.Fakenet
	h.Fakenet = func(c *fakenet.Config) {
		if prev != nil {
			prev(c)
		}
		c.HistoryDays = historyDays
	}
	e = Start(t, h)
	hr := e.Connector.(connectors.HistoryReader) // this fakenet's: the connector may name its base URL
	c := e.Connect("hist")
	connected := e.Clock.Now()
	e.Clock.Advance(time.Minute)
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "after connecting", IdempotencyKey: "tgt-h"})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	e.Clock.Advance(time.Minute)
	now := e.Clock.Now()
	since := now.Add(-historyDays * 24 * time.Hour)
	all, pages := readAll(t, hr, c, since, 10)
	// One post every one to three days over 90 days, the first day left.
	if len(all) < 1+historyDays/3-1 || len(all) > 1+historyDays {
		t.Fatalf("read %d posts over %d days, want about one every one to three days", len(all), historyDays)
	}
	if pages < 3 {
		t.Errorf("%d posts came in %d pages of at most 10", len(all), pages)
	}
	seen := map[string]bool{}
	for i, p := range all {
		if p.ExternalID == "" || seen[p.ExternalID] {
			t.Fatalf("post %d: id %q empty or read twice", i, p.ExternalID)
		}
		seen[p.ExternalID] = true
		if p.PublishedAt.Before(since) || p.PublishedAt.After(now) {
			t.Errorf("post %s published %s, outside [%s, %s]", p.ExternalID, p.PublishedAt, since, now)
		}
		if i > 0 && p.PublishedAt.After(all[i-1].PublishedAt) {
			t.Errorf("post %d (%s) is newer than the one before: not newest first", i, p.PublishedAt)
		}
		if p.Metrics.Likes == nil && p.Metrics.Comments == nil && p.Metrics.Reach == nil && p.Metrics.Impressions == nil {
			t.Errorf("post %s came without engagement: %+v", p.ExternalID, p.Metrics)
		}
		if p.Text == "" {
			t.Errorf("post %s came without its text", p.ExternalID)
		}
	}
	if all[0].ExternalID != pub.ExternalID {
		t.Errorf("the newest post is %s, want the one published after connecting, %s", all[0].ExternalID, pub.ExternalID)
	}
	if oldest := all[len(all)-1].PublishedAt; connected.Sub(oldest) < 60*24*time.Hour {
		t.Errorf("the oldest post is from %s, less than 60 days before connecting (%s)", oldest, connected)
	}
	engaged := 0
	for _, p := range all[1:] {
		if p.Metrics.Likes != nil && *p.Metrics.Likes > 0 {
			engaged++
		}
	}
	if engaged == 0 {
		t.Error("no earlier post has a like: fakenet grows engagement on every post")
	}
	// A window of 30 days: its posts only, the same ones.
	recent, _ := readAll(t, hr, c, now.Add(-30*24*time.Hour), 0)
	want := 0
	for _, p := range all {
		if !p.PublishedAt.Before(now.Add(-30 * 24 * time.Hour)) {
			want++
		}
	}
	if len(recent) != want {
		t.Errorf("a 30-day window gave %d posts, want the %d of the 90-day read within it", len(recent), want)
	}
}
