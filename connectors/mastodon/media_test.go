package mastodon_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")
var mp4 = append([]byte{0, 0, 0, 0x18}, []byte("ftypisom\x00\x00\x02\x00isomiso2")...)

func file(id, ct string, b []byte) connectors.Media {
	return connectors.Media{ID: id, ContentType: ct, Size: int64(len(b)), AltText: "alt " + id,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}

func TestPublishWithMediaAndThread(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	req := connectors.PublishRequest{Text: "Launch day! 1/3", IdempotencyKey: "tgt-media",
		Media:  []connectors.Media{file("med_a", "image/png", png), file("med_b", "video/mp4", mp4)},
		Thread: []string{"What is new 2/3", "Thanks 3/3"}}
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, req)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	posts := e.Posts()
	if len(posts) != 3 {
		t.Fatalf("fakenet recorded %d statuses, want 3 (a thread): %+v", len(posts), posts)
	}
	if posts[0].ID != pub.ExternalID || len(posts[0].Media) != 2 || posts[0].ReplyTo != "" {
		t.Fatalf("first status %+v, want both media and no parent", posts[0])
	}
	if posts[1].ReplyTo != posts[0].ID || posts[2].ReplyTo != posts[1].ID || posts[2].Text != "Thanks 3/3" {
		t.Fatalf("thread not chained: %+v", posts)
	}
	if posts[1].IdempotencyKey != "tgt-media-1" || posts[2].IdempotencyKey != "tgt-media-2" {
		t.Fatalf("thread parts keys %q %q", posts[1].IdempotencyKey, posts[2].IdempotencyKey)
	}
	// A retry of the whole request: the key dedupes every part.
	if _, err := e.Connector.Publish(context.Background(), c.Account, c.Client, req); err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, p := range e.Posts() {
		if p.Created {
			created++
		}
	}
	if created != 3 {
		t.Fatalf("%d statuses created after a retry, want still 3", created)
	}

	// Five files: Mastodon's own refusal, permanent.
	five := connectors.PublishRequest{Text: "too many", IdempotencyKey: "k5"}
	for _, id := range []string{"1", "2", "3", "4", "5"} {
		five.Media = append(five.Media, file("med_"+id, "image/png", png))
	}
	_, err = e.Connector.Publish(context.Background(), c.Account, c.Client, five)
	if ce, ok := connectors.AsError(err); !ok || ce.Kind != connectors.Permanent || !strings.Contains(ce.Message, "exceed") {
		t.Fatalf("five media: %v, want Mastodon's refusal", err)
	}
	if info := e.Connector.Info(); info.MaxMedia != 4 || !info.Threads {
		t.Fatalf("Info: max media %d, threads %v", info.MaxMedia, info.Threads)
	}
}
