package linkedin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/linkedin"
)

// TestReadInbox: with r_member_social, every comment fakenet's LinkedIn
// counts on a post is read (the commenter named by person URN), in one
// request; the member's own comment is left out; the cursor is kept; a
// deleted post is skipped; moderation is refused with a reason. Without the
// permission (LinkedIn's default for apps), a read gives nothing and no
// error.
func TestReadInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(withComments))
	c := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Our week"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(24 * time.Hour)
	// The member comments on their own post, straight to the API.
	b, _ := json.Marshal(map[string]any{"actor": c.Account.ExternalID, "object": p.ExternalID, "message": map[string]string{"text": "our own"}})
	hr, _ := http.NewRequest(http.MethodPost, e.Base+"/rest/socialActions/"+url.PathEscape(p.ExternalID)+"/comments", bytes.NewReader(b))
	hr.Header.Set("LinkedIn-Version", "202605")
	hr.Header.Set("X-Restli-Protocol-Version", "2.0.0")
	hr.Header.Set("Content-Type", "application/json")
	res, err := c.Client.Do(hr)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("own comment: %v %v", res, err)
	}
	res.Body.Close()
	r := e.Connector.(connectors.InboxReader)
	page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}, Cursor: "kept"})
	if err != nil || page.Cursor != "kept" {
		t.Fatalf("read: cursor %q, %v", page.Cursor, err)
	}
	ms, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, []string{p.ExternalID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != int(*ms[0].Comments) || len(page.Entries) == 0 {
		t.Fatalf("%d comments read, the post counts %d (its own left out)", len(page.Entries), *ms[0].Comments)
	}
	for _, en := range page.Entries {
		if en.Text == "our own" || en.Author.Handle == c.Account.ExternalID || en.Kind != rythme.InboxComment || en.PostID != p.ExternalID ||
			en.ExternalID == "" || en.CreatedAt.IsZero() || en.CreatedAt.After(e.Clock.Now()) {
			t.Fatalf("entry %+v", en)
		}
	}
	if got := e.Fake.Stats().Operations["linkedin.comments"]; got != 1 {
		t.Fatalf("%d comment requests, want 1", got)
	}
	m := e.Connector.(connectors.Moderator)
	if err := m.Moderate(ctx, c.Account, c.Client, connectors.ModerateHide, page.Entries[0].ExternalID); connectors.KindOf(err) != connectors.Permanent ||
		m.CanModerate(c.Account, connectors.ModerateDelete) == "" {
		t.Fatalf("moderation: %v, want a refusal with a reason", err)
	}
	e.Fake.DeletePost("linkedin", p.ExternalID)
	if page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}}); err != nil || len(page.Entries) != 0 {
		t.Fatalf("a deleted post: %d entries, %v", len(page.Entries), err)
	}

	// Without r_member_social: nothing, no error.
	d := connectortest.Start(t, harness(func(c *linkedin.Config) { c.Scopes = slices.Clone(linkedin.DefaultScopes) }))
	dc := d.Connect("alice")
	dp, err := d.Connector.Publish(ctx, dc.Account, dc.Client, connectors.PublishRequest{Text: "Our week"})
	if err != nil {
		t.Fatal(err)
	}
	d.Clock.Advance(24 * time.Hour)
	if page, err := d.Connector.(connectors.InboxReader).ReadInbox(ctx, dc.Account, dc.Client, connectors.InboxRequest{Posts: []string{dp.ExternalID}}); err != nil || len(page.Entries) != 0 {
		t.Fatalf("without the permission: %d entries, %v", len(page.Entries), err)
	}
}

// TestReadsInboxFollowsTheGrantedScope: an account's inbox is read only
// when its token was granted the comments scope (or, for a token that
// names no scope, when the app asks for it).
func TestReadsInboxFollowsTheGrantedScope(t *testing.T) {
	plain := linkedin.New(linkedin.Config{})
	granted := linkedin.New(linkedin.Config{Scopes: append(slices.Clone(linkedin.DefaultScopes), linkedin.ScopeReadComments)})
	acct := func(scope string) *rythme.Account { return &rythme.Account{Token: rythme.Token{Scope: scope}} }
	for _, c := range []struct {
		name string
		conn *linkedin.Connector
		acct *rythme.Account
		want bool
	}{
		{"default app", plain, nil, false},
		{"app asking for it", granted, nil, true},
		{"token without it", granted, acct("openid,profile,w_member_social"), false},
		{"token with it", plain, acct("openid,profile,w_member_social," + linkedin.ScopeReadComments), true},
		{"token naming no scope", granted, acct(""), true},
	} {
		if got := connectors.ReadsInbox(c.conn, c.acct); got != c.want {
			t.Errorf("%s: ReadsInbox = %v, want %v", c.name, got, c.want)
		}
	}
}
