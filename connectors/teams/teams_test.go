package teams_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/teams"
)

func harness() connectortest.Harness {
	return connectortest.Harness{
		Network:     "teams",
		NoFollowers: "a Teams webhook gives no audience",
		NoHistory:   "a Teams incoming webhook only posts: it lists no earlier messages, and gives no engagement",
		New: func(base string) connectors.Connector {
			return teams.New(teams.FakenetConfig(strings.TrimSuffix(base, "/teams")))
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		Direct: func(e *connectortest.Env, user string) connectors.ConnectParams {
			hook, channel := e.Fake.TeamsWorkflow(e.Server.URL, user)
			return connectors.ConnectParams{"webhook_url": hook, "channel_url": channel}
		},
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, harness())
}

const sig = "sH0mJTwun6v7umv0k3OKpYP7nXVUckH2TnaRMXHfIj8"

func TestParseWorkflowURL(t *testing.T) {
	t.Parallel()
	c := teams.New(teams.Config{})
	fake := teams.New(teams.FakenetConfig("http://127.0.0.1:8090"))
	const q = "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + sig
	cases := []struct {
		c    *teams.Connector
		raw  string
		id   string
		name string
	}{
		{c, "https://prod-12.westeurope.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke" + q,
			"0123456789abcdef0123456789abcdef", "logic apps"},
		{c, "https://default9cc6d9f3fc434e1785825c8fbcab8b.ef.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/4766d2917f074b28b517e312719da27e/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + sig,
			"4766d2917f074b28b517e312719da27e", "power platform"},
		{c, "https://x.environment.api.powerplatform.com/powerautomate/automations/direct/cu/19/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=" + sig,
			"abc", "power platform cu"},
		{c, "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=" + sig + "x", "", "sig too long"},
		{c, "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=1", "", "no sig"},
		{c, "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=" + sig, "", "no api-version"},
		{c, "http://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke" + q, "", "http"},
		{c, "https://logic.azure.com.evil.example/workflows/abc/triggers/manual/paths/invoke" + q, "", "lookalike"},
		{c, "https://contoso.webhook.office.com/webhookb2/1/IncomingWebhook/2/3", "", "retired connector"},
		{c, "https://prod-12.westeurope.logic.azure.com/workflows/abc" + q, "", "not a trigger"},
		{c, "http://127.0.0.1:8090/teams/workflows/abc/triggers/manual/paths/invoke" + q, "", "fakenet on the real connector"},
		{fake, "http://127.0.0.1:8090/teams/workflows/abc/triggers/manual/paths/invoke" + q, "abc", "fakenet"},
		{c, "", "", "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wf, err := tc.c.ParseWorkflowURL(tc.raw)
			if (tc.id == "") != (err != nil) || wf.ID != tc.id {
				t.Fatalf("ParseWorkflowURL = %+v, %v; want id %q", wf, err, tc.id)
			}
			if err != nil && (rythme.ErrorCode(err) != rythme.EINVALID || strings.Contains(err.Error(), sig)) {
				t.Errorf("error %v: want EINVALID without the signature", err)
			}
			if err != nil && tc.name == "retired connector" && !strings.Contains(err.Error(), "retired") {
				t.Errorf("error %v does not say the connectors were retired", err)
			}
		})
	}
}

