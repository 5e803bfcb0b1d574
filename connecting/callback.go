package connecting

import (
	"context"
	"crypto/sha256"
	"errors"
	"regexp"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Callback is what the network sends the browser back with.
type Callback struct {
	Network string
	State   string
	Code    string
	// Error is the network's error parameter (RFC 6749 §4.1.2.1), if any.
	Error string
}

// oauthErrorCode matches the error codes of RFC 6749 §4.1.2.1, the only
// provider text echoed back.
var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// Finish finishes an authorization: the state is consumed (single use),
// the code exchanged with the PKCE verifier, the account identified and
// saved, and its held targets released and enqueued. The caller has
// checked the binding first. It answers the account without its token.
// Errors: ENOTFOUND (no such network), EBADREQUEST (the network refused,
// or the state is unknown, expired, used or of another network),
// *NetworkError.
func (s *Service) Finish(ctx context.Context, cb Callback) (*rythme.Account, error) {
	conn, err := s.Connectors.Get(cb.Network)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.netCtx(ctx)
	defer cancel()
	var st *rythme.OAuthState
	if cb.State != "" {
		hash := sha256.Sum256([]byte(cb.State))
		st, err = s.Store.ConsumeOAuthState(ctx, hash[:], s.now())
		if rythme.ErrorCode(err) == rythme.ENOTFOUND {
			st, err = nil, nil
		} else if err != nil {
			return nil, wrap("consume oauth state", err)
		}
	}
	if cb.Error != "" {
		return nil, refused(cb.Error)
	}
	if st == nil || st.Network != cb.Network {
		return nil, errBadState
	}
	if cb.Code == "" {
		return nil, rythme.Errorf(rythme.EBADREQUEST, "the network sent no authorization code: start connecting the account again")
	}
	params := connectors.ConnectParams(st.Params)
	oc, err := conn.OAuth2Config(ctx, params, st.RedirectURI, s.Store)
	if err != nil {
		return nil, &NetworkError{Step: "oauth2 config", Err: err}
	}
	tok, err := exchange(ctx, conn, oc, cb.Code, st.Verifier)
	if err != nil {
		return nil, err
	}
	client := connectors.AuthorizedClient(s.HTTPClient, oauth2.StaticTokenSource(tok))
	id, err := conn.Identify(ctx, params, client)
	if err != nil {
		return nil, &NetworkError{Step: "identify", Err: err}
	}
	return s.connected(ctx, st.WorkspaceID, cb.Network, params, id, connectors.FromOAuth2(tok))
}

// refused is the answer to a callback carrying the network's error.
func refused(code string) error {
	switch {
	case code == "access_denied":
		return rythme.Errorf(rythme.EBADREQUEST, "the authorization was refused at the network (access_denied): no account was connected")
	case oauthErrorCode.MatchString(code):
		return rythme.Errorf(rythme.EBADREQUEST, "the network did not authorize the connection (%s): no account was connected", code)
	}
	return rythme.Errorf(rythme.EBADREQUEST, "the network did not authorize the connection: no account was connected")
}

// exchange trades the code for a token, with the connector's own exchange
// where it has one. A code the network refuses is EBADREQUEST; a token
// endpoint that cannot be reached is a *NetworkError of step "exchange".
func exchange(ctx context.Context, conn connectors.Connector, oc *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	var tok *oauth2.Token
	var err error
	if ex, ok := conn.(connectors.Exchanger); ok {
		tok, err = ex.Exchange(ctx, oc, code, verifier)
	} else {
		tok, err = oc.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	}
	if err == nil {
		return tok, nil
	}
	if _, ok := connectors.AsError(err); ok {
		return nil, &NetworkError{Step: "exchange", Err: err}
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && (re.Response == nil || re.Response.StatusCode < 500) {
		return nil, &rythme.Error{Code: rythme.EBADREQUEST, Err: err,
			Message: "the network refused the authorization code (it may have expired): start connecting the account again"}
	}
	return nil, &NetworkError{Step: "exchange", Err: err}
}
