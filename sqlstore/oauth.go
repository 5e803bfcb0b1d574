package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/rythmehq/rythme"
)

// GetOAuthApp returns the client registration for (network, instance,
// redirect URI), its secret unsealed; ENOTFOUND if none.
func (s *Store) GetOAuthApp(ctx context.Context, network, instanceURL, redirectURI string) (*rythme.OAuthApp, error) {
	app := &rythme.OAuthApp{}
	var secret []byte
	err := s.r.QueryRowContext(ctx, `SELECT network, instance_url, redirect_uri, client_id, client_secret, created_at
		FROM oauth_apps WHERE network = $1 AND instance_url = $2 AND redirect_uri = $3`,
		network, instanceURL, redirectURI).
		Scan(&app.Network, &app.InstanceURL, &app.RedirectURI, &app.ClientID, &secret, timeCol{&app.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "no OAuth app registered for %s at %s", network, instanceURL)
	}
	if err != nil {
		return nil, s.fail("get oauth app", err)
	}
	pt, err := s.unseal("client secret", secret, place("oauth_apps", "client_secret", network, instanceURL, redirectURI))
	if err != nil {
		// Unopenable (a dropped key): register the app again.
		s.log.Warn("sqlstore: an OAuth app's client secret cannot be opened; it will be registered again",
			slog.String("network", network), slog.String("error", err.Error()))
		return nil, rythme.Errorf(rythme.ENOTFOUND, "no usable OAuth app registered for %s at %s", network, instanceURL)
	}
	app.ClientSecret = string(pt)
	return app, nil
}

// SaveOAuthApp inserts or replaces the registration; the client secret is
// sealed. CreatedAt defaults to now.
func (s *Store) SaveOAuthApp(ctx context.Context, app *rythme.OAuthApp) error {
	if app.CreatedAt.IsZero() {
		app.CreatedAt = time.Now()
	}
	app.CreatedAt = norm(app.CreatedAt)
	secret, err := s.seal("client secret", []byte(app.ClientSecret),
		place("oauth_apps", "client_secret", app.Network, app.InstanceURL, app.RedirectURI))
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO oauth_apps
		(network, instance_url, redirect_uri, client_id, client_secret, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (network, instance_url, redirect_uri) DO UPDATE SET
		client_id = excluded.client_id, client_secret = excluded.client_secret, created_at = excluded.created_at`,
		app.Network, app.InstanceURL, app.RedirectURI, app.ClientID, secret, s.ts(app.CreatedAt))
	return s.fail("save oauth app", err)
}

// CreateOAuthState inserts a pending authorization; the verifier is
// sealed. CreatedAt defaults to now.
func (s *Store) CreateOAuthState(ctx context.Context, st *rythme.OAuthState) error {
	if st.CreatedAt.IsZero() {
		st.CreatedAt = time.Now()
	}
	st.CreatedAt, st.ExpiresAt = norm(st.CreatedAt), norm(st.ExpiresAt)
	verifier, err := s.seal("verifier", []byte(st.Verifier), place("oauth_states", "verifier", hex.EncodeToString(st.StateHash)))
	if err != nil {
		return err
	}
	params, err := mapText(st.Params)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO oauth_states
		(state_hash, workspace_id, network, params, verifier, redirect_uri, created_at, expires_at, binding_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		st.StateHash, st.WorkspaceID, st.Network, params, verifier, st.RedirectURI,
		s.ts(st.CreatedAt), s.ts(st.ExpiresAt), st.BindingHash)
	return s.fail("create oauth state", err)
}

// ConsumeOAuthState deletes the state and returns it: single use, so of
// concurrent callers exactly one gets it. A state past ExpiresAt is
// deleted too and answers ENOTFOUND.
func (s *Store) ConsumeOAuthState(ctx context.Context, stateHash []byte, now time.Time) (*rythme.OAuthState, error) {
	st := &rythme.OAuthState{}
	var params string
	var verifier []byte
	err := s.w.QueryRowContext(ctx, `DELETE FROM oauth_states WHERE state_hash = $1
		RETURNING state_hash, workspace_id, network, params, verifier, redirect_uri, created_at, expires_at, binding_hash`,
		stateHash).
		Scan(&st.StateHash, &st.WorkspaceID, &st.Network, &params, &verifier, &st.RedirectURI,
			timeCol{&st.CreatedAt}, timeCol{&st.ExpiresAt}, &st.BindingHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "authorization state not found or already used")
	}
	if err != nil {
		return nil, s.fail("consume oauth state", err)
	}
	if !now.Before(st.ExpiresAt) {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "authorization state expired")
	}
	if st.Params, err = parseMap(params); err != nil {
		return nil, err
	}
	pt, err := s.unseal("verifier", verifier, place("oauth_states", "verifier", hex.EncodeToString(st.StateHash)))
	if err != nil {
		s.log.Warn("sqlstore: an OAuth state's verifier cannot be opened", slog.String("error", err.Error()))
		return nil, rythme.Errorf(rythme.ENOTFOUND, "authorization state cannot be used: start connecting again")
	}
	st.Verifier = string(pt)
	return st, nil
}

// OAuthStateByHash returns the state without consuming it, its verifier
// left out; ENOTFOUND if none or expired at now.
func (s *Store) OAuthStateByHash(ctx context.Context, stateHash []byte, now time.Time) (*rythme.OAuthState, error) {
	st := &rythme.OAuthState{}
	var params string
	err := s.r.QueryRowContext(ctx, `SELECT state_hash, workspace_id, network, params, redirect_uri, created_at, expires_at, binding_hash
		FROM oauth_states WHERE state_hash = $1`, stateHash).
		Scan(&st.StateHash, &st.WorkspaceID, &st.Network, &params, &st.RedirectURI,
			timeCol{&st.CreatedAt}, timeCol{&st.ExpiresAt}, &st.BindingHash)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !now.Before(st.ExpiresAt)) {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "authorization state not found, expired or already used")
	}
	if err != nil {
		return nil, s.fail("oauth state by hash", err)
	}
	if st.Params, err = parseMap(params); err != nil {
		return nil, err
	}
	return st, nil
}

// PurgeOAuthStates deletes the states expired at now and returns how many.
func (s *Store) PurgeOAuthStates(ctx context.Context, now time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM oauth_states WHERE expires_at <= $1`, s.ts(now))
	if err != nil {
		return 0, s.fail("purge oauth states", err)
	}
	n, err := res.RowsAffected()
	return int(n), s.fail("purge oauth states", err)
}

// OpenOAuthStates counts the workspace's states not expired at now.
func (s *Store) OpenOAuthStates(ctx context.Context, workspaceID string, now time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM oauth_states WHERE workspace_id = $1 AND expires_at > $2`,
		workspaceID, s.ts(now)).Scan(&n)
	return n, s.fail("open oauth states", err)
}
