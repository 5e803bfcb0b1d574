package teams_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

func teamsInvoke(t *testing.T, hook, body string, hdr map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", hook, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

const teamsCard = `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":` +
	`{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"TEXT","wrap":true}]}}]}`

func TestTeamsWorkflow(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	hook, channel := e.Srv.TeamsWorkflow(e.HTTP.URL, "alice")
	if !strings.Contains(hook, "/teams/workflows/") || !strings.Contains(hook, "&sig=") || !strings.HasSuffix(channel, "tenantId=fakenet") {
		t.Fatalf("urls %q %q", hook, channel)
	}
	resp, _ := teamsInvoke(t, hook, strings.Replace(teamsCard, "TEXT", "hello", 1), map[string]string{"x-ms-client-tracking-id": "tgt-1"})
	if resp.StatusCode != 202 || resp.Header.Get("x-ms-workflow-run-id") == "" || resp.Header.Get("x-ms-client-tracking-id") != "tgt-1" {
		t.Fatalf("invoke: %d %v", resp.StatusCode, resp.Header)
	}
	posts := e.Srv.Posts()
	if len(posts) != 1 || posts[0].ID != "tgt-1" || posts[0].Text != "hello" || posts[0].Account != "alice" || !posts[0].Created {
		t.Errorf("recorded %+v", posts)
	}
	if !e.Srv.DeletePost("teams", "tgt-1") {
		t.Error("DeletePost")
	}
	cases := []struct {
		url, body string
		status    int
		code      string
	}{
		{flipLast(hook), teamsCard, 401, "DirectApiInvalidAuthorizationSignature"},
		{hook[:strings.Index(hook, "&sig=")], teamsCard, 401, "DirectApiAuthorizationRequired"},
		{hook, `{not json`, 400, "InvalidRequestContent"},
		{hook, strings.Replace(teamsCard, "TEXT", strings.Repeat("a", 28*1024), 1), 413, "RequestEntityTooLarge"},
		{strings.Replace(hook, "/workflows/", "/workflows/0", 1), teamsCard, 404, "WorkflowNotFound"},
	}
	for _, tc := range cases {
		resp, body := teamsInvoke(t, tc.url, tc.body, nil)
		errObj, _ := body["error"].(map[string]any)
		if resp.StatusCode != tc.status || errObj["code"] != tc.code {
			t.Errorf("%s: %d %v", tc.code, resp.StatusCode, body)
		}
	}
	if err := e.Srv.InjectFault(fakenet.Fault{Network: "teams", Kind: fakenet.FaultRevoke, User: "alice"}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := teamsInvoke(t, hook, teamsCard, nil); resp.StatusCode != 404 {
		t.Errorf("after revoke: %d", resp.StatusCode)
	}
	var made map[string]string
	if resp := fntest.Do(t, "POST", e.HTTP.URL+"/teams/fakenet/workflows?user=bob", "", nil, nil, &made); resp.StatusCode != 200 || made["webhook_url"] == "" {
		t.Errorf("create workflow: %d %v", resp.StatusCode, made)
	}
}

// flipLast changes the URL's last character (the signature's).
func flipLast(s string) string {
	c := byte('A')
	if s[len(s)-1] == 'A' {
		c = 'B'
	}
	return s[:len(s)-1] + string(c)
}
