package instagram_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

func TestInstagramLoginAndContainers(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	ig := e.HTTP.URL + "/instagram"
	code := fntest.MetaCode(t, ig+"/www/oauth/authorize", "erin", nil)
	var bad map[string]any
	form := url.Values{"client_id": {"app-1"}, "client_secret": {"s"}, "grant_type": {"authorization_code"}, "redirect_uri": {fntest.Redirect},
		"code": {"nope"}, "code_verifier": {fntest.Verifier}}
	if resp := fntest.Do(t, "POST", ig+"/api/oauth/access_token", "", form, nil, &bad); resp.StatusCode != 400 || bad["error_type"] != "OAuthException" || bad["error_message"] == "" {
		t.Fatalf("bad code: %d %v", resp.StatusCode, bad)
	}
	form.Set("code", code)
	var short struct {
		Data []struct {
			AccessToken string `json:"access_token"`
			UserID      string `json:"user_id"`
		}
	}
	if resp := fntest.Do(t, "POST", ig+"/api/oauth/access_token", "", form, nil, &short); resp.StatusCode != 200 || len(short.Data) != 1 {
		t.Fatalf("code exchange: %d %+v", resp.StatusCode, short)
	}
	tok, user := short.Data[0].AccessToken, short.Data[0].UserID
	var long struct {
		AccessToken string `json:"access_token"`
	}
	q := url.Values{"grant_type": {"ig_exchange_token"}, "client_secret": {"s"}, "access_token": {tok}}
	if resp := fntest.Do(t, "GET", ig+"/graph/access_token?"+q.Encode(), "", nil, nil, &long); resp.StatusCode != 200 || long.AccessToken == "" {
		t.Fatalf("long-lived: %d", resp.StatusCode)
	}
	q = url.Values{"grant_type": {"ig_refresh_token"}, "access_token": {long.AccessToken}}
	var ge fntest.GraphErr
	if resp := fntest.Do(t, "GET", ig+"/graph/refresh_access_token?"+q.Encode(), "", nil, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 190 {
		t.Errorf("renewal of a token less than a day old: %d %+v", resp.StatusCode, ge)
	}
	g := ig + "/graph/v25.0/" + user
	// Refusals are recorded with Instagram's words.
	long31 := strings.Repeat("#tag ", 31)
	if resp := fntest.Do(t, "POST", g+"/media", long.AccessToken, url.Values{"image_url": {"https://cdn.example.com/a.jpg"}, "caption": {long31}}, nil, &ge); resp.StatusCode != 400 || !strings.Contains(ge.Error.Message, "hashtags") {
		t.Errorf("31 hashtags: %d %+v", resp.StatusCode, ge)
	}
	if resp := fntest.Do(t, "POST", g+"/media", long.AccessToken, url.Values{"media_type": {"VIDEO"}, "video_url": {"https://cdn.example.com/a.mp4"}}, nil, &ge); resp.StatusCode != 400 {
		t.Errorf("VIDEO media type: %d", resp.StatusCode)
	}
	var c struct{ ID string }
	fntest.Do(t, "POST", g+"/media", long.AccessToken, url.Values{"media_type": {"REELS"}, "video_url": {"https://cdn.example.com/a.mp4"}, "caption": {"reel"}}, nil, &c)
	var st struct {
		StatusCode string `json:"status_code"`
	}
	fntest.Do(t, "GET", ig+"/graph/v25.0/"+c.ID+"?fields=status_code", long.AccessToken, nil, nil, &st)
	if st.StatusCode != "IN_PROGRESS" {
		t.Errorf("a new reel container is %q", st.StatusCode)
	}
	if resp := fntest.Do(t, "POST", g+"/media_publish", long.AccessToken, url.Values{"creation_id": {c.ID}}, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 9007 {
		t.Errorf("publish while in progress: %d %+v", resp.StatusCode, ge)
	}
	e.Clock.Advance(6 * time.Second)
	var media struct{ ID string }
	if resp := fntest.Do(t, "POST", g+"/media_publish", long.AccessToken, url.Values{"creation_id": {c.ID}}, nil, &media); resp.StatusCode != 200 || media.ID == "" {
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
	fntest.Do(t, "GET", g+"/content_publishing_limit?fields=quota_usage,config", long.AccessToken, nil, nil, &lim)
	if len(lim.Data) != 1 || lim.Data[0].QuotaUsage != 1 || lim.Data[0].Config.QuotaTotal != 50 {
		t.Errorf("publishing limit %+v", lim)
	}
	posts := e.Srv.Posts()
	if len(posts) != 4 || !posts[3].Created || posts[3].Text != "reel" || posts[0].Error == "" {
		t.Errorf("recorded %+v", posts)
	}
}

// TestInstagramPublishingQuota publishes the 50 posts a moving 24 hours
// allows; the 51st is refused with code 9 subcode 2207042 (and recorded),
// a published container cannot be published again, and a day later the
// quota is free.
func TestInstagramPublishingQuota(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{RateLimit: -1})
	ig := e.HTTP.URL + "/instagram"
	form := url.Values{"client_id": {"app-1"}, "client_secret": {"s"}, "grant_type": {"authorization_code"}, "redirect_uri": {fntest.Redirect},
		"code": {fntest.MetaCode(t, ig+"/www/oauth/authorize", "gail", nil)}, "code_verifier": {fntest.Verifier}}
	var short struct {
		Data []struct {
			AccessToken string `json:"access_token"`
			UserID      string `json:"user_id"`
		}
	}
	if resp := fntest.Do(t, "POST", ig+"/api/oauth/access_token", "", form, nil, &short); resp.StatusCode != 200 || len(short.Data) != 1 {
		t.Fatalf("code exchange: %d %+v", resp.StatusCode, short)
	}
	var long struct {
		AccessToken string `json:"access_token"`
	}
	q := url.Values{"grant_type": {"ig_exchange_token"}, "client_secret": {"s"}, "access_token": {short.Data[0].AccessToken}}
	if resp := fntest.Do(t, "GET", ig+"/graph/access_token?"+q.Encode(), "", nil, nil, &long); resp.StatusCode != 200 {
		t.Fatalf("long-lived: %d", resp.StatusCode)
	}
	tok, g := long.AccessToken, ig+"/graph/v25.0/"+short.Data[0].UserID
	publish := func(caption string, out any) (int, string) {
		var c struct{ ID string }
		if resp := fntest.Do(t, "POST", g+"/media", tok, url.Values{"image_url": {"https://cdn.example.com/a.jpg"}, "caption": {caption}}, nil, &c); resp.StatusCode != 200 {
			t.Fatalf("container: %d", resp.StatusCode)
		}
		return fntest.Do(t, "POST", g+"/media_publish", tok, url.Values{"creation_id": {c.ID}}, nil, out).StatusCode, c.ID
	}
	var first struct{ ID string }
	status, firstContainer := publish("post 0", &first)
	if status != 200 || first.ID == "" {
		t.Fatalf("first publish: %d", status)
	}
	for i := 1; i < 50; i++ {
		if status, _ := publish(fmt.Sprint("post ", i), nil); status != 200 {
			t.Fatalf("publish %d: %d", i, status)
		}
	}
	var ge fntest.GraphErr
	if status, _ := publish("post 50", &ge); status != 400 || ge.Error.Code != 9 || ge.Error.Subcode != 2207042 {
		t.Errorf("51st publish: %d %+v", status, ge)
	}
	if resp := fntest.Do(t, "POST", g+"/media_publish", tok, url.Values{"creation_id": {firstContainer}}, nil, &ge); resp.StatusCode != 400 || ge.Error.Code != 100 || !strings.Contains(ge.Error.Message, first.ID) {
		t.Errorf("publish a published container: %d %+v", resp.StatusCode, ge)
	}
	if posts := e.Srv.Posts(); len(posts) != 52 || !posts[49].Created || posts[50].Error == "" || posts[50].Created {
		t.Errorf("recorded %d posts; 50th %+v, 51st %+v", len(posts), posts[49], posts[50])
	}
	e.Clock.Advance(24 * time.Hour)
	// The containers made a day ago have expired; a new one publishes.
	var again struct{ ID string }
	if status, _ := publish("a day later", &again); status != 200 || again.ID == "" {
		t.Errorf("publish a day later: %d", status)
	}
}
