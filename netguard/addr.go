package netguard

import "net/netip"

// notPublic4 are IPv4 ranges that are not internet servers' addresses
// (RFC 6890 and the IANA special-purpose registry), beyond what netip's
// predicates already say.
var notPublic4 = prefixes(
	"0.0.0.0/8",       // "this network"
	"100.64.0.0/10",   // CGNAT, shared address space
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // TEST-NET-1
	"192.88.99.0/24",  // 6to4 relay anycast
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // TEST-NET-2
	"203.0.113.0/24",  // TEST-NET-3
	"240.0.0.0/4",     // reserved, and 255.255.255.255
)

// notPublic6 are IPv6 ranges refused as a whole.
var notPublic6 = prefixes(
	"100::/64",       // discard-only
	"2001:db8::/32",  // documentation
	"fec0::/10",      // site-local (deprecated, still routed inside some networks)
	"64:ff9b:1::/48", // local-use NAT64
	"2001:10::/28",   // ORCHID
)

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	teredo    = netip.MustParsePrefix("2001::/32")
	v4compat  = netip.MustParsePrefix("::/96")
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Public reports whether a is a public unicast address: not loopback,
// private, link-local, CGNAT, unspecified, multicast, reserved or
// documentation, and not an IPv6 address embedding such an IPv4 address
// (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64
// 64:ff9b::a.b.c.d, 6to4 2002:AABB:CCDD::, Teredo's client address).
func Public(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsGlobalUnicast() {
		return false
	}
	if a.Is4() {
		for _, p := range notPublic4 {
			if p.Contains(a) {
				return false
			}
		}
		return true
	}
	for _, p := range notPublic6 {
		if p.Contains(a) {
			return false
		}
	}
	b := a.As16()
	switch {
	case nat64.Contains(a), v4compat.Contains(a):
		return Public(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	case sixToFour.Contains(a):
		return Public(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	case teredo.Contains(a):
		// The client's address is the last 32 bits, inverted.
		return Public(netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}))
	}
	return true
}
