package rythme

import "time"

// AccountStatus says whether rythme can publish to an account.
type AccountStatus string

const (
	AccountConnected      AccountStatus = "connected"
	AccountNeedsReconnect AccountStatus = "needs_reconnect" // the token was refused and could not be refreshed
	AccountDisconnected   AccountStatus = "disconnected"    // removed by a person; tokens wiped
)

// Token is an account's OAuth credentials. It is encrypted at rest, never
// logged and never returned by the API.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitempty"`
	Scope        string    `json:"scope,omitempty"`
}

// Account is one network account (a Mastodon user on an instance, a
// LinkedIn page…) connected to a workspace.
type Account struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id"`
	Network     string `json:"network"`
	// InstanceURL is the base URL of the network's API for this account
	// (the Mastodon instance; the network's default elsewhere).
	InstanceURL  string        `json:"instance_url"`
	ExternalID   string        `json:"external_id"`
	Username     string        `json:"username"`
	DisplayName  string        `json:"display_name,omitempty"`
	ProfileURL   string        `json:"profile_url,omitempty"`
	Status       AccountStatus `json:"status"`
	StatusReason string        `json:"status_reason,omitempty"`
	// Meta holds what a connector learned at connect time (for example
	// whether the server honours idempotency keys). Never secrets.
	Meta map[string]string `json:"meta,omitempty"`
	// Schedule is the account's posting slots and cadence goal (nil: none).
	Schedule *PostingSchedule `json:"schedule,omitempty"`
	Token    Token            `json:"-"`
	// How engagement reads fare (the metrics poller): the last successful
	// read, and the last error since, when it happened and how many reads
	// in a row failed (all cleared by the next success).
	LastMetricsAt      *time.Time `json:"last_metrics_at,omitempty"`
	LastMetricsError   string     `json:"last_metrics_error,omitempty"`
	LastMetricsErrorAt *time.Time `json:"last_metrics_error_at,omitempty"`
	MetricsFailures    int        `json:"metrics_failures,omitempty"`
	// History is how the import of the account's earlier posts fares
	// (nil: never asked).
	History   *HistoryImport `json:"history,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// OAuthApp is a client registration at a network (or at one instance of a
// federated network such as Mastodon, where apps are registered per
// instance). The secret is encrypted at rest.
type OAuthApp struct {
	Network      string
	InstanceURL  string
	RedirectURI  string
	ClientID     string
	ClientSecret string
	CreatedAt    time.Time
}

// OAuthState is a pending authorization: single-use, bound to the workspace
// that started it and to its PKCE verifier, and short-lived.
type OAuthState struct {
	StateHash   []byte
	WorkspaceID string
	Network     string
	Params      map[string]string // what the network needed to connect (instance_url…)
	Verifier    string            // PKCE code verifier, encrypted at rest
	RedirectURI string
	// BindingHash is the SHA-256 of the nonce given to the browser (a
	// cookie) or API client that started the authorization; the callback
	// must present it. Nil for states made before the binding existed.
	BindingHash []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}
