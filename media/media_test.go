package media_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/media"
)

// A 1×1 PNG.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")

func TestSaveOpen(t *testing.T) {
	t.Parallel()
	d, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id := rythme.NewID(rythme.PrefixMedia)
	s, err := d.Save(id, bytes.NewReader(png), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if s.Size != int64(len(png)) || s.ContentType != "image/png" || len(s.SHA256) != 64 {
		t.Fatalf("saved %+v", s)
	}
	f, err := d.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	info, _ := f.Stat()
	f.Close()
	if !bytes.Equal(b, png) {
		t.Fatal("the file does not read back")
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("a media file is %v, want -rw------- (the owner's only)", info.Mode().Perm())
	}
	if err := d.Remove(id); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(id); err == nil {
		t.Fatal("a removed file still opens")
	}
	if err := d.Remove(id); err != nil {
		t.Fatalf("removing a file already gone: %v", err)
	}
	// Too large: refused, nothing left behind.
	big := rythme.NewID(rythme.PrefixMedia)
	if _, err := d.Save(big, strings.NewReader(strings.Repeat("x", 2000)), 1000); !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("oversize save: %v", err)
	}
	if _, err := d.Open(big); err == nil {
		t.Fatal("an oversize upload was kept")
	}
	if _, err := d.Open("../../etc/passwd"); err == nil {
		t.Fatal("a path outside the directory opened")
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	mp4 := append([]byte{0, 0, 0, 0x18}, []byte("ftypisom\x00\x00\x02\x00")...)
	mov := append([]byte{0, 0, 0, 0x14}, []byte("ftypqt  \x00\x00\x02\x00")...)
	for in, want := range map[string]string{string(png): "image/png", string(mp4): "video/mp4", string(mov): "video/quicktime",
		"\xff\xd8\xff\xe0\x00\x10JFIF": "image/jpeg", "GIF89a": "image/gif", "hello": "text/plain"} {
		if got := media.Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %s, want %s", in[:min(len(in), 8)], got, want)
		}
	}
}

func TestSignedURLs(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	oldKey, newKey := []byte("old-key-0123456789"), []byte("new-key-0123456789")
	old := media.NewSigner(oldKey)
	u := old.URL("https://rythme.example/", "med_1", now.Add(time.Hour))
	if !strings.HasPrefix(u, "https://rythme.example/media/med_1?exp=") {
		t.Fatalf("url %s", u)
	}
	exp, sig := param(u, "exp"), param(u, "sig")
	rotated := media.NewSigner(newKey, oldKey)
	if !rotated.Verify("med_1", exp, sig, now) {
		t.Fatal("a URL signed with the old key fails after rotation")
	}
	if rotated.Verify("med_2", exp, sig, now) || rotated.Verify("med_1", exp, sig+"0", now) ||
		rotated.Verify("med_1", exp, sig, now.Add(2*time.Hour)) || media.NewSigner(newKey).Verify("med_1", exp, sig, now) {
		t.Fatal("a wrong id, signature, expiry or key verified")
	}
}

func param(u, name string) string {
	_, q, _ := strings.Cut(u, "?")
	for _, kv := range strings.Split(q, "&") {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}
