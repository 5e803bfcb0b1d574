package rythme

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// ID prefixes: an ID says what it names (pst_…, tgt_…), as in Stripe's API.
const (
	PrefixWorkspace = "ws"
	PrefixToken     = "tok"
	PrefixAccount   = "acc"
	PrefixPost      = "pst"
	PrefixTarget    = "tgt"
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var idMu sync.Mutex
var idLastMS uint64
var idLastRand [10]byte

// NewID returns prefix + "_" + a ULID (48-bit milliseconds, 80 random
// bits, Crockford base32). IDs made by one process sort by creation time,
// monotonic within a millisecond.
func NewID(prefix string) string {
	idMu.Lock()
	ms := uint64(time.Now().UnixMilli())
	if ms <= idLastMS {
		ms = idLastMS
		// increment the random part, as the ULID spec's monotonic mode does
		for i := len(idLastRand) - 1; i >= 0; i-- {
			idLastRand[i]++
			if idLastRand[i] != 0 {
				break
			}
		}
	} else {
		idLastMS = ms
		_, _ = rand.Read(idLastRand[:])
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], ms<<16)
	copy(b[6:], idLastRand[:])
	idMu.Unlock()

	var sb strings.Builder
	sb.Grow(len(prefix) + 1 + 26)
	sb.WriteString(prefix)
	sb.WriteByte('_')
	// 128 bits as 26 base32 characters, the first holding 3 bits.
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	sb.Write(out[:])
	return sb.String()
}

// ValidID reports whether s looks like an ID with the given prefix. It lets
// handlers answer 404 at once for garbage without a store round trip.
func ValidID(prefix, s string) bool {
	if len(s) != len(prefix)+27 || !strings.HasPrefix(s, prefix+"_") {
		return false
	}
	for _, c := range s[len(prefix)+1:] {
		if !strings.ContainsRune(crockford, c) {
			return false
		}
	}
	return true
}
