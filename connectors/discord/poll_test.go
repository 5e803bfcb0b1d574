package discord_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestPoll publishes a poll through the webhook: the text is its
// question, the duration goes in hours; the request and fakenet's answer
// are checked against Discord's OpenAPI document, and rythme's limits
// against the spec's.
func TestPoll(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	e, rec := connectortest.StartRecorded(t, harness())
	ctx := context.Background()
	c := e.Connect("carol")
	poll := &rythme.Poll{Options: []string{"Monday", "Tuesday", "Friday"}, DurationMinutes: 48 * 60, Multiple: true}
	if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "When do we meet?", Poll: poll}); err != nil {
		t.Fatal(err)
	}
	posts := e.Posts()
	if len(posts) != 1 || posts[0].Text != "When do we meet?" || !slices.Equal(posts[0].Poll, poll.Options) || posts[0].PollMinutes != 48*60 {
		t.Fatalf("fakenet got %+v", posts)
	}
	x := rec.Exchanges()[len(rec.Exchanges())-1]
	var body map[string]any
	if err := json.Unmarshal(x.Body, &body); err != nil || body["content"] != nil || !strings.Contains(string(x.Body), `"duration":48`) ||
		!strings.Contains(string(x.Body), `"allow_multiselect":true`) {
		t.Errorf("Execute Webhook body %s: want the question in the poll, not the content; 48 hours", x.Body)
	}
	checked := connectortest.CheckExchanges(t, spec, rec.Exchanges(), nil, check(t, spec))
	checked.Require(t, []string{"POST /webhooks/{webhook_id}/{webhook_token}"}, 200)

	l := e.Connector.Info().Polls
	if got := spec.Limit(t, "/components/schemas/PollCreateRequest/properties/answers", "maxItems"); l == nil || got != l.MaxOptions {
		t.Errorf("answers: the spec allows %d, rythme %+v", got, l)
	}
	if got := spec.Limit(t, "/components/schemas/PollCreateRequest/properties/duration", "maximum"); got*60 != l.MaxDurationMinutes {
		t.Errorf("duration: the spec allows %d hours, rythme %d minutes", got, l.MaxDurationMinutes)
	}
}
