package connectortest

import (
	"context"
	"testing"

	"github.com/rythmehq/rythme/connectors"
)

// testFirstComment: a Commenter publishes a first comment under a post it
// published: fakenet holds exactly one comment, under that post, with the
// text, and Comment returns its id.
func testFirstComment(t *testing.T, e *Env) {
	cm, ok := e.Connector.(connectors.Commenter)
	if !ok {
		t.Skip("the network takes no first comment (not a connectors.Commenter)")
	}
	c := e.Connect("alice")
	if !cm.Comments(c.Account) {
		t.Fatal("Comments(acct) is false on fakenet's account")
	}
	var post connectors.Part
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "A post with a first comment",
		IdempotencyKey: "tgt-fc", PartPublished: func(_ context.Context, p connectors.Part) error { post = p; return nil }})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if post.ExternalID == "" { // a connector without thread parts
		post = connectors.Part{ExternalID: pub.ExternalID, URL: pub.URL}
	}
	const text = "The first comment: details at rythme.example"
	res, err := cm.Comment(context.Background(), c.Account, c.Client, connectors.CommentRequest{Post: post, Text: text,
		IdempotencyKey: connectors.CommentKey("tgt-fc")})
	if err != nil {
		t.Fatalf("Comment: %v", err)
	}
	if res.ExternalID == "" || res.ExternalID == pub.ExternalID {
		t.Fatalf("Comment returned %+v (the post is %s)", res, pub.ExternalID)
	}
	var comments int
	for _, p := range e.Posts() {
		if !p.Created || p.ReplyTo == "" {
			continue
		}
		comments++
		if p.ReplyTo != pub.ExternalID || p.Text != text || p.ID != res.ExternalID || p.Account != "alice" {
			t.Errorf("fakenet recorded the comment %+v; want %q by alice under %s with id %s", p, text, pub.ExternalID, res.ExternalID)
		}
	}
	if comments != 1 {
		t.Errorf("fakenet holds %d comments, want 1: %+v", comments, e.Posts())
	}
}
