package connectors

import (
	"context"
	"sync"
	"time"

	"github.com/rythmehq/rythme"
)

// CacheApps returns apps with the registrations it finds kept in memory for
// ttl. An OAuth client registration is made once per server and never
// changes, but a connector that registers per server (Mastodon) reads it
// for every call it makes: at the top of the hour, one read per publish
// from a store that has better things to do. A registration saved through
// the cache replaces the cached one; one not found is not cached.
func CacheApps(apps Apps, ttl time.Duration) Apps {
	return &appCache{apps: apps, ttl: ttl, m: map[appKey]cachedApp{}}
}

type appKey struct{ network, instanceURL, redirectURI string }

type cachedApp struct {
	app     rythme.OAuthApp
	expires time.Time
}

type appCache struct {
	apps Apps
	ttl  time.Duration

	mu sync.Mutex
	m  map[appKey]cachedApp
}

// maxCachedApps bounds the cache: past it, it starts again empty.
const maxCachedApps = 10_000

func (c *appCache) GetOAuthApp(ctx context.Context, network, instanceURL, redirectURI string) (*rythme.OAuthApp, error) {
	k := appKey{network, instanceURL, redirectURI}
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.m[k]; ok && now.Before(e.expires) {
		c.mu.Unlock()
		app := e.app
		return &app, nil
	}
	c.mu.Unlock()
	app, err := c.apps.GetOAuthApp(ctx, network, instanceURL, redirectURI)
	if err != nil {
		return nil, err
	}
	c.put(k, app, now)
	return app, nil
}

func (c *appCache) SaveOAuthApp(ctx context.Context, app *rythme.OAuthApp) error {
	if err := c.apps.SaveOAuthApp(ctx, app); err != nil {
		return err
	}
	c.put(appKey{app.Network, app.InstanceURL, app.RedirectURI}, app, time.Now())
	return nil
}

func (c *appCache) put(k appKey, app *rythme.OAuthApp, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedApps {
		clear(c.m)
	}
	c.m[k] = cachedApp{app: *app, expires: now.Add(c.ttl)}
}
