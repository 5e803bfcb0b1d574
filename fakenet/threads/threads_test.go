package threads_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

func TestThreadsContainersAndLength(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	th := e.HTTP.URL + "/threads"
	code := fntest.MetaCode(t, th+"/www/oauth/authorize", "finn", nil)
	var short struct {
		AccessToken string `json:"access_token"`
		UserID      string `json:"user_id"`
	}
	form := url.Values{"client_id": {"app-1"}, "client_secret": {"s"}, "grant_type": {"authorization_code"}, "redirect_uri": {fntest.Redirect},
		"code": {code}, "code_verifier": {fntest.Verifier}}
	if resp := fntest.Do(t, "POST", th+"/graph/oauth/access_token", "", form, nil, &short); resp.StatusCode != 200 || short.UserID == "" {
		t.Fatalf("code exchange: %d %+v", resp.StatusCode, short)
	}
	g := th + "/graph/v1.0/" + short.UserID
	var ge fntest.GraphErr
	// 125 emojis of 4 bytes count 500; one more is too long.
	for n, want := range map[int]int{125: 200, 126: 400} {
		resp := fntest.Do(t, "POST", g+"/threads", short.AccessToken, url.Values{"media_type": {"TEXT"}, "text": {strings.Repeat("🙂", n)}}, nil, &ge)
		if resp.StatusCode != want {
			t.Errorf("%d emojis: %d, want %d", n, resp.StatusCode, want)
		}
	}
	var c, root struct{ ID string }
	fntest.Do(t, "POST", g+"/threads", short.AccessToken, url.Values{"media_type": {"TEXT"}, "text": {"root"}}, nil, &c)
	fntest.Do(t, "POST", g+"/threads_publish", short.AccessToken, url.Values{"creation_id": {c.ID}}, nil, &root)
	fntest.Do(t, "POST", g+"/threads", short.AccessToken, url.Values{"media_type": {"TEXT"}, "text": {"reply"}, "reply_to_id": {root.ID}}, nil, &c)
	var st map[string]string
	fntest.Do(t, "GET", th+"/graph/v1.0/"+c.ID+"?fields=status", short.AccessToken, nil, nil, &st)
	if st["status"] != "FINISHED" {
		t.Errorf("text container %v", st)
	}
	if resp := fntest.Do(t, "POST", g+"/threads", short.AccessToken, url.Values{"media_type": {"TEXT"}, "text": {"x"}, "reply_to_id": {"999"}}, nil, &ge); resp.StatusCode != 400 || ge.Error.Subcode != 33 {
		t.Errorf("reply to nothing: %d %+v", resp.StatusCode, ge)
	}
	var ins struct{ Data []json.RawMessage }
	if resp := fntest.Do(t, "GET", th+"/graph/v1.0/"+root.ID+"/insights?metric=views,likes,replies,reposts,quotes,shares", short.AccessToken, nil, nil, &ins); resp.StatusCode != 200 || len(ins.Data) != 6 {
		t.Errorf("insights: %d %d", resp.StatusCode, len(ins.Data))
	}
	if resp := fntest.Do(t, "GET", fmt.Sprintf("%s/graph/v1.0/%s/insights?metric=impressions", th, root.ID), short.AccessToken, nil, nil, &ge); resp.StatusCode != 400 {
		t.Errorf("unknown metric: %d", resp.StatusCode)
	}
}
