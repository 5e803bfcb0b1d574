package facebook

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

// pageMarker carries the chosen Page from OAuth2Config to Exchange in the
// token URL's fragment, which no HTTP client sends: the API builds the
// config from the same connect parameters before it exchanges the code.
const pageMarker = "#page_id="

// OAuth2Config returns Facebook Login's endpoints
// (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow):
// the dialog www.facebook.com/{version}/dialog/oauth and the token endpoint
// graph.facebook.com/{version}/oauth/access_token, client credentials as
// parameters. p may name a Page ("page_id", digits); other parameters are
// ignored (the session opener passes "instance_url"). EINVALID for a
// malformed page_id or a missing client id.
func (c *Connector) OAuth2Config(_ context.Context, p connectors.ConnectParams, redirectURI string, _ connectors.Apps) (*oauth2.Config, error) {
	if c.cfg.ClientID == "" {
		return nil, rythme.Errorf(rythme.EINVALID, "facebook: no app id configured")
	}
	token := c.graph() + "/oauth/access_token"
	if id := strings.TrimSpace(p[ParamPageID]); id != "" {
		if strings.Trim(id, "0123456789") != "" || len(id) > 32 {
			return nil, rythme.Invalid(rythme.FieldError{Field: ParamPageID, Message: "must be the numeric id of a Facebook Page"})
		}
		token += pageMarker + id
	}
	return &oauth2.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.cfg.DialogURL + "/" + c.cfg.Version + "/dialog/oauth",
			TokenURL:  token,
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURI,
		Scopes:      Scopes,
	}, nil
}

// account is an entry of GET /me/accounts.
type account struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	AccessToken string   `json:"access_token"`
	Tasks       []string `json:"tasks"`
}

// Exchange trades the code for the Page token rythme keeps, in three
// documented steps: the code for a short-lived user token
// (GET /oauth/access_token with client_id, client_secret, redirect_uri,
// code and the PKCE code_verifier); that for a long-lived user token
// (grant_type=fb_exchange_token,
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived);
// then GET /me/accounts, whose Page tokens do not expire when asked with a
// long-lived user token
// (https://developers.facebook.com/docs/pages-api/getting-started). The
// Page is the one of the connect parameter page_id, else the first the
// person can create content on. A refusal is a *connectors.Error of kind
// Permanent with Meta's message.
func (c *Connector) Exchange(ctx context.Context, cfg *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	tokenURL, pageID, _ := strings.Cut(cfg.Endpoint.TokenURL, pageMarker)
	client := meta.HTTPClient(ctx, c.cfg.HTTPClient)
	q := url.Values{"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}, "redirect_uri": {cfg.RedirectURL}, "code": {code}}
	if verifier != "" {
		q.Set("code_verifier", verifier)
	}
	short, err := meta.TokenCall(ctx, client, tokenURL, q, false, c.cfg.Now())
	if err != nil {
		return nil, err
	}
	long, err := meta.TokenCall(ctx, client, tokenURL, url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {cfg.ClientID},
		"client_secret": {cfg.ClientSecret}, "fb_exchange_token": {short.AccessToken}}, false, c.cfg.Now())
	if err != nil {
		return nil, err
	}
	var accts struct {
		Data []account `json:"data"`
	}
	req, err := meta.NewRequest(ctx, http.MethodGet, c.graph()+"/me/accounts?fields=id,name,access_token,tasks&limit=100", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+long.AccessToken)
	if err := meta.Call(client, req, c.cfg.Now, &accts); err != nil {
		return nil, err
	}
	page, err := choosePage(accts.Data, pageID)
	if err != nil {
		return nil, err
	}
	tok := &oauth2.Token{AccessToken: page.AccessToken, TokenType: "Bearer"}
	return tok.WithExtra(map[string]any{"page_id": page.ID, "scope": strings.Join(cfg.Scopes, ",")}), nil
}

// choosePage picks the Page to connect: id when given, else the first on
// which the person can create content.
func choosePage(pages []account, id string) (*account, error) {
	for i, p := range pages {
		if p.AccessToken == "" {
			continue
		}
		if id != "" && p.ID == id {
			return &pages[i], nil
		}
		if id == "" && (len(p.Tasks) == 0 || slices.Contains(p.Tasks, "CREATE_CONTENT")) {
			return &pages[i], nil
		}
	}
	if id != "" {
		return nil, connectors.Errorf(connectors.Permanent, "the Page %s was not granted to rythme, or you cannot create content on it: connect again and select it", id)
	}
	return nil, connectors.Errorf(connectors.Permanent, "no Facebook Page on which you can create content was granted to rythme: connect again and select a Page")
}
