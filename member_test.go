package rythme_test

import (
	"testing"

	"github.com/rythmehq/rythme"
)

func TestPostAuthor(t *testing.T) {
	member := rythme.Actor{ID: rythme.NewID(rythme.PrefixMember), Name: "Grace Hopper", Role: rythme.RoleEditor}
	token := rythme.Actor{ID: rythme.NewID(rythme.PrefixToken), Name: "ci", Role: rythme.RoleEditor}
	for _, tt := range []struct {
		a                rythme.Actor
		author, name, id string
	}{
		{member, "", "Grace Hopper", member.ID},
		{member, " Grace Hopper ", "Grace Hopper", member.ID},
		{member, "Ann, a customer", "Ann, a customer", ""},
		{token, "", "", ""},
		{token, "Ada", "Ada", ""},
	} {
		if name, id := rythme.PostAuthor(tt.a, tt.author); name != tt.name || id != tt.id {
			t.Errorf("PostAuthor(%s, %q) = %q, %q; want %q, %q", tt.a.ID, tt.author, name, id, tt.name, tt.id)
		}
	}
}

func TestNormalizeEmailAndValidateMember(t *testing.T) {
	for in, want := range map[string]bool{"Ada@Example.com": true, " bo@x.io ": true, "Ada <ada@example.com>": false,
		"ada@localhost": false, "": false, "a\x00@x.io": false} {
		if _, ok := rythme.NormalizeEmail(in); ok != want {
			t.Errorf("NormalizeEmail(%q) ok = %v, want %v", in, ok, want)
		}
	}
	if e, _ := rythme.NormalizeEmail(" Ada@Example.COM "); e != "ada@example.com" {
		t.Errorf("NormalizeEmail = %q", e)
	}
	err := rythme.ValidateMember("nope", "", "short")
	for _, f := range []string{"email", "name", "password"} {
		found := false
		for _, fe := range rythme.ErrorFields(err) {
			found = found || fe.Field == f
		}
		if !found {
			t.Errorf("ValidateMember does not name %s: %v", f, err)
		}
	}
	if err := rythme.ValidateMember("ada@example.com", "Ada", "ten chars!"); err != nil {
		t.Errorf("a good member: %v", err)
	}
}
