// Package keyring seals secrets at rest (OAuth tokens, client secrets,
// PKCE verifiers) with AES-256-GCM. It holds a current key, which seals,
// and older keys, which still open what they sealed, so that
// RYTHME_SECRET_KEY can be rotated without losing a connected account;
// NeedsReseal says what a rotation (`rythme rekey`) must re-encrypt.
//
// Each sealed value is bound to where it is stored (table, column, row)
// by AES-GCM additional authenticated data: a blob copied to another row
// does not open. Values sealed before that binding (format 1) still open,
// unbound, until they are re-sealed (format 2).
//
// It never logs, prints or returns a key or a plaintext in an error.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rythmehq/rythme"
)

const (
	keySize   = 32
	idSize    = 4
	formatV1  = 1          // no binding: the header is the only authenticated data
	formatV2  = 2          // bound: the header and the caller's context are authenticated
	overhead0 = 1 + idSize // format byte + key id
)

// Keyring seals with its first key and opens with any of its keys.
type Keyring struct {
	keys []key
}

type key struct {
	id   [idSize]byte
	aead cipher.AEAD
	raw  []byte
}

var _ rythme.Sealer = (*Keyring)(nil)

// New returns a keyring of raw 32-byte keys; the first one seals.
func New(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("keyring: no key")
	}
	kr := &Keyring{}
	for i, k := range keys {
		if len(k) != keySize {
			return nil, fmt.Errorf("keyring: key %d is %d bytes, want %d", i+1, len(k), keySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("keyring: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("keyring: %w", err)
		}
		sum := sha256.Sum256(k)
		var id [idSize]byte
		copy(id[:], sum[:idSize])
		kr.keys = append(kr.keys, key{id: id, aead: aead, raw: append([]byte(nil), k...)})
	}
	return kr, nil
}

// Parse reads keys from a RYTHME_SECRET_KEY value: base64 (standard or
// URL, padded or not) 32-byte keys separated by commas, the current key
// first, older ones after it.
func Parse(s string) (*Keyring, error) {
	var keys [][]byte
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := decode(part)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %d is not base64 of 32 bytes", i+1)
		}
		keys = append(keys, k)
	}
	return New(keys...)
}

func decode(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == keySize {
			return k, nil
		}
	}
	return nil, errors.New("bad key")
}

// GenerateKey returns a new random key, base64-encoded.
func GenerateKey() string {
	k := make([]byte, keySize)
	_, _ = rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

// LoadOrCreateFile reads a key from path, or writes a new one there (mode
// 0600) when the file does not exist: the embedded default keeps its key in
// the data directory.
func LoadOrCreateFile(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("keyring: %w", err)
		}
		k := GenerateKey()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("keyring: create key file: %w", err)
		}
		if _, err := f.WriteString(k + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("keyring: write key file: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("keyring: write key file: %w", err)
		}
		b = []byte(k)
	} else if err != nil {
		return nil, fmt.Errorf("keyring: read key file: %w", err)
	}
	return Parse(strings.TrimSpace(string(b)))
}

// Seal encrypts plaintext with the current key, bound to aad (where the
// value is stored: Open needs the same aad): format byte, key id, nonce,
// then the GCM ciphertext.
func (kr *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	k := kr.keys[0]
	nonceSize := k.aead.NonceSize()
	out := make([]byte, overhead0+nonceSize, overhead0+nonceSize+len(plaintext)+k.aead.Overhead())
	out[0] = formatV2
	copy(out[1:], k.id[:])
	if _, err := rand.Read(out[overhead0:]); err != nil {
		return nil, fmt.Errorf("keyring: nonce: %w", err)
	}
	return k.aead.Seal(out, out[overhead0:], plaintext, authData(out[:overhead0], aad)), nil
}

// authData is the header followed by the caller's context.
func authData(header, aad []byte) []byte {
	return append(append(make([]byte, 0, len(header)+len(aad)), header...), aad...)
}

// ErrUnknownKey is returned by Open for data sealed with a key the ring
// does not hold (RYTHME_SECRET_KEY changed without keeping the old key).
var ErrUnknownKey = errors.New("keyring: sealed with a key that is not configured (keep the old key after the new one in RYTHME_SECRET_KEY)")

// Open decrypts what Seal made with any key of the ring, for the same aad.
// Data of format 1 (sealed before values were bound to their place) opens
// whatever aad is.
func (kr *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < overhead0 || (sealed[0] != formatV1 && sealed[0] != formatV2) {
		return nil, errors.New("keyring: not sealed data")
	}
	ad := sealed[:overhead0]
	if sealed[0] == formatV2 {
		ad = authData(ad, aad)
	}
	for _, k := range kr.keys {
		if string(k.id[:]) != string(sealed[1:overhead0]) {
			continue
		}
		ns := k.aead.NonceSize()
		if len(sealed) < overhead0+ns+k.aead.Overhead() {
			return nil, errors.New("keyring: sealed data too short")
		}
		pt, err := k.aead.Open(nil, sealed[overhead0:overhead0+ns], sealed[overhead0+ns:], ad)
		if err != nil {
			return nil, errors.New("keyring: sealed data was altered, moved to another place, or the key is wrong")
		}
		return pt, nil
	}
	return nil, ErrUnknownKey
}

// NeedsReseal reports whether sealed was made with an older key or in the
// unbound format 1, so that a rotation can re-encrypt it.
func (kr *Keyring) NeedsReseal(sealed []byte) bool {
	return len(sealed) >= overhead0 && (sealed[0] != formatV2 || string(sealed[1:overhead0]) != string(kr.keys[0].id[:]))
}

// Derive returns, for each key of the ring (current first), a 32-byte key
// for another purpose named by label (HMAC-SHA256 of the label): signing
// media URLs, for instance, without reusing the sealing key itself.
func (kr *Keyring) Derive(label string) [][]byte {
	out := make([][]byte, 0, len(kr.keys))
	for _, k := range kr.keys {
		m := hmac.New(sha256.New, k.raw)
		m.Write([]byte("rythme:" + label))
		out = append(out, m.Sum(nil))
	}
	return out
}
