package main_test

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

type peerInboxItem struct {
	ID         string `json:"id"`
	ExternalID string `json:"external_id"`
	Kind       string `json:"kind"`
	PostID     string `json:"post_id"`
	TargetID   string `json:"target_id"`
	InReplyTo  string `json:"in_reply_to"`
	Text       string `json:"text"`
	Author     struct {
		Handle string `json:"handle"`
	} `json:"author"`
}

// inbox lists the inbox items of post (every page).
func (c *client) inbox(postID string) []peerInboxItem {
	c.t.Helper()
	var all []peerInboxItem
	cursor := ""
	for range 50 {
		var page struct {
			Data       []peerInboxItem `json:"data"`
			NextCursor string          `json:"next_cursor"`
		}
		c.call("GET", "/v1/inbox?limit=200&post_id="+postID+"&cursor="+url.QueryEscape(cursor), nil, 200, &page)
		all = append(all, page.Data...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return all
}

// TestPeerGoToSocialInbox (issue 16): on a real GoToSocial, a second user
// replies to a status rythme published; the reply appears in rythme's inbox
// under that post, once; a reply from rythme goes out exactly once, as a
// reply to it, in the same conversation; rythme's own reply does not come
// back into the inbox.
func TestPeerGoToSocialInbox(t *testing.T) {
	v := peerVars(t, "GTS_URL", "GTS_ALICE_EMAIL", "GTS_ALICE_PASSWORD", "GTS_ALICE_TOKEN", "GTS_BOB_TOKEN")
	instance := v["GTS_URL"]
	peerUp(t, "GoToSocial", instance+"/api/v1/instance")
	alice := gts{t, instance, v["GTS_ALICE_TOKEN"]}
	bob := gts{t, instance, v["GTS_BOB_TOKEN"]}
	api, c := peerRythme(t, "", "RYTHME_INBOX_INTERVAL=2s")
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	acct := connectGoToSocial(t, c, api, instance, v["GTS_ALICE_EMAIL"], v["GTS_ALICE_PASSWORD"])

	p := c.schedule(acct, time.Now().Add(3*time.Second).UTC(), "peer inbox "+run, nil)
	got := c.settle(p.ID, "published", 90*time.Second)
	if got.Status != "published" {
		t.Fatalf("the post is %s: %+v", got.Status, got.Targets)
	}
	statusID := got.Targets[0].ExternalID

	var bobs gtsStatus
	question := "@alice where can I read more? " + run
	if code := bob.call("POST", "/api/v1/statuses", url.Values{"status": {question}, "in_reply_to_id": {statusID},
		"visibility": {"public"}}, &bobs); code != 200 {
		t.Fatalf("bob's reply = %d", code)
	}

	var item *peerInboxItem
	deadline := time.Now().Add(90 * time.Second)
	for item == nil && time.Now().Before(deadline) {
		for _, it := range c.inbox(p.ID) {
			if it.ExternalID == bobs.ID {
				item = &it
			}
		}
		if item == nil {
			time.Sleep(500 * time.Millisecond)
		}
	}
	if item == nil {
		t.Fatalf("bob's reply %s never reached the inbox", bobs.ID)
	}
	if item.Kind != "comment" || item.Author.Handle != "bob" || item.TargetID != got.Targets[0].ID || item.InReplyTo != statusID ||
		!strings.Contains(item.Text, "where can I read more? "+run) {
		t.Fatalf("inbox item %+v", item)
	}

	answer := "Thanks Bob, it is all on our site " + run
	var out struct {
		Post peerPost `json:"post"`
	}
	c.call("POST", "/v1/inbox/"+item.ID+"/reply", map[string]any{"text": answer}, 201, &out)
	replied := c.settle(out.Post.ID, "published", 90*time.Second)
	if replied.Status != "published" {
		t.Fatalf("the reply is %s: %+v", replied.Status, replied.Targets)
	}
	time.Sleep(5 * time.Second) // two more inbox reads, and any retry, have run
	mine := byText(alice.statuses(), answer)
	if len(mine) != 1 {
		t.Fatalf("GoToSocial has %d statuses with the reply, want exactly 1", len(mine))
	}
	if mine[0].InReplyToID != bobs.ID || mine[0].ID != replied.Targets[0].ExternalID {
		t.Fatalf("the reply %s answers %q, want bob's %s (rythme stored %s)", mine[0].ID, mine[0].InReplyToID, bobs.ID,
			replied.Targets[0].ExternalID)
	}
	seen := map[string]int{}
	for _, it := range c.inbox(p.ID) {
		seen[it.ExternalID]++
	}
	if seen[bobs.ID] != 1 || seen[mine[0].ID] != 0 {
		t.Fatalf("inbox: bob's reply %d times, rythme's own %d times; want 1 and 0", seen[bobs.ID], seen[mine[0].ID])
	}
}

// gtsStreamsOpened counts the WebSocket streams GoToSocial's log says it
// opened for user ("" when the log is not readable).
func gtsStreamsOpened(t *testing.T, logPath, user string) int {
	t.Helper()
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("GoToSocial's log: %v", err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `msg="opened websocket connection"`) && strings.Contains(line, "username="+user+" ") {
			n++
		}
	}
	return n
}

// TestPeerGoToSocialInboxStream (issue 16): on a real GoToSocial, which
// serves the streaming API as a WebSocket only, rythme's worker opens
// alice's notifications stream (GoToSocial's own log says so), and bob's
// reply to her published status reaches the inbox through it within
// seconds: the poll interval is the default 4 minutes, and the account was
// read only when its stream opened, before the reply existed.
func TestPeerGoToSocialInboxStream(t *testing.T) {
	v := peerVars(t, "GTS_URL", "GTS_LOG", "GTS_ALICE_EMAIL", "GTS_ALICE_PASSWORD", "GTS_BOB_TOKEN")
	instance := v["GTS_URL"]
	peerUp(t, "GoToSocial", instance+"/api/v1/instance")
	bob := gts{t, instance, v["GTS_BOB_TOKEN"]}
	api, c := peerRythme(t, "", "RYTHME_INBOX_INTERVAL=4m")
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	opened := gtsStreamsOpened(t, v["GTS_LOG"], "alice")
	acct := connectGoToSocial(t, c, api, instance, v["GTS_ALICE_EMAIL"], v["GTS_ALICE_PASSWORD"])

	p := c.schedule(acct, time.Now().Add(3*time.Second).UTC(), "peer inbox stream "+run, nil)
	got := c.settle(p.ID, "published", 90*time.Second)
	if got.Status != "published" {
		t.Fatalf("the post is %s: %+v", got.Status, got.Targets)
	}
	// The worker's scan (every 30 s) opens the account's stream.
	deadline := time.Now().Add(90 * time.Second)
	for gtsStreamsOpened(t, v["GTS_LOG"], "alice") <= opened {
		if time.Now().After(deadline) {
			t.Fatal("GoToSocial never opened a stream for alice")
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // the read on opening is done

	var bobs gtsStatus
	if code := bob.call("POST", "/api/v1/statuses", url.Values{"status": {"@alice streamed? " + run},
		"in_reply_to_id": {got.Targets[0].ExternalID}, "visibility": {"public"}}, &bobs); code != 200 {
		t.Fatalf("bob's reply = %d", code)
	}
	sent := time.Now()
	var item *peerInboxItem
	for item == nil && time.Since(sent) < 60*time.Second {
		for _, it := range c.inbox(p.ID) {
			if it.ExternalID == bobs.ID {
				item = &it
			}
		}
		if item == nil {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if item == nil {
		t.Fatalf("bob's reply %s did not reach the inbox within 60 s (the next poll is minutes away)", bobs.ID)
	}
	if item.Kind != "comment" || item.Author.Handle != "bob" || item.TargetID != got.Targets[0].ID ||
		!strings.Contains(item.Text, "streamed? "+run) {
		t.Fatalf("inbox item %+v", item)
	}
	t.Logf("bob's reply reached the inbox %s after GoToSocial took it", time.Since(sent).Round(time.Millisecond))
}
