package main_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/rythmehq/rythme/internal/faultproxy"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// TestPeerGoToSocialThreadFaults is the thread fault matrix on a real
// server that ignores Idempotency-Key: a 3-part thread, with every part
// position × (503, 429, timeout after the request was sent, connection
// reset after it was sent) injected by a proxy in front of GoToSocial.
// Whatever happens, no part may exist twice on GoToSocial. A 503 or a 429
// is retried to the end: published, 3 statuses, each replying to the one
// before. An answer lost after sending cannot be told from a failure on
// this server, so the target ends unconfirmed with the parts before it
// out once and none after it: never re-sent blind (issue 11).
func TestPeerGoToSocialThreadFaults(t *testing.T) {
	v := peerVars(t, "GTS_URL", "GTS_ALICE_EMAIL", "GTS_ALICE_PASSWORD", "GTS_ALICE_TOKEN")
	instance := v["GTS_URL"]
	peerUp(t, "GoToSocial", instance+"/api/v1/instance")
	upstream, err := url.Parse(instance)
	if err != nil {
		t.Fatal(err)
	}
	alice := gts{t, instance, v["GTS_ALICE_TOKEN"]}
	api, c := peerRythme(t, storetest.PostgresSchema(t))
	run := fmt.Sprintf("%d", time.Now().UnixNano())

	faults := []struct {
		name string
		rule faultproxy.Rule
		want string // the target's final status
	}{
		{"503", faultproxy.Rule{Kind: faultproxy.Status, Status: 503}, "published"},
		{"429", faultproxy.Rule{Kind: faultproxy.Status, Status: 429, RetryAfter: 2}, "published"},
		{"timeout after sent", faultproxy.Rule{Kind: faultproxy.TimeoutAfterSent}, "unconfirmed"},
		{"reset after sent", faultproxy.Rule{Kind: faultproxy.ResetAfterSent}, "unconfirmed"},
	}
	type fcase struct {
		name  string
		part  int
		want  string
		proxy *faultproxy.Proxy
		acct  string
		texts [3]string
		post  peerPost
	}
	var cases []*fcase
	// One proxy, so one instance URL and one rythme account, per case: the
	// cases run side by side and each counts its own requests.
	for part := 1; part <= 3; part++ {
		for _, f := range faults {
			fc := &fcase{name: fmt.Sprintf("part %d/%s", part, f.name), part: part, want: f.want, proxy: faultproxy.New(upstream)}
			rule := f.rule
			rule.Method, rule.Path, rule.N = "POST", "/api/v1/statuses", part
			fc.proxy.Add(rule)
			srv := httptest.NewServer(fc.proxy)
			t.Cleanup(func() { fc.proxy.Close(); srv.Close() })
			fc.acct = connectGoToSocial(t, c, api, srv.URL, v["GTS_ALICE_EMAIL"], v["GTS_ALICE_PASSWORD"])
			for k := range fc.texts {
				fc.texts[k] = fmt.Sprintf("fault %d %s part %d/3 %s", part, f.name, k+1, run)
			}
			cases = append(cases, fc)
		}
	}
	due := time.Now().Add(3 * time.Second).UTC()
	for _, fc := range cases {
		fc.post = c.schedule(fc.acct, due, fc.texts[0], map[string]any{"thread": []string{fc.texts[1], fc.texts[2]}})
	}
	// A timeout is the connectors' 30 s; retries back off from 1 s.
	for _, fc := range cases {
		fc.post = c.settle(fc.post.ID, fc.want, 4*time.Minute)
	}
	all := alice.statuses()
	for _, fc := range cases {
		t.Run(fc.name, func(t *testing.T) {
			var found [3][]gtsStatus
			for k, text := range fc.texts {
				found[k] = byText(all, text)
				if len(found[k]) > 1 {
					t.Errorf("part %d is on GoToSocial %d times (faults: %v)", k+1, len(found[k]), fc.proxy.Broken())
				}
			}
			tg := fc.post.Targets[0]
			if tg.Status != fc.want {
				t.Errorf("the target is %s after %d attempts (%q), want %s (faults: %v)", tg.Status, tg.Attempts, tg.LastError, fc.want, fc.proxy.Broken())
			}
			if t.Failed() {
				return
			}
			for k := range fc.texts {
				want := 1
				if fc.want == "unconfirmed" && k+1 > fc.part {
					want = 0 // after the unknown part nothing is sent
				}
				if len(found[k]) != want {
					t.Errorf("part %d is on GoToSocial %d times, want %d", k+1, len(found[k]), want)
				}
			}
			if fc.want == "published" && len(found[0]) == 1 && len(found[1]) == 1 && len(found[2]) == 1 &&
				(found[1][0].InReplyToID != found[0][0].ID || found[2][0].InReplyToID != found[1][0].ID) {
				t.Errorf("the parts do not reply each to the one before: %+v", found)
			}
		})
	}
}
