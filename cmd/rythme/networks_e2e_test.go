package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEveryNetworkOnFakenet runs the real binaries with RYTHME_FAKENET_URL:
// every network the server offers is connected the way it connects (OAuth
// 2, webhook URL, app password), a post goes to all of them at once (a
// video post to those that publish only media), and each one publishes,
// once, where fakenet can see it.
func TestEveryNetworkOnFakenet(t *testing.T) {
	t.Parallel()
	fakenet := "http://" + freeAddr(t)
	// A fortnight of earlier posts per fakenet user (not the default 90
	// days): every network that reads history imports some on connect,
	// checked below, while the ten imports stay light on the embedded
	// SQLite's single writer, which the connects this test times (10 s a
	// call) share on a loaded 2-core machine.
	start(t, []string{"FAKENET_ADDR=" + strings.TrimPrefix(fakenet, "http://"), "FAKENET_HISTORY_DAYS=14"}, "fakenet")
	api := "http://" + freeAddr(t)
	server := start(t, []string{"RYTHME_ADDR=" + strings.TrimPrefix(api, "http://"), "RYTHME_DATA=" + t.TempDir(), "RYTHME_BOOTSTRAP_TOKEN=" + adminToken,
		"DATABASE_URL=", "REDIS_URL=", "RYTHME_SECRET_KEY=", "RYTHME_FAKENET_URL=" + fakenet, "RYTHME_LOG_LEVEL=debug"})
	var secrets []string // what must never reach a log line
	waitHTTP(t, api+"/readyz", 30*time.Second)
	waitHTTP(t, fakenet+"/_fakenet/posts", 10*time.Second)
	c := newClient(t, api, adminToken)

	var networks struct {
		Data []struct {
			Name          string   `json:"name"`
			Auth          string   `json:"auth"`
			RequiresMedia bool     `json:"requires_media"`
			History       bool     `json:"history"`
			MediaTypes    []string `json:"media_types"`
		} `json:"data"`
	}
	c.call("GET", "/v1/networks", nil, 200, &networks)
	if len(networks.Data) < 12 {
		t.Fatalf("the server offers %d networks on fakenet, want every one", len(networks.Data))
	}
	fakePost := func(path string, out any) {
		t.Helper()
		resp, err := http.Post(fakenet+path, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("fakenet %s: %d %v", path, resp.StatusCode, err)
		}
	}
	var textTargets, videoTargets []map[string]string
	accounts := map[string]string{} // network → account id
	for _, n := range networks.Data {
		var acct string
		switch {
		case n.Auth == "oauth2":
			params := map[string]string{}
			switch n.Name {
			case "mastodon":
				params["instance_url"] = fakenet + "/mastodon"
			case "slack":
				params["channel"] = "general"
			}
			acct = connectOAuth(t, c, api, n.Name, params, "e2e")
		case n.Name == "discord":
			var hook struct {
				URL string `json:"url"`
			}
			fakePost("/discord/fakenet/webhooks?user=e2e", &hook)
			secrets = append(secrets, hook.URL[strings.LastIndex(hook.URL, "/")+1:])
			acct = connectDirect(t, c, n.Name, map[string]string{"webhook_url": hook.URL})
		case n.Name == "teams":
			var flow struct {
				Webhook string `json:"webhook_url"`
				Channel string `json:"channel_url"`
			}
			fakePost("/teams/fakenet/workflows?user=e2e", &flow)
			if u, err := url.Parse(flow.Webhook); err == nil {
				secrets = append(secrets, u.Query().Get("sig"))
			}
			acct = connectDirect(t, c, n.Name, map[string]string{"webhook_url": flow.Webhook, "channel_url": flow.Channel})
		case n.Name == "bluesky":
			var pw struct {
				Identifier string `json:"identifier"`
				Password   string `json:"app_password"`
			}
			fakePost("/bluesky/_fakenet/app-password?user=e2e", &pw)
			secrets = append(secrets, pw.Password)
			acct = connectDirect(t, c, n.Name, map[string]string{"identifier": pw.Identifier, "app_password": pw.Password})
		default:
			t.Fatalf("network %s (%s): this test does not know how to connect it yet", n.Name, n.Auth)
		}
		accounts[n.Name] = acct
		target := map[string]string{"account_id": acct}
		if n.RequiresMedia {
			if !slices.Contains(n.MediaTypes, "video/mp4") {
				t.Fatalf("%s requires media but takes no MP4", n.Name)
			}
			videoTargets = append(videoTargets, target)
		} else {
			textTargets = append(textTargets, target)
		}
	}

	// The video is uploaded before the due time is chosen: on a busy
	// machine the upload alone can take longer than the margin.
	var mediaID string
	if len(videoTargets) > 0 {
		mediaID = uploadVideo(t, api)
	}
	due := time.Now().Add(5 * time.Second).UTC().Format(time.RFC3339Nano)
	var text, video post
	c.call("POST", "/v1/posts", map[string]any{"content": "Our themed week starts today #rythme https://example.com/week",
		"scheduled_at": due, "targets": textTargets}, 201, &text)
	posts := []*post{&text}
	if len(videoTargets) > 0 {
		c.call("POST", "/v1/posts", map[string]any{"content": "Behind the scenes #rythme", "scheduled_at": due,
			"targets": videoTargets, "media": []string{mediaID}}, 201, &video)
		posts = append(posts, &video)
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, p := range posts {
		for {
			var got post
			c.call("GET", "/v1/posts/"+p.ID, nil, 200, &got)
			if got.Status == "published" {
				*p = got
				break
			}
			if time.Now().After(deadline) || (got.Status != "scheduled" && got.Status != "publishing") {
				b, _ := json.Marshal(got)
				t.Fatalf("post %s is %s: %s", p.ID, got.Status, b)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	resp, err := http.Get(fakenet + "/_fakenet/posts")
	if err != nil {
		t.Fatal(err)
	}
	var recs []struct {
		Network string `json:"network"`
		Created bool   `json:"created"`
	}
	json.NewDecoder(resp.Body).Decode(&recs)
	resp.Body.Close()
	created := map[string]int{}
	for _, r := range recs {
		if r.Created {
			created[r.Network]++
		}
	}
	for _, n := range networks.Data {
		if created[n.Name] != 1 {
			t.Errorf("%s: fakenet holds %d posts, want exactly 1 (%v)", n.Name, created[n.Name], created)
		}
	}
	// Every network that reads history imported the account's earlier
	// posts on connect; the others have no import.
	for _, n := range networks.Data {
		var got struct {
			History *struct {
				Status   string `json:"status"`
				Imported int    `json:"imported"`
				Error    string `json:"error"`
			} `json:"history"`
		}
		for end := time.Now().Add(60 * time.Second); ; time.Sleep(250 * time.Millisecond) {
			c.call("GET", "/v1/accounts/"+accounts[n.Name], nil, 200, &got)
			if got.History == nil || got.History.Status != "running" || time.Now().After(end) {
				break
			}
		}
		switch h := got.History; {
		case !n.History && h != nil:
			t.Errorf("%s reads no history, but its account has an import: %+v", n.Name, h)
		case n.History && (h == nil || h.Status != "done" || h.Imported == 0):
			t.Errorf("%s: the history import on connect is %+v, want done with earlier posts imported", n.Name, h)
		}
	}
	// The credentials of every account were in requests and in the store;
	// none may be in a log line, even at debug level.
	logs := server.output()
	if len(logs) < 1000 {
		t.Fatalf("the server logged %d bytes: the scan would prove nothing", len(logs))
	}
	for _, sec := range secrets {
		if len(sec) < 8 {
			t.Fatalf("a secret of %d characters cannot be looked for", len(sec))
		}
		if strings.Contains(logs, sec) {
			t.Errorf("a connection secret is in the logs")
		}
	}
	if strings.Contains(logs, `"access_token"`) || strings.Contains(logs, "refresh_token") {
		t.Errorf("the logs mention a token field")
	}
}

func connectDirect(t *testing.T, c *client, network string, params map[string]string) string {
	t.Helper()
	var out struct {
		Account struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"account"`
	}
	c.call("POST", "/v1/accounts/"+network+"/connect", params, 201, &out)
	if out.Account.Status != "connected" {
		t.Fatalf("%s: account %+v", network, out.Account)
	}
	return out.Account.ID
}

// uploadVideo uploads a tiny MP4 and returns its media id.
func uploadVideo(t *testing.T, api string) string {
	t.Helper()
	mp4 := append([]byte{0, 0, 0, 0x18}, []byte("ftypisom\x00\x00\x02\x00isomiso2")...)
	return upload(t, api, "clip.mp4", mp4, "")
}

// upload uploads a file (with alt text, unless empty) and returns its
// media id.
func upload(t *testing.T, api, name string, data []byte, alt string) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	if alt != "" {
		mw.WriteField("alt_text", alt)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", api+"/v1/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != 201 || json.Unmarshal(b, &m) != nil {
		t.Fatalf("upload %s: %d %s", name, resp.StatusCode, b)
	}
	return m.ID
}
