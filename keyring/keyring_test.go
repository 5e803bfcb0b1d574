package keyring_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/rythmehq/rythme/keyring"
)

func TestSealOpenAndRotate(t *testing.T) {
	t.Parallel()
	oldKey, newKey := keyring.GenerateKey(), keyring.GenerateKey()
	old, err := keyring.Parse(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("access-token-abc")
	sealed, err := old.Seal(secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed data contains the plaintext")
	}
	again, _ := old.Seal(secret)
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of the same plaintext are equal: nonce reused")
	}

	rotated, err := keyring.Parse(newKey + "," + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rotated.Open(sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open after rotation = %q, %v", got, err)
	}
	if !rotated.NeedsReseal(sealed) {
		t.Fatal("data sealed with the old key should need resealing")
	}
	resealed, _ := rotated.Seal(secret)
	if rotated.NeedsReseal(resealed) {
		t.Fatal("data sealed with the current key should not need resealing")
	}

	onlyNew, _ := keyring.Parse(newKey)
	if _, err := onlyNew.Open(sealed); !errors.Is(err, keyring.ErrUnknownKey) {
		t.Fatalf("open with a ring missing the key: %v, want ErrUnknownKey", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := rotated.Open(sealed); err == nil {
		t.Fatal("altered data opened")
	}
}

func TestParseRejectsBadKeys(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "short", "bm90IDMyIGJ5dGVz"} {
		if _, err := keyring.Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded", s)
		}
	}
}

func TestLoadOrCreateFileKeepsTheKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data", "secret.key")
	a, err := keyring.LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := a.Seal([]byte("x"))
	b, err := keyring.LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Open(sealed); err != nil || string(got) != "x" {
		t.Fatalf("reopened key cannot open: %q %v", got, err)
	}
}

func TestDerive(t *testing.T) {
	t.Parallel()
	a, b := keyring.GenerateKey(), keyring.GenerateKey()
	kr, _ := keyring.Parse(a + "," + b)
	d := kr.Derive("media-url")
	if len(d) != 2 || len(d[0]) != 32 || bytes.Equal(d[0], d[1]) {
		t.Fatalf("derived %d keys", len(d))
	}
	if bytes.Equal(kr.Derive("other")[0], d[0]) {
		t.Fatal("two labels give the same key")
	}
	again, _ := keyring.Parse(a)
	if !bytes.Equal(again.Derive("media-url")[0], d[0]) {
		t.Fatal("derivation is not stable")
	}
}
