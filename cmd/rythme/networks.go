package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/bluesky"
	"github.com/rythmehq/rythme/connectors/discord"
	"github.com/rythmehq/rythme/connectors/facebook"
	"github.com/rythmehq/rythme/connectors/instagram"
	"github.com/rythmehq/rythme/connectors/linkedin"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/connectors/reddit"
	"github.com/rythmehq/rythme/connectors/slack"
	"github.com/rythmehq/rythme/connectors/teams"
	"github.com/rythmehq/rythme/connectors/threads"
	"github.com/rythmehq/rythme/connectors/tiktok"
	"github.com/rythmehq/rythme/connectors/x"
	"github.com/rythmehq/rythme/netguard"
)

// appNetwork is a network whose app is registered once, out of band, on
// the network's developer site: rythme needs its client id and secret
// (RYTHME_<NAME>_CLIENT_ID and RYTHME_<NAME>_CLIENT_SECRET), or, with
// RYTHME_FAKENET_URL, the simulator's.
type appNetwork struct {
	name  string
	build func(id, secret, fakenetURL string) connectors.Connector
}

var appNetworks = []appNetwork{
	{"x", func(id, secret, fn string) connectors.Connector {
		if fn != "" {
			return x.New(x.FakenetConfig(fn))
		}
		return x.New(x.Config{ClientID: id, ClientSecret: secret})
	}},
	{"linkedin", func(id, secret, fn string) connectors.Connector {
		if fn != "" {
			return linkedin.New(linkedin.FakenetConfig(fn))
		}
		return linkedin.New(linkedin.Config{ClientID: id, ClientSecret: secret})
	}},
	{"reddit", func(id, secret, fn string) connectors.Connector {
		if fn != "" {
			return reddit.New(reddit.FakenetConfig(fn))
		}
		return reddit.New(reddit.Config{ClientID: id, ClientSecret: secret})
	}},
	{"facebook", func(id, secret, fn string) connectors.Connector {
		if fn != "" {
			return facebook.New(facebook.FakenetConfig(fn))
		}
		return facebook.New(facebook.Config{ClientID: id, ClientSecret: secret})
	}},
	{"instagram", func(id, secret, fn string) connectors.Connector {
		if fn != "" {
			return instagram.New(instagram.FakenetConfig(fn))
		}
		return instagram.New(instagram.Config{ClientID: id, ClientSecret: secret})
	}},
	{"threads", func(id, secret, fn string) connectors.Connector {
		if fn != "" {
			return threads.New(threads.FakenetConfig(fn))
		}
		return threads.New(threads.Config{ClientID: id, ClientSecret: secret})
	}},
	{"slack", func(id, secret, fn string) connectors.Connector {
		if fn != "" {
			return slack.New(slack.FakenetConfig(fn))
		}
		return slack.New(slack.Config{ClientID: id, ClientSecret: secret})
	}},
	{"tiktok", func(id, secret, fn string) connectors.Connector {
		if fn != "" {
			return tiktok.New(tiktok.FakenetConfig(fn))
		}
		return tiktok.New(tiktok.Config{ClientKey: id, ClientSecret: secret})
	}},
}

// openNetworks need no app of rythme's own: Mastodon registers one on each
// instance, webhook and app-password networks need none.
// Mastodon and Bluesky call hosts users choose: they get the guarded client.
func openNetworks(fakenetURL string, guarded *http.Client) []connectors.Connector {
	if fakenetURL != "" {
		bs := bluesky.FakenetConfig(fakenetURL)
		bs.HTTPClient = guarded
		return []connectors.Connector{mastodon.New(mastodon.WithHTTPClient(guarded)), bluesky.New(bs),
			discord.New(discord.FakenetConfig(fakenetURL)), teams.New(teams.FakenetConfig(fakenetURL))}
	}
	return []connectors.Connector{mastodon.New(mastodon.WithHTTPClient(guarded)), bluesky.New(bluesky.Config{HTTPClient: guarded}),
		discord.New(discord.Config{}), teams.New(teams.Config{})}
}

// netPolicy is which non-public addresses hosts users chose may resolve to:
// RYTHME_ALLOW_PRIVATE_NETWORKS, plus RYTHME_FAKENET_URL's own host.
func netPolicy(ctx context.Context, cfg config) netguard.Policy {
	allow, _ := netguard.ParseAllow(cfg.AllowNetworks) // validated by loadConfig
	p := netguard.Policy{Allow: allow}
	if u, err := url.Parse(cfg.FakenetURL); err == nil && cfg.FakenetURL != "" && u.Hostname() != "" {
		p = p.AllowHost(ctx, u.Hostname())
	}
	return p
}

// appCredentials reads RYTHME_<NAME>_CLIENT_ID/_SECRET for every app
// network.
func appCredentials(getenv func(string) string) map[string][2]string {
	out := map[string][2]string{}
	for _, n := range appNetworks {
		p := "RYTHME_" + strings.ToUpper(n.name) + "_CLIENT_"
		if id := getenv(p + "ID"); id != "" {
			out[n.name] = [2]string{id, getenv(p + "SECRET")}
		}
	}
	return out
}

// registry returns the connectors this server offers: every open network,
// and each app network whose credentials are set (all of them, on the
// simulator, with RYTHME_FAKENET_URL).
func registry(cfg config, guarded *http.Client) *connectors.Registry {
	r := connectors.NewRegistry(openNetworks(cfg.FakenetURL, guarded)...)
	for _, n := range appNetworks {
		cred, ok := cfg.Apps[n.name]
		if ok || cfg.FakenetURL != "" {
			r.Register(n.build(cred[0], cred[1], cfg.FakenetURL))
		}
	}
	return r
}
