package x

import (
	"context"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// The connect parameters of a bot account: the "Keys and tokens" of an X
// app for the account that owns it (API Key and Secret, Access Token and
// Secret; https://docs.x.com/fundamentals/authentication/oauth-1-0a/overview).
const (
	ParamConsumerKey       = "consumer_key"
	ParamConsumerSecret    = "consumer_secret"
	ParamAccessToken       = "access_token"
	ParamAccessTokenSecret = "access_token_secret"
)

// keyParams are the direct connect parameters, in the order they are
// reported.
var keyParams = []string{ParamConsumerKey, ParamConsumerSecret, ParamAccessToken, ParamAccessTokenSecret}

// keyHints say where each key is on the developer portal.
var keyHints = map[string]string{
	ParamConsumerKey:       "the app's API Key (Keys and tokens › Consumer Keys)",
	ParamConsumerSecret:    "the app's API Key Secret (Keys and tokens › Consumer Keys)",
	ParamAccessToken:       "the Access Token (Keys and tokens › Authentication Tokens)",
	ParamAccessTokenSecret: "the Access Token Secret (Keys and tokens › Authentication Tokens)",
}

// AuthOAuth1 is Meta["auth"] of an account connected with OAuth 1.0a
// keys; OpenSession signs its requests. Accounts without it use OAuth 2.
const AuthOAuth1 = "oauth1"

var (
	_ connectors.DualConnector = (*Connector)(nil)
	_ connectors.SessionOpener = (*Connector)(nil)
)

// UseDirect reports whether p carries OAuth 1.0a keys: any of the four
// given means a bot account connecting with its keys (Connect then names
// the missing ones), none the OAuth 2.0 authorization flow.
func (c *Connector) UseDirect(p connectors.ConnectParams) bool {
	for _, k := range keyParams {
		if strings.TrimSpace(p[k]) != "" {
			return true
		}
	}
	return false
}

// Connect checks a bot account's OAuth 1.0a keys with X by reading the
// account (GET /2/users/me, signed), and returns it with the keys to keep:
// all four, as JSON in the token's AccessToken, sealed at rest like any
// token. The account's Meta["auth"] is "oauth1". EINVALID when a key is
// missing or malformed; a *connectors.Error of kind Auth when X refuses
// them.
func (c *Connector) Connect(ctx context.Context, p connectors.ConnectParams, base *http.Client) (*connectors.Identity, rythme.Token, error) {
	keys, err := keysFrom(p)
	if err != nil {
		return nil, rythme.Token{}, err
	}
	if base == nil {
		base = connectors.NewHTTPClient()
	}
	id, err := c.Identify(ctx, nil, OAuth1Client(base, keys))
	if err != nil {
		return nil, rythme.Token{}, err
	}
	id.Meta = map[string]string{"auth": AuthOAuth1}
	return id, rythme.Token{AccessToken: encodeKeys(keys), TokenType: AuthOAuth1}, nil
}

// keysFrom validates the four keys of p. Its errors name the fields,
// never their values.
func keysFrom(p connectors.ConnectParams) (OAuth1Keys, error) {
	var fields []rythme.FieldError
	get := func(name string) string {
		v := strings.TrimSpace(p[name])
		switch {
		case v == "":
			fields = append(fields, rythme.FieldError{Field: name, Message: "is required: " + keyHints[name]})
		case len(v) > 200 || strings.IndexFunc(v, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
			fields = append(fields, rythme.FieldError{Field: name, Message: "is not an X key: copy " + keyHints[name]})
		}
		return v
	}
	k := OAuth1Keys{ConsumerKey: get(ParamConsumerKey), ConsumerSecret: get(ParamConsumerSecret),
		AccessToken: get(ParamAccessToken), AccessTokenSecret: get(ParamAccessTokenSecret)}
	if fields != nil {
		return OAuth1Keys{}, rythme.Invalid(fields...)
	}
	return k, nil
}

// OpenSession returns acct's session: for an account connected with
// OAuth 1.0a keys (Meta["auth"] "oauth1"), a client signing every request
// with them (they never expire and cannot be refreshed: a 401 means they
// were revoked or regenerated, and the account must be connected again);
// for any other, the OAuth 2.0 session connectors.OpenSession builds,
// whose token source refreshes and saves rotated tokens.
func (c *Connector) OpenSession(ctx context.Context, acct *rythme.Account, base *http.Client, save func(context.Context, rythme.Token) error) (connectors.Session, error) {
	if base == nil {
		base = connectors.NewHTTPClient()
	}
	if acct.Meta["auth"] == AuthOAuth1 {
		keys, err := decodeKeys(acct.Token.AccessToken)
		if err != nil {
			return nil, &connectors.Error{Kind: connectors.Auth, Message: "connect the X account again: " + err.Error()}
		}
		return oauth1Session{client: OAuth1Client(base, keys)}, nil
	}
	// The redirect URI only matters to the authorization request and the
	// code exchange, never to a refresh.
	cfg, err := c.OAuth2Config(ctx, connectors.ConnectParams{"instance_url": acct.InstanceURL}, "", nil)
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, base)
	return connectors.NewOAuth2Session(connectors.NewTokenSource(ctx, cfg, acct.Token, save), base), nil
}

// oauth1Session is a bot account's session: static keys.
type oauth1Session struct{ client *http.Client }

func (s oauth1Session) Client() *http.Client { return s.client }

// Invalidate reports that OAuth 1.0a keys cannot be refreshed.
func (oauth1Session) Invalidate() bool { return false }

// Refresh has nothing to renew: the keys do not expire.
func (oauth1Session) Refresh(context.Context) error { return nil }

// Expiry is zero: the keys do not expire.
func (oauth1Session) Expiry() time.Time { return time.Time{} }
