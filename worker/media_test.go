package worker_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/media"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestPublishHandsMediaToTheConnector(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	dir, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	signer := media.NewSigner([]byte("k-0123456789abcdef"))
	content := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	m := &rythme.Media{ID: rythme.NewID(rythme.PrefixMedia), WorkspaceID: e.ws.ID, Filename: "a.gif", AltText: "a dot"}
	saved, err := dir.Save(m.ID, bytes.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	m.Size, m.SHA256, m.ContentType = saved.Size, saved.SHA256, saved.ContentType
	if err := e.store.CreateMedia(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var got []connectors.Media
	var gotBytes []byte
	e.conn.publish = func(_ context.Context, _ *rythme.Account, _ *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
		got = req.Media
		if len(req.Media) == 1 {
			rc, err := req.Media[0].Open()
			if err != nil {
				return nil, err
			}
			gotBytes, _ = io.ReadAll(rc)
			rc.Close()
		}
		return &connectors.Published{ExternalID: "1", URL: "u"}, nil
	}
	p := e.post(t, "with a gif", e.clock.Now())
	if _, err := e.store.UpdatePost(context.Background(), e.ws.ID, p.ID, func(p *rythme.Post) error {
		p.Media = []string{m.ID}
		return p.ApplyEdit(rythme.PostEdit{}, e.clock.Now()) // bumps the version
	}); err != nil {
		t.Fatal(err)
	}
	h := e.handler()
	h.Media, h.MediaSigner, h.PublicURL = dir, signer, "https://rythme.example"
	if err := h.ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 2)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ContentType != "image/gif" || got[0].AltText != "a dot" || !bytes.Equal(gotBytes, content) {
		t.Fatalf("connector got %+v (%d bytes)", got, len(gotBytes))
	}
	u, err := url.Parse(got[0].URL)
	if err != nil || !strings.HasPrefix(got[0].URL, "https://rythme.example/media/"+m.ID) ||
		!signer.Verify(m.ID, u.Query().Get("exp"), u.Query().Get("sig"), e.clock.Now()) {
		t.Fatalf("media URL %q does not verify", got[0].URL)
	}

	// A post whose file is gone fails with a reason, without a network call.
	calls := len(e.conn.calls())
	q := e.post(t, "lost file", e.clock.Now())
	e.store.UpdatePost(context.Background(), e.ws.ID, q.ID, func(p *rythme.Post) error {
		p.Media = []string{rythme.NewID(rythme.PrefixMedia)}
		return p.ApplyEdit(rythme.PostEdit{}, e.clock.Now())
	})
	if err := h.ProcessTask(context.Background(), publishTask(t, q.Targets[0].ID, 2)); err != nil {
		t.Fatal(err)
	}
	if tg := e.target(t, q.Targets[0].ID); tg.Status != rythme.TargetFailed || !strings.Contains(tg.LastError, "no longer exists") {
		t.Fatalf("target = %s %q", tg.Status, tg.LastError)
	}
	if len(e.conn.calls()) != calls {
		t.Fatal("the network was called for a post whose file is gone")
	}
}
