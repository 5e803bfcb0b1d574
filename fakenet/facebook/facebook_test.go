package facebook_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

func TestFacebookLoginPagesAndFeed(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	fb := e.HTTP.URL + "/facebook"
	code := fntest.MetaCode(t, fb+"/www/v25.0/dialog/oauth", "dana", nil)
	tokURL := fb + "/graph/v25.0/oauth/access_token"
	var ge fntest.GraphErr
	q := url.Values{"client_id": {"app-1"}, "client_secret": {"s"}, "redirect_uri": {fntest.Redirect}, "code": {code}, "code_verifier": {fntest.Verifier + "x"}}
	if resp := fntest.Do(t, "GET", tokURL+"?"+q.Encode(), "", nil, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 100 || ge.Error.Trace == "" {
		t.Fatalf("wrong verifier: %d %+v", resp.StatusCode, ge)
	}
	code = fntest.MetaCode(t, fb+"/www/v25.0/dialog/oauth", "dana", nil)
	q.Set("code", code)
	q.Set("code_verifier", fntest.Verifier)
	var short struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if resp := fntest.Do(t, "GET", tokURL+"?"+q.Encode(), "", nil, nil, &short); resp.StatusCode != 200 || short.ExpiresIn != 3600 || !strings.HasPrefix(short.AccessToken, "EAA") {
		t.Fatalf("short-lived: %d %+v", resp.StatusCode, short)
	}
	var long struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	q = url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {"app-1"}, "client_secret": {"s"}, "fb_exchange_token": {short.AccessToken}}
	if resp := fntest.Do(t, "GET", tokURL+"?"+q.Encode(), "", nil, nil, &long); resp.StatusCode != 200 || long.ExpiresIn != 60*24*3600 {
		t.Fatalf("long-lived: %d %+v", resp.StatusCode, long)
	}
	var raw struct {
		Data []map[string]any `json:"data"`
	}
	resp := fntest.Do(t, "GET", fb+"/graph/v25.0/me/accounts", long.AccessToken, nil, nil, &raw)
	if resp.StatusCode != 200 || len(raw.Data) != 2 || raw.Data[0]["name"] != "Dana's Page" {
		t.Fatalf("accounts: %d %+v", resp.StatusCode, raw)
	}
	if resp.Header.Get("X-App-Usage") == "" {
		t.Error("user-token calls carry X-App-Usage")
	}
	page, pageTok := raw.Data[0]["id"].(string), raw.Data[0]["access_token"].(string)
	var post struct{ ID string }
	resp = fntest.Do(t, "POST", fb+"/graph/v25.0/"+page+"/feed", pageTok, url.Values{"message": {"hello"}, "link": {"https://example.com"}}, nil, &post)
	if resp.StatusCode != 200 || !strings.HasPrefix(post.ID, page+"_") || resp.Header.Get("X-Business-Use-Case-Usage") == "" {
		t.Fatalf("feed: %d %+v %v", resp.StatusCode, post, resp.Header)
	}
	// Another Page's feed is refused; a user token is not a Page token.
	if resp := fntest.Do(t, "POST", fb+"/graph/v25.0/"+raw.Data[1]["id"].(string)+"/feed", pageTok, url.Values{"message": {"x"}}, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 200 {
		t.Errorf("other Page: %d %+v", resp.StatusCode, ge)
	}
	if resp := fntest.Do(t, "POST", fb+"/graph/v25.0/"+page+"/feed", long.AccessToken, url.Values{"message": {"x"}}, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 190 {
		t.Errorf("user token on the feed: %d %+v", resp.StatusCode, ge)
	}
	// Reads: deprecated metrics refused, a deleted post is 100/33, ?ids=
	// refuses the whole read.
	e.Clock.Advance(time.Hour)
	var ins struct {
		Data []struct {
			Name   string
			Values []struct{ Value int64 }
		}
	}
	if resp := fntest.Do(t, "GET", fb+"/graph/v25.0/"+post.ID+"/insights?metric=post_media_view,post_total_media_view_unique", pageTok, nil, nil, &ins); resp.StatusCode != 200 || len(ins.Data) != 2 || ins.Data[0].Values[0].Value < ins.Data[1].Values[0].Value {
		t.Errorf("insights: %d %+v", resp.StatusCode, ins)
	}
	if resp := fntest.Do(t, "GET", fb+"/graph/v25.0/"+post.ID+"/insights?metric=post_impressions", pageTok, nil, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 100 {
		t.Errorf("deprecated metric: %d %+v", resp.StatusCode, ge)
	}
	if !e.Srv.DeletePost("facebook", post.ID) {
		t.Fatal("DeletePost")
	}
	if resp := fntest.Do(t, "GET", fb+"/graph/v25.0/"+post.ID+"?fields=message", pageTok, nil, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 100 || ge.Error.Subcode != 33 {
		t.Errorf("deleted post: %d %+v", resp.StatusCode, ge)
	}
	if resp := fntest.Do(t, "GET", fb+"/graph/v25.0/?ids="+post.ID+"&fields=shares", pageTok, nil, nil, &ge); resp.StatusCode != 400 || !strings.Contains(ge.Error.Message, "do not exist") {
		t.Errorf("ids with a deleted post: %d %+v", resp.StatusCode, ge)
	}
	// Revoked: code 190.
	if err := e.Srv.InjectFault(fakenet.Fault{Network: "facebook", Kind: fakenet.FaultRevoke, User: "dana"}); err != nil {
		t.Fatal(err)
	}
	if resp := fntest.Do(t, "GET", fb+"/graph/v25.0/me", pageTok, nil, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 190 {
		t.Errorf("revoked: %d %+v", resp.StatusCode, ge)
	}
}
