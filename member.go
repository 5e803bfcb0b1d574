package rythme

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// ID prefixes of people.
const (
	PrefixMember     = "mem"
	PrefixSession    = "ses"
	PrefixInvitation = "inv"
)

// Member is a person who signs in with an email and a password. A member
// belongs to workspaces, each with a role (Membership); an instance
// administrator may also create workspaces. The password is stored as an
// argon2id hash (package password), never in clear.
type Member struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	PasswordHash  string    `json:"-"`
	InstanceAdmin bool      `json:"instance_admin"`
	CreatedAt     time.Time `json:"created_at"`
}

// Membership is a member's place in a workspace.
type Membership struct {
	WorkspaceID string    `json:"workspace_id"`
	MemberID    string    `json:"member_id"`
	Role        Role      `json:"role"`
	CreatedAt   time.Time `json:"created_at"`
}

// MemberWorkspace is a workspace as one of its members sees it: its name
// and the member's role there.
type MemberWorkspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// WorkspaceMember is a member as its workspace lists it.
type WorkspaceMember struct {
	ID       string    `json:"id"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
}

// Session is a member signed in from one browser. Only the SHA-256 hash of
// its secret (the cookie's value) is stored. WorkspaceID is the workspace
// the member last chose (empty: the first of its workspaces).
type Session struct {
	ID          string
	Hash        []byte
	MemberID    string
	WorkspaceID string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Invitation lets whoever holds its link join WorkspaceID with Role, once,
// before ExpiresAt. Only the hash of the link's secret is stored.
type Invitation struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"workspace_id"`
	Email       string     `json:"email"`
	Role        Role       `json:"role"`
	Hash        []byte     `json:"-"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	AcceptedAt  *time.Time `json:"accepted_at,omitempty"`
	AcceptedBy  string     `json:"accepted_by,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// Status is the invitation's state at now: pending, accepted, revoked or
// expired.
func (inv *Invitation) Status(now time.Time) string {
	switch {
	case inv.AcceptedAt != nil:
		return "accepted"
	case inv.RevokedAt != nil:
		return "revoked"
	case !now.Before(inv.ExpiresAt):
		return "expired"
	}
	return "pending"
}

// PasswordReset lets whoever holds its link set the member's password,
// once, before ExpiresAt. Only the hash of the link's secret is stored.
type PasswordReset struct {
	Hash      []byte
	MemberID  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Bounds of a member's fields.
const (
	MaxEmailLength    = 254
	MaxMemberName     = 100
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// NormalizeEmail returns the address in the form members are stored
// under (trimmed, lower-case) and whether it is a plain address
// (name@domain, no display name).
func NormalizeEmail(email string) (string, bool) {
	e := strings.ToLower(strings.TrimSpace(email))
	if e == "" || len(e) > MaxEmailLength || HasControlChar(e) {
		return e, false
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return e, false
	}
	return e, true
}

// ValidateMember checks a new member's email, name and password, naming
// the fields at fault.
func ValidateMember(email, name, password string) error {
	var fe []FieldError
	if _, ok := NormalizeEmail(email); !ok {
		fe = append(fe, FieldError{Field: "email", Message: "must be an email address such as ada@example.com"})
	}
	if msg := CheckMemberName(name); msg != "" {
		fe = append(fe, FieldError{Field: "name", Message: msg})
	}
	if msg := CheckPassword(password); msg != "" {
		fe = append(fe, FieldError{Field: "password", Message: msg})
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// CheckMemberName says what is wrong with a member's name ("" if nothing).
func CheckMemberName(name string) string {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	switch {
	case !utf8.ValidString(name) || n == 0 || n > MaxMemberName:
		return "must be 1 to 100 characters"
	case HasControlChar(name):
		return "must not hold control characters"
	}
	return ""
}

// CheckPassword says what is wrong with a new password ("" if nothing):
// NIST SP 800-63B asks for a minimum length and no composition rules.
func CheckPassword(pw string) string {
	n := utf8.RuneCountInString(pw)
	if !utf8.ValidString(pw) || n < MinPasswordLength || n > MaxPasswordLength {
		return "must be 10 to 256 characters"
	}
	return ""
}

// PostAuthor is the author of a post that actor a writes, naming author:
// a member (an actor whose id is a member's) who names no one else (author
// empty, or its own name) is the author, by name and id; otherwise author
// stays free text (a token's post, or a member writing for a contributor
// who is not one).
func PostAuthor(a Actor, author string) (name, memberID string) {
	author = strings.TrimSpace(author)
	if !strings.HasPrefix(a.ID, PrefixMember+"_") || (author != "" && author != a.Name) {
		return author, ""
	}
	return a.Name, a.ID
}
