package rythme

import (
	"crypto/sha256"
	"time"
)

// Workspace is a team's space: its accounts, posts and tokens. Data of one
// workspace is never visible from another.
type Workspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// ApprovalRequired: posts of editors wait for a manager's approval
	// before they are scheduled.
	ApprovalRequired bool      `json:"approval_required"`
	CreatedAt        time.Time `json:"created_at"`
}

// Role of an API token, from most to least powerful.
type Role string

const (
	RoleAdmin   Role = "admin"   // everything, including tokens and accounts
	RoleManager Role = "manager" // plans, approves and publishes; connects accounts
	RoleEditor  Role = "editor"  // writes and schedules posts
	RoleViewer  Role = "viewer"  // reads
)

var roleRank = map[Role]int{RoleViewer: 1, RoleEditor: 2, RoleManager: 3, RoleAdmin: 4}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// AtLeast reports whether r has every right of min.
func (r Role) AtLeast(min Role) bool { return roleRank[r] >= roleRank[min] && r.Valid() }

// NeedsApproval reports whether what someone of role writes in ws waits
// for a manager: where the workspace asks for approval, everyone below
// manager.
func (ws *Workspace) NeedsApproval(role Role) bool {
	return ws.ApprovalRequired && !role.AtLeast(RoleManager)
}

// APIToken is a bearer token of a workspace. Only the SHA-256 hash of the
// secret is stored; the secret is shown once, when the token is made.
type APIToken struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"workspace_id"`
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	Hash        []byte     `json:"-"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// TokenSecretPrefix starts every API token secret, so that a leaked one is
// easy to recognise by secret scanners.
const TokenSecretPrefix = "rym_"

// HashToken returns the hash under which a token secret is stored.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// PrefixFeed starts calendar feed token ids.
const PrefixFeed = "fdt"

// FeedToken gives read-only access to a workspace's calendar feed (.ics),
// for calendar applications that cannot send an Authorization header. The
// secret is in the feed's URL; only its hash is stored; it can be revoked.
type FeedToken struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"workspace_id"`
	Name        string     `json:"name"`
	Hash        []byte     `json:"-"`
	CreatedAt   time.Time  `json:"created_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}
