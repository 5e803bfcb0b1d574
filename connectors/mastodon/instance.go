package mastodon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// NormalizeInstanceURL validates an instance URL as a user typed it and
// returns its canonical form: scheme and host in lower case, no default
// port, no trailing slash ("mastodon.social" gives
// "https://mastodon.social"). It must be https, or http on a loopback
// host (for local servers and fakenet); a path prefix is kept; user info,
// a query or a fragment are refused, and so are IP addresses of private,
// link-local or otherwise non-public networks other than loopback.
// Errors are EINVALID on the field instance_url.
func NormalizeInstanceURL(raw string) (string, error) {
	bad := func(msg string) error {
		return rythme.Invalid(rythme.FieldError{Field: "instance_url", Message: msg})
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", bad("is required (the address of your Mastodon server, such as https://mastodon.social)")
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "", bad("is not a valid URL")
	}
	if u.User != nil {
		return "", bad("must not contain a user name or password")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return "", bad("must not contain a query or a fragment")
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := u.Port()
	if host == "" {
		return "", bad("has no host")
	}
	loopback := host == "localhost" || strings.HasSuffix(host, ".localhost")
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		loopback = ip.IsLoopback()
		if !loopback && !publicIP(ip) {
			return "", bad("must be a public server (private and link-local addresses are refused)")
		}
	}
	switch {
	case scheme == "https":
	case scheme == "http" && loopback:
	case scheme == "http":
		return "", bad("must use https (http is allowed only on this machine)")
	default:
		return "", bad("must be an https URL")
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	hostport := host
	if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	if port != "" {
		hostport = net.JoinHostPort(host, port)
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	for _, seg := range strings.Split(path, "/") {
		if seg == ".." || seg == "." {
			return "", bad("must not contain . or .. in its path")
		}
	}
	return scheme + "://" + hostport + path, nil
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// publicIP reports whether ip may be an internet server's address.
func publicIP(ip netip.Addr) bool {
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !cgnat.Contains(ip)
}

// OAuth2Config normalises p["instance_url"], registers rythme on the
// instance once per redirect URI (through apps, or in memory when apps is
// nil) and returns the client configuration for the instance's OAuth
// endpoints (https://docs.joinmastodon.org/methods/oauth/). EINVALID when
// the instance URL is malformed, the server does not look like Mastodon,
// cannot be reached (the message names the instance and why: "connection
// refused", an address that is not public…) or refuses to register rythme
// (its answer's body is never shown).
func (c *Connector) OAuth2Config(ctx context.Context, p connectors.ConnectParams, redirectURI string, apps connectors.Apps) (*oauth2.Config, error) {
	inst, err := NormalizeInstanceURL(p["instance_url"])
	if err != nil {
		return nil, err
	}
	if ru, err := url.Parse(redirectURI); err != nil || !ru.IsAbs() {
		return nil, rythme.Errorf(rythme.EINVALID, "mastodon: the redirect URI %q is not an absolute URL", redirectURI)
	}
	app, err := c.app(ctx, inst, redirectURI, apps)
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{
		ClientID:     app.ClientID,
		ClientSecret: app.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:  inst + "/oauth/authorize",
			TokenURL: inst + "/oauth/token",
			// client_id and client_secret are documented as form fields.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURI,
		Scopes:      Scopes,
	}, nil
}

// app returns the registration for (inst, redirectURI), registering once.
// Reading a registration takes no lock: every publish reads one, and all of
// an instance's accounts share it; only registering is one at a time.
func (c *Connector) app(ctx context.Context, inst, redirectURI string, apps connectors.Apps) (*rythme.OAuthApp, error) {
	key := inst + " " + redirectURI
	if app, err := c.knownApp(ctx, key, inst, redirectURI, apps); app != nil || err != nil {
		return app, err
	}
	l := c.lockFor(key)
	l.Lock()
	defer l.Unlock()
	if app, err := c.knownApp(ctx, key, inst, redirectURI, apps); app != nil || err != nil {
		return app, err // registered while this call waited
	}
	app, err := c.register(ctx, inst, redirectURI)
	if err != nil {
		return nil, err
	}
	if apps != nil {
		if err := apps.SaveOAuthApp(ctx, app); err != nil {
			return nil, fmt.Errorf("mastodon: save app for %s: %w", inst, err)
		}
	} else {
		c.mu.Lock()
		c.apps[key] = app
		c.mu.Unlock()
	}
	return app, nil
}

// knownApp is the registration already made for (inst, redirectURI), or
// nil.
func (c *Connector) knownApp(ctx context.Context, key, inst, redirectURI string, apps connectors.Apps) (*rythme.OAuthApp, error) {
	if apps == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.apps[key], nil
	}
	app, err := apps.GetOAuthApp(ctx, Name, inst, redirectURI)
	if err != nil && rythme.ErrorCode(err) != rythme.ENOTFOUND {
		return nil, fmt.Errorf("mastodon: get app for %s: %w", inst, err)
	}
	if err != nil {
		return nil, nil
	}
	return app, nil
}

// register is POST /api/v1/apps
// (https://docs.joinmastodon.org/methods/apps/#create).
func (c *Connector) register(ctx context.Context, inst, redirectURI string) (*rythme.OAuthApp, error) {
	form := url.Values{"client_name": {c.clientName}, "redirect_uris": {redirectURI}, "scopes": {strings.Join(Scopes, " ")}}
	if c.website != "" {
		form.Set("website", c.website)
	}
	body := form.Encode()
	req, err := newRequest(ctx, http.MethodPost, inst+"/api/v1/apps", &body)
	if err != nil {
		return nil, err
	}
	resp, err := connectors.Do(c.http, req)
	if err != nil {
		// Never a database message, never the server's own words: what
		// the user can act on, naming the instance they typed.
		return nil, &rythme.Error{Code: rythme.EINVALID, Err: err,
			Message: "instance_url: could not reach " + inst + ": " + connectors.Reason(err),
			Fields:  []rythme.FieldError{{Field: "instance_url", Message: "could not reach " + inst + ": " + connectors.Reason(err)}}}
	}
	if resp.StatusCode/100 != 2 {
		// The answer's body is not shown: the instance is a host the user
		// chose, and its words are no business of theirs (SSRF).
		ce := connectors.FromResponse(resp, errorMessage)
		msg := fmt.Sprintf("the instance refused to register rythme (HTTP %d); is it a Mastodon server?", ce.Status)
		if ce.Kind != connectors.Permanent {
			msg = fmt.Sprintf("the instance failed to register rythme (HTTP %d); try again shortly", ce.Status)
		}
		return nil, &rythme.Error{Code: rythme.EINVALID, Err: ce, Message: "instance_url: " + inst + ": " + msg,
			Fields: []rythme.FieldError{{Field: "instance_url", Message: msg}}}
	}
	defer resp.Body.Close()
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil || out.ClientID == "" || out.ClientSecret == "" {
		return nil, rythme.Invalid(rythme.FieldError{Field: "instance_url", Message: "the server's answer to app registration is not Mastodon's; is it a Mastodon server?"})
	}
	return &rythme.OAuthApp{Network: Name, InstanceURL: inst, RedirectURI: redirectURI, ClientID: out.ClientID,
		ClientSecret: out.ClientSecret, CreatedAt: time.Now().UTC()}, nil
}
