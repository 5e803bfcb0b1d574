package fntest

import (
	"net/url"
	"testing"
)

// GraphErr is the Graph API's error answer, as the Meta networks
// (Facebook, Instagram, Threads) write it.
type GraphErr struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    int    `json:"code"`
		Subcode int    `json:"error_subcode"`
		Trace   string `json:"fbtrace_id"`
	} `json:"error"`
}

// MetaCode runs a Meta authorization (Facebook, Instagram or Threads) at
// authorizeURL for user, with PKCE and any extra parameters, and returns
// the code.
func MetaCode(t testing.TB, authorizeURL, user string, extra url.Values) string {
	t.Helper()
	q := url.Values{"client_id": {"app-1"}, "redirect_uri": {Redirect}, "response_type": {"code"}, "state": {"s"},
		"code_challenge": {Challenge(Verifier)}, "code_challenge_method": {"S256"}, "fakenet_user": {user}}
	for k, v := range extra {
		q[k] = v
	}
	resp := Do(t, "GET", authorizeURL+"?"+q.Encode(), "", nil, nil, nil)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || err != nil || loc.Query().Get("state") != "s" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}
