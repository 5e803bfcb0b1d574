package mastodon_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/fakenet"
)

func gotosocial() connectortest.Harness {
	h := harness()
	h.Fakenet = func(c *fakenet.Config) { c.GoToSocial = true }
	return h
}

// TestInstanceLimits: the limits a server announces at connect are kept on
// the account and are the ones a post is checked against (GoToSocial
// allows 5,000 characters and 6 files, Mastodon 500 and 4).
func TestInstanceLimits(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, gotosocial())
	c := e.Connect("alice")
	m := c.Account.Meta
	if m[mastodon.MetaSoftware] != "gotosocial" || m[mastodon.MetaMaxCharacters] != "5000" || m[mastodon.MetaMaxMedia] != "6" ||
		m[mastodon.MetaImageBytes] != "16777216" || m[mastodon.MetaStatusesBatch] != "false" || m[mastodon.MetaLimitsAt] == "" {
		t.Fatalf("meta %v", m)
	}
	n := connectors.LimitsFor(e.Connector, c.Account)
	if n.MaxLength != 5000 || n.MaxMedia != 6 || n.URLLength != 23 || n.MaxPollOptions != 4 {
		t.Errorf("limits %+v", n)
	}
	text := strings.Repeat("a", 600)
	if msgs := connectors.ValidateFor(e.Connector, c.Account, text); msgs != nil {
		t.Errorf("600 characters on a 5,000-character server: %v", msgs)
	}
	if msgs := e.Connector.Validate(text); msgs == nil {
		t.Error("600 characters pass Mastodon's default 500")
	}
	if msgs := connectors.ValidateFor(e.Connector, c.Account, strings.Repeat("a", 5001)); len(msgs) != 1 || !strings.Contains(msgs[0], "allows 5000") {
		t.Errorf("5,001 characters: %v", msgs)
	}
	if _, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: text}); err != nil {
		t.Fatalf("the server takes what it announced: %v", err)
	}
	// An account from before the limits were kept: Mastodon's defaults.
	if n := connectors.LimitsFor(e.Connector, &rythme.Account{Network: "mastodon"}); n.MaxLength != 500 || n.MaxMedia != 4 {
		t.Errorf("defaults %+v", n)
	}

	// The daily refresh reads them again.
	got, err := e.Connector.(connectors.LimitsRefresher).RefreshLimits(context.Background(), c.Account, c.Client)
	if err != nil || got[mastodon.MetaMaxCharacters] != "5000" || got[mastodon.MetaStatusesBatch] != "false" {
		t.Fatalf("RefreshLimits = %v, %v", got, err)
	}
}

// TestMissingBatchEndpointIsRemembered: a server that answered 405 to the
// batch GET /api/v1/statuses?id[]= is not asked again: later polls go
// straight to one by one, whatever the account's meta says.
func TestMissingBatchEndpointIsRemembered(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, gotosocial())
	c := e.Connect("alice")
	acct := *c.Account
	acct.Meta = map[string]string{} // as if connected before GoToSocial was known to lack it
	var ids []string
	for i := range 3 {
		p, err := e.Connector.Publish(context.Background(), &acct, c.Client, connectors.PublishRequest{Text: "post " + string(rune('a'+i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ExternalID)
	}
	for range 3 {
		ms, err := e.Connector.FetchMetrics(context.Background(), &acct, c.Client, ids)
		if err != nil || len(ms) != 3 || ms[2].Likes == nil {
			t.Fatalf("FetchMetrics: %+v, %v", ms, err)
		}
	}
	st := e.Fake.Stats()
	if got := st.Operations["mastodon.get_statuses"]; got != 1 {
		t.Errorf("the batch endpoint was asked %d times in 3 polls, want once", got)
	}
	if got := st.Operations["mastodon.get_status"]; got != 9 {
		t.Errorf("%d single reads, want 9", got)
	}
	got, err := e.Connector.(connectors.LimitsRefresher).RefreshLimits(context.Background(), &acct, c.Client)
	if err != nil || got[mastodon.MetaStatusesBatch] != "false" {
		t.Errorf("the refresh does not record the missing endpoint: %v, %v", got, err)
	}
}
