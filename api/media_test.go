package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/media"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")

func withMedia(t *testing.T, max int64) (envOption, *media.Signer) {
	dir, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	signer := media.NewSigner([]byte("test-signing-key-0123456789"))
	return func(c *api.Config) { c.Media, c.MediaSigner, c.MaxMediaBytes = dir, signer, max }, signer
}

func upload(e *env, role rythme.Role, filename string, content []byte, alt string) *response {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if alt != "" {
		mw.WriteField("alt_text", alt)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(content)
	mw.Close()
	hr := httptest.NewRequest("POST", "/v1/media", &body)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	hr.Header.Set("Authorization", "Bearer "+e.secrets[role])
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, hr)
	res := &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkResponse(e.t, "POST", "/v1/media", res)
	return res
}

func TestMediaUploadAndUse(t *testing.T) {
	t.Parallel()
	opt, signer := withMedia(t, 4096)
	e := newEnv(t, storetest.SQLite(t), opt)
	res := upload(e, rythme.RoleEditor, "../../logo.png", pngBytes, "Our logo")
	expect(t, res, http.StatusCreated)
	var m rythme.Media
	res.decode(t, &m)
	if m.ContentType != "image/png" || m.Size != int64(len(pngBytes)) || len(m.SHA256) != 64 || m.Filename != "logo.png" || m.AltText != "Our logo" {
		t.Fatalf("media = %+v", m)
	}
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/media/"+m.ID, nil), http.StatusOK)
	other := e.workspace("Other")
	secret, _ := e.token(other, rythme.RoleAdmin)
	expect(t, e.do(req{method: "GET", path: "/v1/media/" + m.ID, secret: secret}), http.StatusNotFound)

	// Bytes that are not an image or a video: refused; too large: 413.
	if res := upload(e, rythme.RoleEditor, "notes.png", []byte("just some text"), ""); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("file") {
		t.Fatalf("text as png: %d %s", res.Status, res.Body)
	}
	expect(t, upload(e, rythme.RoleEditor, "big.png", append(pngBytes, make([]byte, 5000)...), ""), http.StatusRequestEntityTooLarge)
	expect(t, upload(e, rythme.RoleViewer, "logo.png", pngBytes, ""), http.StatusForbidden)

	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	post := func(media []string) *response {
		return e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "With a picture",
			"scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}},
			"media": media})
	}
	// The network takes no media.
	if res := post([]string{m.ID}); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("media") {
		t.Fatalf("media on a network without media: %d %s", res.Status, res.Body)
	}
	e.fake.info.MaxMedia, e.fake.info.MediaTypes, e.fake.info.MaxImageBytes = 1, []string{"image/png"}, 1<<20
	res = post([]string{m.ID})
	expect(t, res, http.StatusCreated)
	if !strings.Contains(string(res.Body), `"media":["`+m.ID+`"]`) {
		t.Fatalf("post does not carry its media: %s", res.Body)
	}
	if res := post([]string{m.ID, m.ID}); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("media[1]") {
		t.Fatalf("the same file twice: %d %s", res.Status, res.Body)
	}
	if res := post([]string{rythme.NewID(rythme.PrefixMedia)}); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("media[0]") {
		t.Fatalf("unknown media: %d %s", res.Status, res.Body)
	}
	e.fake.info.RequiresMedia = true
	if res := post(nil); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("media") {
		t.Fatalf("no media where the network requires it: %d %s", res.Status, res.Body)
	}

	// The signed link serves the bytes without a token; anything else is 404.
	link := signer.URL("https://rythme.test", m.ID, e.clock.Now().Add(time.Hour))
	u, _ := url.Parse(link)
	got := e.do(req{method: "GET", path: u.Path + "?" + u.RawQuery})
	if got.Status != http.StatusOK || !bytes.Equal(got.Body, pngBytes) || got.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("signed link: %d %q", got.Status, got.Header.Get("Content-Type"))
	}
	expect(t, e.do(req{method: "GET", path: u.Path + "?" + strings.Replace(u.RawQuery, "sig=", "sig=0", 1)}), http.StatusNotFound)
	expect(t, e.do(req{method: "GET", path: u.Path}), http.StatusNotFound)
	expired, _ := url.Parse(signer.URL("https://rythme.test", m.ID, e.clock.Now().Add(-time.Minute)))
	expect(t, e.do(req{method: "GET", path: expired.Path + "?" + expired.RawQuery}), http.StatusNotFound)
}
