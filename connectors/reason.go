package connectors

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"syscall"

	"github.com/rythmehq/rythme/netguard"
)

// Reason says in a few words, safe to show a user, why a request to a
// network got no answer: "connection refused", "the name does not resolve",
// "timed out"… It never quotes a remote server's text.
func Reason(err error) string {
	var (
		dns     *net.DNSError
		tlsErr  *tls.CertificateVerificationError
		timeout interface{ Timeout() bool }
	)
	switch {
	case err == nil:
		return ""
	case netguard.IsRefused(err):
		return "its address is not public (loopback, private or link-local), which rythme does not connect to"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "the name does not resolve"
		}
		return "the name could not be looked up"
	case errors.As(err, &tlsErr):
		return "its TLS certificate is not trusted"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &timeout) && timeout.Timeout():
		return "timed out"
	}
	return "no answer"
}
