package connectors_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// countingApps counts the reads that reach the store.
type countingApps struct {
	connectortest.Apps
	reads int
}

func (c *countingApps) GetOAuthApp(ctx context.Context, network, inst, redirect string) (*rythme.OAuthApp, error) {
	c.reads++
	return c.Apps.GetOAuthApp(ctx, network, inst, redirect)
}

func TestCacheAppsReadsTheStoreOncePerTTL(t *testing.T) {
	ctx := context.Background()
	store := &countingApps{}
	apps := connectors.CacheApps(store, time.Hour)
	if _, err := apps.GetOAuthApp(ctx, "mastodon", "https://a.example", "https://r/cb"); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("missing registration: %v, want ENOTFOUND", err)
	}
	app := &rythme.OAuthApp{Network: "mastodon", InstanceURL: "https://a.example", RedirectURI: "https://r/cb", ClientID: "one"}
	if err := apps.SaveOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		got, err := apps.GetOAuthApp(ctx, "mastodon", "https://a.example", "https://r/cb")
		if err != nil || got.ClientID != "one" {
			t.Fatalf("cached registration: %+v %v", got, err)
		}
		got.ClientID = "changed by a caller" // a copy: the cache keeps its own
	}
	if store.reads != 1 {
		t.Errorf("the store was read %d times, want once (the miss before the save)", store.reads)
	}
	// Another server's registration is its own entry.
	if _, err := apps.GetOAuthApp(ctx, "mastodon", "https://b.example", "https://r/cb"); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Errorf("another instance: %v, want ENOTFOUND", err)
	}
	// Past the TTL the store is read again.
	short := connectors.CacheApps(store, time.Nanosecond)
	before := store.reads
	for range 2 {
		if _, err := short.GetOAuthApp(ctx, "mastodon", "https://a.example", "https://r/cb"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if store.reads-before != 2 {
		t.Errorf("expired entries: %d store reads, want 2", store.reads-before)
	}
}
