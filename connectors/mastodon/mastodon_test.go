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

func harness() connectortest.Harness {
	return connectortest.Harness{
		Network: "mastodon",
		New:     func(string) connectors.Connector { return mastodon.New() },
		Params: func(base string) connectors.ConnectParams {
			return connectors.ConnectParams{"instance_url": base}
		},
		Refresh:                     false, // Mastodon issues no refresh tokens
		ServersMayIgnoreIdempotency: true,  // GoToSocial
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harness())
}

func TestFetchMetricsBatches(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	var ids []string
	for i := range 45 {
		p, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "post " + string(rune('a'+i%26))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ExternalID)
	}
	ms, err := e.Connector.FetchMetrics(context.Background(), c.Account, c.Client, append(ids, ids[0]))
	if err != nil || len(ms) != 45 {
		t.Fatalf("FetchMetrics: %d readings, %v", len(ms), err)
	}
	st := e.Fake.Stats()
	if got := st.Operations["mastodon.get_statuses"]; got != 3 {
		t.Errorf("GET /api/v1/statuses called %d times for 45 ids, want 3 batches", got)
	}
	if got := st.Operations["mastodon.get_status"]; got != 0 {
		t.Errorf("GET /api/v1/statuses/:id called %d times, want 0", got)
	}

	// A server before 4.3 answers 404 on the batch: one by one instead.
	e.InjectFault(fakenet.Fault{Match: "get_statuses", Kind: fakenet.FaultStatus, Status: 404, Body: `{"error":"Record not found"}`})
	ms, err = e.Connector.FetchMetrics(context.Background(), c.Account, c.Client, ids[:5])
	if err != nil || len(ms) != 5 || ms[4].Likes == nil {
		t.Fatalf("fallback: %+v, %v", ms, err)
	}
	if got := e.Fake.Stats().Operations["mastodon.get_status"]; got != 5 {
		t.Errorf("fallback made %d single calls, want 5", got)
	}
}

func TestIdentifyMeta(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	m := c.Account.Meta
	if m[mastodon.MetaIdempotency] != "honoured" || m[mastodon.MetaSoftware] != "mastodon" || m[mastodon.MetaMaxCharacters] != "500" ||
		m[mastodon.MetaStatusesBatch] != "" {
		t.Errorf("meta %v", m)
	}
	if c.Account.InstanceURL != e.Base || c.Account.ProfileURL != e.Base+"/@alice" {
		t.Errorf("instance %q profile %q", c.Account.InstanceURL, c.Account.ProfileURL)
	}
	if !e.Connector.Idempotent(c.Account) || e.Connector.Idempotent(&rythme.Account{}) || e.Connector.Idempotent(nil) {
		t.Error("Idempotent must be true only for a server known to honour keys")
	}
}

func TestOAuth2ConfigRefusal(t *testing.T) {
	t.Parallel()
	// A server that is not Mastodon refuses app registration.
	e := connectortest.Start(t, harness())
	_, err := e.Connector.OAuth2Config(context.Background(), connectors.ConnectParams{"instance_url": e.Server.URL + "/not-mastodon"},
		connectortest.RedirectURI, nil)
	if rythme.ErrorCode(err) != rythme.EINVALID {
		t.Errorf("registration on a non-Mastodon server: %v, want EINVALID", err)
	}
	// Unreachable: a 422 on instance_url naming the instance and why (never
	// the API's "database is unavailable"), still wrapping a retryable error.
	e.Server.Close()
	_, err = mastodon.New().OAuth2Config(context.Background(), connectors.ConnectParams{"instance_url": e.Base}, connectortest.RedirectURI, nil)
	if rythme.ErrorCode(err) != rythme.EINVALID || connectors.KindOf(err) != connectors.Retryable ||
		!strings.Contains(rythme.ErrorMessage(err), "could not reach "+e.Base+": connection refused") {
		t.Errorf("unreachable server: %v, want EINVALID naming the instance, wrapping a retryable error", err)
	}
	if strings.Contains(err.Error(), "client_secret") {
		t.Error("error mentions secrets")
	}
}
