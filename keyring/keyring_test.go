package keyring_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
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
	aad := []byte("accounts.token:acc_1")
	sealed, err := old.Seal(secret, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed data contains the plaintext")
	}
	again, _ := old.Seal(secret, aad)
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of the same plaintext are equal: nonce reused")
	}

	rotated, err := keyring.Parse(newKey + "," + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rotated.Open(sealed, aad)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open after rotation = %q, %v", got, err)
	}
	if !rotated.NeedsReseal(sealed) {
		t.Fatal("data sealed with the old key should need resealing")
	}
	resealed, _ := rotated.Seal(secret, aad)
	if rotated.NeedsReseal(resealed) {
		t.Fatal("data sealed with the current key should not need resealing")
	}

	onlyNew, _ := keyring.Parse(newKey)
	if _, err := onlyNew.Open(sealed, aad); !errors.Is(err, keyring.ErrUnknownKey) {
		t.Fatalf("open with a ring missing the key: %v, want ErrUnknownKey", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := rotated.Open(sealed, aad); err == nil {
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
	sealed, _ := a.Seal([]byte("x"), nil)
	b, err := keyring.LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Open(sealed, nil); err != nil || string(got) != "x" {
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

// A value is bound to where it is stored: the same blob under another
// table, column or row does not open.
func TestSealIsBoundToItsPlace(t *testing.T) {
	t.Parallel()
	kr, _ := keyring.Parse(keyring.GenerateKey())
	sealed, err := kr.Seal([]byte("tok"), []byte("accounts.token:acc_1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{"accounts.token:acc_2", "webhooks.secret:acc_1", ""} {
		if _, err := kr.Open(sealed, []byte(other)); err == nil {
			t.Errorf("a value sealed for acc_1 opened as %q", other)
		}
	}
	if got, err := kr.Open(sealed, []byte("accounts.token:acc_1")); err != nil || string(got) != "tok" {
		t.Fatalf("open in place = %q, %v", got, err)
	}
	if kr.NeedsReseal(sealed) {
		t.Fatal("a bound value under the current key needs no reseal")
	}
}

// Values sealed before the binding (format 1: header only as authenticated
// data) still open, and need a reseal.
func TestUnboundValuesOpenAndNeedReseal(t *testing.T) {
	t.Parallel()
	k := keyring.GenerateKey()
	raw, _ := base64.StdEncoding.DecodeString(k)
	block, _ := aes.NewCipher(raw)
	aead, _ := cipher.NewGCM(block)
	sum := sha256.Sum256(raw)
	header := append([]byte{1}, sum[:4]...)
	nonce := make([]byte, aead.NonceSize())
	v1 := aead.Seal(append(append([]byte(nil), header...), nonce...), nonce, []byte("legacy"), header)

	kr, _ := keyring.Parse(k)
	if got, err := kr.Open(v1, []byte("accounts.token:acc_9")); err != nil || string(got) != "legacy" {
		t.Fatalf("open a format 1 value = %q, %v", got, err)
	}
	if !kr.NeedsReseal(v1) {
		t.Fatal("a format 1 value should need a reseal")
	}
}
