// Package netguard keeps requests to hosts a user chose (a Mastodon
// instance_url, a Bluesky service_url, a webhook URL, a media URL) away from
// rythme's own network: loopback, private ranges, link-local (the cloud
// metadata address 169.254.169.254), CGNAT, multicast, reserved and
// documentation ranges, and the IPv6 forms that embed such an IPv4 address
// (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo).
//
// The check is made on the address the dialer actually connects to, after
// DNS resolution (a net.Dialer Control function), so a hostname that
// resolves to 127.0.0.1 — or that changes its answer between a check and the
// connection — cannot get around it. Redirects are checked too: a guarded
// client follows a redirect only for GET and HEAD, at most MaxRedirects
// times, and every hop is dialled through the same check; a POST, PUT,
// PATCH or DELETE that is answered with a redirect is never followed (the
// 3xx answer is returned to the caller, which treats it as an error).
//
// It must never be bypassed by an HTTP proxy: a guarded transport uses no
// proxy (a proxy's address would be checked instead of the target's).
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// MaxRedirects bounds the redirects a guarded client follows for a GET.
const MaxRedirects = 5

// Policy says which non-public addresses a user-chosen host may still
// resolve to. The zero Policy allows only public addresses.
type Policy struct {
	// Allow lists networks that are reachable although not public (from
	// RYTHME_ALLOW_PRIVATE_NETWORKS, and the host of RYTHME_FAKENET_URL).
	Allow []netip.Prefix
}

// AllowAll is a policy that lets every address through (webhooks with
// RYTHME_ALLOW_PRIVATE_WEBHOOKS=true).
var AllowAll = Policy{Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}}

// ParseAllow reads a comma-separated list of CIDRs ("127.0.0.0/8,::1/128");
// a bare address counts as its own /32 or /128. Empty: none.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR or an IP address", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// AllowHost returns the policy plus the addresses host resolves to now
// (for RYTHME_FAKENET_URL: the simulator's own host is reachable). A host
// that does not resolve adds nothing.
func (p Policy) AllowHost(ctx context.Context, host string) Policy {
	out := Policy{Allow: append([]netip.Prefix(nil), p.Allow...)}
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		return Policy{Allow: append(out.Allow, netip.PrefixFrom(a, a.BitLen()))}
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return out
	}
	for _, a := range addrs {
		a = a.Unmap()
		out.Allow = append(out.Allow, netip.PrefixFrom(a, a.BitLen()))
	}
	return out
}

// Permitted reports whether a connection to a may be made.
func (p Policy) Permitted(a netip.Addr) bool {
	a = a.Unmap()
	for _, pr := range p.Allow {
		if pr.Contains(a) {
			return true
		}
	}
	return Public(a)
}

// RefusedError is a connection the guard did not let through.
type RefusedError struct {
	Host string // as the user wrote it, when known
	Addr netip.Addr
}

func (e *RefusedError) Error() string {
	if e.Host != "" && e.Host != e.Addr.String() {
		return fmt.Sprintf("%s resolves to the non-public address %s, which rythme does not connect to", e.Host, e.Addr)
	}
	return fmt.Sprintf("%s is a non-public address, which rythme does not connect to", e.Addr)
}

// IsRefused reports whether err (at any depth) is the guard's refusal.
func IsRefused(err error) bool {
	var re *RefusedError
	return errors.As(err, &re)
}

// Control is a net.Dialer Control function: it refuses the connection when
// the resolved address is not permitted.
func (p Policy) Control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("netguard: dialing %q: not an IP address", address)
	}
	if !p.Permitted(a) {
		return &RefusedError{Addr: a.Unmap()}
	}
	return nil
}

// Transport returns a clone of base (http.DefaultTransport when nil) that
// dials only permitted addresses and uses no proxy.
func (p Policy) Transport(base *http.Transport) *http.Transport {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	tr := base.Clone()
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.Control}
	tr.DialContext = dialer.DialContext
	tr.Proxy = nil
	return tr
}

// CheckRedirect is an http.Client CheckRedirect: it follows a redirect only
// for GET and HEAD, only to http(s), at most MaxRedirects times, and never
// to a literal address that is not permitted (names are checked when they
// are dialled). Anything else returns the redirect response itself.
func (p Policy) CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	if m := via[0].Method; m != http.MethodGet && m != http.MethodHead {
		return http.ErrUseLastResponse
	}
	if len(via) > MaxRedirects {
		return fmt.Errorf("netguard: stopped after %d redirects", MaxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("netguard: refusing a redirect to a %s URL", req.URL.Scheme)
	}
	if a, err := netip.ParseAddr(req.URL.Hostname()); err == nil && !p.Permitted(a) {
		return &RefusedError{Addr: a.Unmap()}
	}
	return nil
}

// Client returns an HTTP client on base's settings (nil: the default
// transport) that only reaches permitted addresses and follows redirects as
// CheckRedirect says.
func (p Policy) Client(base *http.Transport, timeout time.Duration) *http.Client {
	return &http.Client{Transport: p.Transport(base), Timeout: timeout, CheckRedirect: p.CheckRedirect}
}

// Resolver looks names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckURL resolves raw's host with r (nil: net.DefaultResolver) and
// refuses it when any address it resolves to is not permitted: the early
// check that lets a URL a user gives (a webhook) be refused with a 422 at
// creation. The dial-time check still applies later (DNS can change). A
// host that does not resolve is an error too.
func (p Policy) CheckURL(ctx context.Context, raw string, r Resolver) error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("%q is not a URL with a host", raw)
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if !p.Permitted(a) {
			return &RefusedError{Host: host, Addr: a.Unmap()}
		}
		return nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("%s does not resolve to an address", host)
	}
	for _, a := range addrs {
		if !p.Permitted(a) {
			return &RefusedError{Host: host, Addr: a.Unmap()}
		}
	}
	return nil
}
