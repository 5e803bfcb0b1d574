package main_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// peerPollReading is a poll as GET /v1/posts/{id}/metrics shows it.
type peerPollReading struct {
	Options []struct {
		Title string  `json:"title"`
		Votes int64   `json:"votes"`
		Share float64 `json:"share"`
	} `json:"options"`
	Votes   int64 `json:"votes"`
	Turnout int64 `json:"turnout"`
	Closed  bool  `json:"closed"`
}

// lastPoll returns the poll of the post's latest reading, nil before one.
func (c *client) lastPoll(postID string) *peerPollReading {
	c.t.Helper()
	var out struct {
		Data []struct {
			Readings []struct {
				Poll *peerPollReading `json:"poll"`
			} `json:"readings"`
		} `json:"data"`
	}
	c.call("GET", "/v1/posts/"+postID+"/metrics", nil, 200, &out)
	if len(out.Data) == 0 || len(out.Data[0].Readings) == 0 {
		return nil
	}
	return out.Data[0].Readings[len(out.Data[0].Readings)-1].Poll
}

// TestPeerGoToSocialPoll (issue 16): on a real GoToSocial, rythme takes
// the instance's own poll limits (6 options, not Mastodon's 4), refuses a
// poll beyond them with a 422 and stores nothing, publishes a poll that
// fits; a second user votes through GoToSocial's API
// (POST /api/v1/polls/:id/votes), and rythme reads the vote back into the
// post's readings (votes per option, turnout).
func TestPeerGoToSocialPoll(t *testing.T) {
	v := peerVars(t, "GTS_URL", "GTS_ALICE_EMAIL", "GTS_ALICE_PASSWORD", "GTS_ALICE_TOKEN", "GTS_BOB_TOKEN")
	instance := v["GTS_URL"]
	peerUp(t, "GoToSocial", instance+"/api/v1/instance")
	alice := gts{t, instance, v["GTS_ALICE_TOKEN"]}
	bob := gts{t, instance, v["GTS_BOB_TOKEN"]}
	api, c := peerRythme(t, "")
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	acct := connectGoToSocial(t, c, api, instance, v["GTS_ALICE_EMAIL"], v["GTS_ALICE_PASSWORD"])

	var nets struct {
		Data []struct {
			Name  string `json:"name"`
			Polls *struct {
				MaxOptions int `json:"max_options"`
			} `json:"polls"`
		} `json:"data"`
	}
	c.call("GET", "/v1/networks", nil, 200, &nets)
	for _, n := range nets.Data {
		switch {
		case n.Name == "mastodon" && (n.Polls == nil || n.Polls.MaxOptions != 4): // Mastodon's default; the instance says its own
			t.Errorf("GET /v1/networks: Mastodon's polls %+v, want 4 options", n.Polls)
		case n.Name == "bluesky" && n.Polls != nil:
			t.Errorf("GET /v1/networks: Bluesky's polls %+v, want null (no polls)", n.Polls)
		}
	}

	seven := []string{"a", "b", "c", "d", "e", "f", "g"}
	code, body := c.do("POST", "/v1/posts", map[string]any{"content": "too many " + run, "scheduled_at": "now",
		"targets": []map[string]string{{"account_id": acct}}, "poll": map[string]any{"options": seven, "duration_minutes": 60}})
	if code != 422 || !strings.Contains(string(body), "at most 6 options") {
		t.Fatalf("a poll of 7 options on an instance that takes 6: %d %s, want 422 naming the limit", code, body)
	}
	if mine := byText(alice.statuses(), "too many "+run); len(mine) != 0 {
		t.Fatalf("the refused poll reached GoToSocial: %+v", mine)
	}

	options := []string{"Tea", "Coffee", "Juice", "Water", "Milk"} // five: more than Mastodon's 4, within the instance's 6
	p := c.schedule(acct, time.Now().Add(3*time.Second).UTC(), "peer poll "+run, map[string]any{
		"poll": map[string]any{"options": options, "duration_minutes": 60}})
	got := c.settle(p.ID, "published", 90*time.Second)
	if got.Status != "published" {
		t.Fatalf("the poll is %s: %+v", got.Status, got.Targets)
	}
	var st struct {
		Poll *struct {
			ID      string `json:"id"`
			Options []struct {
				Title string `json:"title"`
			} `json:"options"`
			ExpiresAt time.Time `json:"expires_at"`
		} `json:"poll"`
	}
	if code := alice.call("GET", "/api/v1/statuses/"+got.Targets[0].ExternalID, nil, &st); code != 200 || st.Poll == nil ||
		len(st.Poll.Options) != 5 || st.Poll.Options[1].Title != "Coffee" {
		b, _ := json.Marshal(st)
		t.Fatalf("GoToSocial's status %s = %d: %s, want the five options", got.Targets[0].ExternalID, code, b)
	}
	if left := time.Until(st.Poll.ExpiresAt); left < 55*time.Minute || left > 61*time.Minute {
		t.Errorf("the poll closes in %v, want an hour", left)
	}
	if code := bob.call("POST", "/api/v1/polls/"+st.Poll.ID+"/votes", url.Values{"choices[]": {"1"}}, nil); code != 200 {
		t.Fatalf("bob's vote = %d", code)
	}

	var poll *peerPollReading
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if poll = c.lastPoll(p.ID); poll != nil && poll.Votes > 0 {
			break
		}
		time.Sleep(time.Second)
	}
	if poll == nil || poll.Votes != 1 || poll.Turnout != 1 || len(poll.Options) != 5 || poll.Options[1].Votes != 1 ||
		poll.Options[1].Share != 1 || poll.Options[0].Votes != 0 || poll.Closed {
		t.Fatalf("rythme's reading of the poll: %+v, want bob's one vote for Coffee", poll)
	}
}
