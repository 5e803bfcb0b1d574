package password_test

import (
	"strings"
	"testing"

	"github.com/rythmehq/rythme/password"
)

// cheap keeps the tests fast; the encoding carries the parameters.
var cheap = password.Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h, err := password.Hash("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, "correct horse") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := password.Hash("correct horse battery", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		ok, err := password.Verify(pw, h)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5", strings.Replace(h, "t=1", "t=0", 1)} {
		if ok, err := password.Verify("x", bad); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want ErrMalformed", bad, ok, err)
		}
	}
}

// The default is RFC 9106's second recommended option.
func TestRFC9106Params(t *testing.T) {
	t.Parallel()
	p := password.RFC9106
	if p.Time != 3 || p.Memory != 64*1024 || p.Threads != 4 || p.SaltLen != 16 || p.KeyLen != 32 {
		t.Fatalf("RFC9106 = %+v", p)
	}
	if testing.Short() {
		return
	}
	h, err := password.Hash("a long enough password", p)
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("Hash = %q, %v", h, err)
	}
	if ok, _ := password.Verify("a long enough password", h); !ok {
		t.Fatal("the RFC 9106 hash does not verify")
	}
}
