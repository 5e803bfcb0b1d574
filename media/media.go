// Package media keeps the files posts carry: their bytes in a directory
// (the data directory's media/ by default, a shared volume when several
// replicas run), named by media id, written whole or not at all; and the
// signed, expiring URLs through which networks that fetch media themselves
// (Instagram, Threads, TikTok) download them from rythme without a token.
//
// It never decides what a network accepts (rythme.CheckMedia does) and
// never serves a file without a valid signature.
package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // image.DecodeConfig reads GIF headers
	_ "image/jpeg" // … JPEG
	_ "image/png"  // … PNG
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "golang.org/x/image/webp" // … and WebP

	"github.com/rythmehq/rythme"
)

// Dir stores media files in a directory.
type Dir struct{ path string }

// NewDir returns a store in path, creating it (0700) if needed.
func NewDir(path string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return &Dir{path: path}, nil
}

// ErrTooLarge is returned by Save for a file over the limit.
var ErrTooLarge = errors.New("media: file too large")

// Saved is what Save learned of a file.
type Saved struct {
	Size        int64
	SHA256      string
	ContentType string // sniffed from the bytes (http.DetectContentType, plus MP4/QuickTime)
}

// Save writes r as the file of id, at most max bytes: to a temporary file
// first, renamed into place when whole, so that a file is never seen half
// written.
func (d *Dir) Save(id string, r io.Reader, max int64) (Saved, error) {
	if !rythme.ValidID(rythme.PrefixMedia, id) {
		return Saved{}, errors.New("media: bad id")
	}
	tmp, err := os.CreateTemp(d.path, ".upload-*")
	if err != nil {
		return Saved{}, fmt.Errorf("media: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	h := sha256.New()
	head := &headBuffer{max: 512}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), io.LimitReader(r, max+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Saved{}, fmt.Errorf("media: write: %w", err)
	}
	if n > max {
		return Saved{}, ErrTooLarge
	}
	if err := os.Rename(tmp.Name(), d.file(id)); err != nil {
		return Saved{}, fmt.Errorf("media: %w", err)
	}
	return Saved{Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: Sniff(head.b)}, nil
}

// Open returns the file of id.
func (d *Dir) Open(id string) (*os.File, error) {
	if !rythme.ValidID(rythme.PrefixMedia, id) {
		return nil, os.ErrNotExist
	}
	return os.Open(d.file(id))
}

// Remove deletes the file of id; a file already gone is not an error.
func (d *Dir) Remove(id string) error {
	if !rythme.ValidID(rythme.PrefixMedia, id) {
		return errors.New("media: bad id")
	}
	if err := os.Remove(d.file(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// ImageSize reads the width and height an image file declares, from its
// header only (image.DecodeConfig: PNG, JPEG, GIF, WebP): a file claiming
// 50,000 × 50,000 is caught without decoding a pixel.
func (d *Dir) ImageSize(id string) (width, height int, err error) {
	f, err := d.Open(id)
	if err != nil {
		return 0, 0, fmt.Errorf("media: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return 0, 0, fmt.Errorf("media: image header: %w", err)
	}
	return cfg.Width, cfg.Height, nil
}

func (d *Dir) file(id string) string { return filepath.Join(d.path, id) }

type headBuffer struct {
	b   []byte
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// Sniff returns the content type of a file from its first bytes; MP4 and
// QuickTime by their ftyp box, the rest by http.DetectContentType.
func Sniff(head []byte) string {
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		if string(head[8:10]) == "qt" {
			return "video/quicktime"
		}
		return "video/mp4"
	}
	ct, _, _ := strings.Cut(http.DetectContentType(head), ";")
	return ct
}

// Signer makes and checks the public URLs of media files.
type Signer struct {
	keys [][]byte // the first signs; all verify (key rotation)
}

// NewSigner returns a signer with the given keys (the first signs).
func NewSigner(keys ...[]byte) *Signer { return &Signer{keys: keys} }

func mac(key []byte, id string, exp int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(exp, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// URL returns publicURL/media/{id}?exp=…&sig=…, valid until exp.
func (s *Signer) URL(publicURL, id string, exp time.Time) string {
	e := exp.Unix()
	return strings.TrimRight(publicURL, "/") + "/media/" + url.PathEscape(id) + "?exp=" + strconv.FormatInt(e, 10) + "&sig=" + mac(s.keys[0], id, e)
}

// Verify reports whether sig signs id until exp and exp is not past.
func (s *Signer) Verify(id, exp, sig string, now time.Time) bool {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() > e {
		return false
	}
	for _, k := range s.keys {
		if hmac.Equal([]byte(mac(k, id, e)), []byte(sig)) {
			return true
		}
	}
	return false
}