func TestConnectChannelURL(t *testing.T) {
	t.Parallel()
	c := teams.New(teams.Config{})
	hook := "https://prod-1.westeurope.logic.azure.com/workflows/abcdef0123456789/triggers/manual/paths/invoke?api-version=1&sig=" + sig
	id, tok, err := c.Connect(context.Background(), connectors.ConnectParams{"webhook_url": hook,
		"channel_url": "https://teams.microsoft.com/l/channel/19%3Aabc%40thread.tacv2/Marketing%20FR?groupId=g&tenantId=t"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id.Username != "Marketing FR" || id.ExternalID != "abcdef0123456789" || tok.AccessToken != hook ||
		id.InstanceURL != "https://prod-1.westeurope.logic.azure.com" || id.Meta[teams.MetaChannelURL] == "" {
		t.Errorf("identity %+v", id)
	}
	id, _, err = c.Connect(context.Background(), connectors.ConnectParams{"webhook_url": hook}, nil)
	if err != nil || id.Username != "workflow-abcdef01" || id.ProfileURL != "" {
		t.Errorf("without a channel link: %+v, %v", id, err)
	}
	_, _, err = c.Connect(context.Background(), connectors.ConnectParams{"webhook_url": hook, "channel_url": "https://evil.example/l/channel/x/y"}, nil)
	if rythme.ErrorCode(err) != rythme.EINVALID {
		t.Errorf("foreign channel link: %v", err)
	}
}

func TestValidateCountsEncodedBytes(t *testing.T) {
	t.Parallel()
	c := teams.New(teams.Config{})
	max := c.Info().MaxLength
	empty, _ := teams.Payload("")
	if max != teams.MaxPayload-len(empty) || max < 27000 {
		t.Fatalf("MaxLength %d", max)
	}
	if msgs := c.Validate(strings.Repeat("é", max/2)); msgs != nil { // 2 bytes each
		t.Errorf("%d é: %v", max/2, msgs)
	}
	if msgs := c.Validate(strings.Repeat("é", max/2+1)); len(msgs) != 1 {
		t.Errorf("%d é: %v, want one message", max/2+1, msgs)
	}
	if msgs := c.Validate(strings.Repeat(`"`, max/2+1)); len(msgs) != 1 { // encoded \"
		t.Errorf("quotes: %v, want one message", msgs)
	}
	full, _ := teams.Payload(strings.Repeat("a", max))
	if len(full) != teams.MaxPayload {
		t.Errorf("a card of MaxLength text is %d bytes, want %d", len(full), teams.MaxPayload)
	}
}

func TestPublishCard(t *testing.T) {
	t.Parallel()
	var got map[string]any
	var tracking string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &got)
		tracking = r.Header.Get("x-ms-client-tracking-id")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	c := teams.New(teams.Config{Base: srv.URL + "/teams"})
	acct := &rythme.Account{Token: rythme.Token{AccessToken: srv.URL + "/teams/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=" + sig},
		Meta: map[string]string{teams.MetaChannelURL: "https://teams.microsoft.com/l/channel/x/General"}}
	pub, err := c.Publish(context.Background(), acct, http.DefaultClient, connectors.PublishRequest{Text: "Bonjour *à tous*", IdempotencyKey: "tgt-9"})
	if err != nil {
		t.Fatal(err)
	}
	if pub.ExternalID != "tgt-9" || tracking != "tgt-9" || pub.URL != acct.Meta[teams.MetaChannelURL] {
		t.Errorf("published %+v, tracking %q", pub, tracking)
	}
	att := got["attachments"].([]any)[0].(map[string]any)
	content := att["content"].(map[string]any)
	block := content["body"].([]any)[0].(map[string]any)
	if got["type"] != "message" || att["contentType"] != "application/vnd.microsoft.card.adaptive" || content["type"] != "AdaptiveCard" ||
		block["type"] != "TextBlock" || block["text"] != "Bonjour *à tous*" || block["wrap"] != true {
		t.Errorf("sent %v", got)
	}
	pub2, err := c.Publish(context.Background(), acct, http.DefaultClient, connectors.PublishRequest{Text: "no key"})
	if err != nil || len(pub2.ExternalID) != 32 {
		t.Errorf("without a key: %+v, %v", pub2, err)
	}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		body   string
		hdr    string
		kind   connectors.Kind
		wait   time.Duration
	}{
		{400, `{"error":{"code":"InvalidRequestContent","message":"bad"}}`, "", connectors.Permanent, 0},
		{401, `{"error":{"code":"DirectApiInvalidAuthorizationSignature","message":"The provided authorization signature is not valid."}}`, "", connectors.Auth, 0},
		{403, `{"error":{"code":"AuthorizationFailed","message":"no"}}`, "", connectors.Auth, 0},
		{404, `{"error":{"code":"WorkflowNotFound","message":"The workflow could not be found."}}`, "", connectors.Auth, 0},
		{413, `<html>too large</html>`, "", connectors.Permanent, 0},
		{429, `{"error":{"code":"WorkflowRequestsThrottled","message":"slow down"}}`, "120", connectors.RateLimited, 2 * time.Minute},
		{502, `<html>bad gateway</html>`, "", connectors.Retryable, 0},
	}
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.hdr != "" {
				w.Header().Set("Retry-After", tc.hdr)
			}
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, tc.body)
		}))
		c := teams.New(teams.Config{Base: srv.URL + "/teams"})
		acct := &rythme.Account{Token: rythme.Token{AccessToken: srv.URL + "/teams/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=" + sig}}
		_, err := c.Publish(context.Background(), acct, http.DefaultClient, connectors.PublishRequest{Text: "x"})
		srv.Close()
		ce, ok := connectors.AsError(err)
		if !ok || ce.Kind != tc.kind || ce.RetryAfter != tc.wait {
			t.Errorf("%d: %v, want kind %v wait %v", tc.status, err, tc.kind, tc.wait)
		}
		if ok && strings.Contains(err.Error(), sig) {
			t.Errorf("%d: the error shows the signature", tc.status)
		}
	}
}
