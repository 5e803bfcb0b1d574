package fakenet_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
)

type graphErr struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    int    `json:"code"`
		Subcode int    `json:"error_subcode"`
		Trace   string `json:"fbtrace_id"`
	} `json:"error"`
}

// metaCode runs a Meta authorization for user and returns the code.
func metaCode(t *testing.T, authorizeURL, user string, extra url.Values) string {
	t.Helper()
	q := url.Values{"client_id": {"app-1"}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"s"},
		"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}, "fakenet_user": {user}}
	for k, v := range extra {
		q[k] = v
	}
	resp := do(t, "GET", authorizeURL+"?"+q.Encode(), "", nil, nil, nil)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || err != nil || loc.Query().Get("state") != "s" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

func TestFacebookLoginPagesAndFeed(t *testing.T) {
	t.Parallel()
	e := start(t, fakenet.Config{})
	fb := e.http.URL + "/facebook"
	code := metaCode(t, fb+"/www/v25.0/dialog/oauth", "dana", nil)
	tokURL := fb + "/graph/v25.0/oauth/access_token"
	var ge graphErr
	q := url.Values{"client_id": {"app-1"}, "client_secret": {"s"}, "redirect_uri": {redirect}, "code": {code}, "code_verifier": {verifier + "x"}}
	if resp := do(t, "GET", tokURL+"?"+q.Encode(), "", nil, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 100 || ge.Error.Trace == "" {
		t.Fatalf("wrong verifier: %d %+v", resp.StatusCode, ge)
	}
	code = metaCode(t, fb+"/www/v25.0/dialog/oauth", "dana", nil)
	q.Set("code", code)
	q.Set("code_verifier", verifier)
	var short struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if resp := do(t, "GET", tokURL+"?"+q.Encode(), "", nil, nil, &short); resp.StatusCode != 200 || short.ExpiresIn != 3600 || !strings.HasPrefix(short.AccessToken, "EAA") {
		t.Fatalf("short-lived: %d %+v", resp.StatusCode, short)
	}
	var long struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	q = url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {"app-1"}, "client_secret": {"s"}, "fb_exchange_token": {short.AccessToken}}
	if resp := do(t, "GET", tokURL+"?"+q.Encode(), "", nil, nil, &long); resp.StatusCode != 200 || long.ExpiresIn != 60*24*3600 {
		t.Fatalf("long-lived: %d %+v", resp.StatusCode, long)
	}
	var raw struct {
		Data []map[string]any `json:"data"`
	}
	resp := do(t, "GET", fb+"/graph/v25.0/me/accounts", long.AccessToken, nil, nil, &raw)
	if resp.StatusCode != 200 || len(raw.Data) != 2 || raw.Data[0]["name"] != "Dana's Page" {
		t.Fatalf("accounts: %d %+v", resp.StatusCode, raw)
	}
	if resp.Header.Get("X-App-Usage") == "" {
		t.Error("user-token calls carry X-App-Usage")
	}
	page, pageTok := raw.Data[0]["id"].(string), raw.Data[0]["access_token"].(string)
	var post struct{ ID string }
	resp = do(t, "POST", fb+"/graph/v25.0/"+page+"/feed", pageTok, url.Values{"message": {"hello"}, "link": {"https://example.com"}}, nil, &post)
	if resp.StatusCode != 200 || !strings.HasPrefix(post.ID, page+"_") || resp.Header.Get("X-Business-Use-Case-Usage") == "" {
		t.Fatalf("feed: %d %+v %v", resp.StatusCode, post, resp.Header)
	}
	// Another Page's feed is refused; a user token is not a Page token.
	if resp := do(t, "POST", fb+"/graph/v25.0/"+raw.Data[1]["id"].(string)+"/feed", pageTok, url.Values{"message": {"x"}}, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 200 {
		t.Errorf("other Page: %d %+v", resp.StatusCode, ge)
	}
	if resp := do(t, "POST", fb+"/graph/v25.0/"+page+"/feed", long.AccessToken, url.Values{"message": {"x"}}, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 190 {
		t.Errorf("user token on the feed: %d %+v", resp.StatusCode, ge)
	}
	// Reads: deprecated metrics refused, a deleted post is 100/33, ?ids=
	// refuses the whole read.
	e.clock.Advance(time.Hour)
	var ins struct {
		Data []struct {
			Name   string
			Values []struct{ Value int64 }
		}
	}
	if resp := do(t, "GET", fb+"/graph/v25.0/"+post.ID+"/insights?metric=post_media_view,post_total_media_view_unique", pageTok, nil, nil, &ins); resp.StatusCode != 200 || len(ins.Data) != 2 || ins.Data[0].Values[0].Value < ins.Data[1].Values[0].Value {
		t.Errorf("insights: %d %+v", resp.StatusCode, ins)
	}
	if resp := do(t, "GET", fb+"/graph/v25.0/"+post.ID+"/insights?metric=post_impressions", pageTok, nil, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 100 {
		t.Errorf("deprecated metric: %d %+v", resp.StatusCode, ge)
	}
	if !e.srv.DeletePost("facebook", post.ID) {
		t.Fatal("DeletePost")
	}
	if resp := do(t, "GET", fb+"/graph/v25.0/"+post.ID+"?fields=message", pageTok, nil, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 100 || ge.Error.Subcode != 33 {
		t.Errorf("deleted post: %d %+v", resp.StatusCode, ge)
	}
	if resp := do(t, "GET", fb+"/graph/v25.0/?ids="+post.ID+"&fields=shares", pageTok, nil, nil, &ge); resp.StatusCode != 400 || !strings.Contains(ge.Error.Message, "do not exist") {
		t.Errorf("ids with a deleted post: %d %+v", resp.StatusCode, ge)
	}
	// Revoked: code 190.
	if err := e.srv.InjectFault(fakenet.Fault{Network: "facebook", Kind: fakenet.FaultRevoke, User: "dana"}); err != nil {
		t.Fatal(err)
	}
	if resp := do(t, "GET", fb+"/graph/v25.0/me", pageTok, nil, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 190 {
		t.Errorf("revoked: %d %+v", resp.StatusCode, ge)
	}
}

func TestInstagramLoginAndContainers(t *testing.T) {
	t.Parallel()
	e := start(t, fakenet.Config{})
	ig := e.http.URL + "/instagram"
	code := metaCode(t, ig+"/www/oauth/authorize", "erin", nil)
	var bad map[string]any
	form := url.Values{"client_id": {"app-1"}, "client_secret": {"s"}, "grant_type": {"authorization_code"}, "redirect_uri": {redirect},
		"code": {"nope"}, "code_verifier": {verifier}}
	if resp := do(t, "POST", ig+"/api/oauth/access_token", "", form, nil, &bad); resp.StatusCode != 400 || bad["error_type"] != "OAuthException" || bad["error_message"] == "" {
		t.Fatalf("bad code: %d %v", resp.StatusCode, bad)
	}
	form.Set("code", code)
	var short struct {
		Data []struct {
			AccessToken string `json:"access_token"`
			UserID      string `json:"user_id"`
		}
	}
	if resp := do(t, "POST", ig+"/api/oauth/access_token", "", form, nil, &short); resp.StatusCode != 200 || len(short.Data) != 1 {
		t.Fatalf("code exchange: %d %+v", resp.StatusCode, short)
	}
	tok, user := short.Data[0].AccessToken, short.Data[0].UserID
	var long struct {
		AccessToken string `json:"access_token"`
	}
	q := url.Values{"grant_type": {"ig_exchange_token"}, "client_secret": {"s"}, "access_token": {tok}}
	if resp := do(t, "GET", ig+"/graph/access_token?"+q.Encode(), "", nil, nil, &long); resp.StatusCode != 200 || long.AccessToken == "" {
		t.Fatalf("long-lived: %d", resp.StatusCode)
	}
	q = url.Values{"grant_type": {"ig_refresh_token"}, "access_token": {long.AccessToken}}
	var ge graphErr
	if resp := do(t, "GET", ig+"/graph/refresh_access_token?"+q.Encode(), "", nil, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 190 {
		t.Errorf("renewal of a token less than a day old: %d %+v", resp.StatusCode, ge)
	}
	g := ig + "/graph/v25.0/" + user
	// Refusals are recorded with Instagram's words.
	long31 := strings.Repeat("#tag ", 31)
	if resp := do(t, "POST", g+"/media", long.AccessToken, url.Values{"image_url": {"https://cdn.example.com/a.jpg"}, "caption": {long31}}, nil, &ge); resp.StatusCode != 400 || !strings.Contains(ge.Error.Message, "hashtags") {
		t.Errorf("31 hashtags: %d %+v", resp.StatusCode, ge)
	}
	if resp := do(t, "POST", g+"/media", long.AccessToken, url.Values{"media_type": {"VIDEO"}, "video_url": {"https://cdn.example.com/a.mp4"}}, nil, &ge); resp.StatusCode != 400 {
		t.Errorf("VIDEO media type: %d", resp.StatusCode)
	}
	var c struct{ ID string }
	do(t, "POST", g+"/media", long.AccessToken, url.Values{"media_type": {"REELS"}, "video_url": {"https://cdn.example.com/a.mp4"}, "caption": {"reel"}}, nil, &c)
	var st struct {
		StatusCode string `json:"status_code"`
	}
	do(t, "GET", ig+"/graph/v25.0/"+c.ID+"?fields=status_code", long.AccessToken, nil, nil, &st)
	if st.StatusCode != "IN_PROGRESS" {
		t.Errorf("a new reel container is %q", st.StatusCode)
	}
	if resp := do(t, "POST", g+"/media_publish", long.AccessToken, url.Values{"creation_id": {c.ID}}, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 9007 {
		t.Errorf("publish while in progress: %d %+v", resp.StatusCode, ge)
	}
	e.clock.Advance(6 * time.Second)
	var media struct{ ID string }
	if resp := do(t, "POST", g+"/media_publish", long.AccessToken, url.Values{"creation_id": {c.ID}}, nil, &media); resp.StatusCode != 200 || media.ID == "" {
		t.Fatalf("publish: %d", resp.StatusCode)
	}
	var lim struct {
		Data []struct {
			QuotaUsage int `json:"quota_usage"`
			Config     struct {
				QuotaTotal int `json:"quota_total"`
			}
		}
	}
	do(t, "GET", g+"/content_publishing_limit?fields=quota_usage,config", long.AccessToken, nil, nil, &lim)
	if len(lim.Data) != 1 || lim.Data[0].QuotaUsage != 1 || lim.Data[0].Config.QuotaTotal != 50 {
		t.Errorf("publishing limit %+v", lim)
	}
	posts := e.srv.Posts()
	if len(posts) != 4 || !posts[3].Created || posts[3].Text != "reel" || posts[0].Error == "" {
		t.Errorf("recorded %+v", posts)
	}
}

func TestThreadsContainersAndLength(t *testing.T) {
	t.Parallel()
	e := start(t, fakenet.Config{})
	th := e.http.URL + "/threads"
	code := metaCode(t, th+"/www/oauth/authorize", "finn", nil)
	var short struct {
		AccessToken string `json:"access_token"`
		UserID      string `json:"user_id"`
	}
	form := url.Values{"client_id": {"app-1"}, "client_secret": {"s"}, "grant_type": {"authorization_code"}, "redirect_uri": {redirect},
		"code": {code}, "code_verifier": {verifier}}
	if resp := do(t, "POST", th+"/graph/oauth/access_token", "", form, nil, &short); resp.StatusCode != 200 || short.UserID == "" {
		t.Fatalf("code exchange: %d %+v", resp.StatusCode, short)
	}
	g := th + "/graph/v1.0/" + short.UserID
	var ge graphErr
	// 125 emojis of 4 bytes count 500; one more is too long.
	for n, want := range map[int]int{125: 200, 126: 400} {
		resp := do(t, "POST", g+"/threads", short.AccessToken, url.Values{"media_type": {"TEXT"}, "text": {strings.Repeat("🙂", n)}}, nil, &ge)
		if resp.StatusCode != want {
			t.Errorf("%d emojis: %d, want %d", n, resp.StatusCode, want)
		}
	}
	var c, root struct{ ID string }
	do(t, "POST", g+"/threads", short.AccessToken, url.Values{"media_type": {"TEXT"}, "text": {"root"}}, nil, &c)
	do(t, "POST", g+"/threads_publish", short.AccessToken, url.Values{"creation_id": {c.ID}}, nil, &root)
	do(t, "POST", g+"/threads", short.AccessToken, url.Values{"media_type": {"TEXT"}, "text": {"reply"}, "reply_to_id": {root.ID}}, nil, &c)
	var st map[string]string
	do(t, "GET", th+"/graph/v1.0/"+c.ID+"?fields=status", short.AccessToken, nil, nil, &st)
	if st["status"] != "FINISHED" {
		t.Errorf("text container %v", st)
	}
	if resp := do(t, "POST", g+"/threads", short.AccessToken, url.Values{"media_type": {"TEXT"}, "text": {"x"}, "reply_to_id": {"999"}}, nil, &ge); resp.StatusCode != 400 || ge.Error.Subcode != 33 {
		t.Errorf("reply to nothing: %d %+v", resp.StatusCode, ge)
	}
	var ins struct{ Data []json.RawMessage }
	if resp := do(t, "GET", th+"/graph/v1.0/"+root.ID+"/insights?metric=views,likes,replies,reposts,quotes,shares", short.AccessToken, nil, nil, &ins); resp.StatusCode != 200 || len(ins.Data) != 6 {
		t.Errorf("insights: %d %d", resp.StatusCode, len(ins.Data))
	}
	if resp := do(t, "GET", fmt.Sprintf("%s/graph/v1.0/%s/insights?metric=impressions", th, root.ID), short.AccessToken, nil, nil, &ge); resp.StatusCode != 400 {
		t.Errorf("unknown metric: %d", resp.StatusCode)
	}
}
