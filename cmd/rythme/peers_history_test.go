package main_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// peerHistory is an account's history import as GET /v1/accounts/{id}
// shows it.
type peerHistory struct {
	Status    string    `json:"status"`
	StartedAt time.Time `json:"started_at"`
	Imported  int       `json:"imported"`
	Read      int       `json:"read"`
	Error     string    `json:"error"`
}

// waitHistory waits until the account's import started after after is no
// longer running (the API keeps an account up to a second).
func waitHistory(t *testing.T, c *client, id string, after time.Time, within time.Duration) peerHistory {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var a struct {
			History *peerHistory `json:"history"`
		}
		c.call("GET", "/v1/accounts/"+id, nil, 200, &a)
		if a.History != nil && a.History.Status != "running" && a.History.StartedAt.After(after) {
			return *a.History
		}
		if time.Now().After(deadline) {
			t.Fatalf("the history import of %s still runs after %s: %+v", id, within, a.History)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestPeerGoToSocialHistory: statuses alice posted on GoToSocial herself,
// before connecting rythme, are imported when she connects — each once,
// as a published post marked imported, with its reading — and asking
// again imports nothing more.
func TestPeerGoToSocialHistory(t *testing.T) {
	v := peerVars(t, "GTS_URL", "GTS_ALICE_EMAIL", "GTS_ALICE_PASSWORD", "GTS_ALICE_TOKEN")
	instance := v["GTS_URL"]
	peerUp(t, "GoToSocial", instance+"/api/v1/instance")
	alice := gts{t, instance, v["GTS_ALICE_TOKEN"]}
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	from := time.Now().UTC().Add(-time.Minute)
	texts := []string{"written on the server before rythme, 1 " + run, "written on the server before rythme, 2 " + run}
	posted := map[string]string{} // status id → text
	for _, text := range texts {
		var st gtsStatus
		if code := alice.call("POST", "/api/v1/statuses", url.Values{"status": {text}, "visibility": {"public"}}, &st); code != 200 {
			t.Fatalf("GoToSocial POST /api/v1/statuses = %d", code)
		}
		posted[st.ID] = text
	}

	api, c := peerRythme(t, "")
	acct := connectGoToSocial(t, c, api, instance, v["GTS_ALICE_EMAIL"], v["GTS_ALICE_PASSWORD"])
	h := waitHistory(t, c, acct, time.Time{}, 90*time.Second)
	if h.Status != "done" || h.Imported < len(texts) || h.Error != "" {
		t.Fatalf("history after connecting: %+v, want done with at least the %d statuses", h, len(texts))
	}

	var list struct {
		Data []struct {
			ID      string `json:"id"`
			Origin  string `json:"origin"`
			Status  string `json:"status"`
			Content string `json:"content"`
			Targets []struct {
				AccountID  string `json:"account_id"`
				ExternalID string `json:"external_id"`
				URL        string `json:"url"`
			} `json:"targets"`
		} `json:"data"`
	}
	c.call("GET", "/v1/posts?limit=200&from="+url.QueryEscape(from.Format(time.RFC3339)), nil, 200, &list)
	found := map[string]int{}
	for _, p := range list.Data {
		if len(p.Targets) != 1 || p.Targets[0].AccountID != acct {
			continue
		}
		text, ok := posted[p.Targets[0].ExternalID]
		if !ok {
			continue
		}
		found[p.Targets[0].ExternalID]++
		if p.Origin != "imported" || p.Status != "published" || p.Content != text || p.Targets[0].URL == "" {
			t.Errorf("imported %s: origin %q status %q content %q url %q; want imported, published, %q", p.ID, p.Origin, p.Status, p.Content, p.Targets[0].URL, text)
		}
		var m struct {
			Data []struct {
				Readings []struct {
					Likes *int64 `json:"likes"`
				} `json:"readings"`
			} `json:"data"`
		}
		c.call("GET", "/v1/posts/"+p.ID+"/metrics", nil, 200, &m)
		if len(m.Data) != 1 || len(m.Data[0].Readings) == 0 || m.Data[0].Readings[0].Likes == nil {
			t.Errorf("imported %s has no reading: %+v", p.ID, m)
		}
	}
	for id, text := range posted {
		if found[id] != 1 {
			t.Errorf("status %s (%q) imported %d times, want once", id, text, found[id])
		}
	}

	// Again, on request: nothing more.
	c.call("POST", "/v1/accounts/"+acct+"/history", nil, 202, nil)
	if again := waitHistory(t, c, acct, h.StartedAt, 90*time.Second); again.Status != "done" || again.Imported != 0 {
		t.Fatalf("a second import: %+v, want done with nothing imported", again)
	}
	// Nothing imported went back to the server.
	if n := len(byText(alice.statuses(), texts[0])); n != 1 {
		t.Errorf("GoToSocial has %d statuses %q, want the one alice wrote", n, texts[0])
	}
}
