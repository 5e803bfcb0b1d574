package api_test

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/keyring"
	"github.com/rythmehq/rythme/sqlstore"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// A control character (NUL, ESC, DEL…) in any text field is a 422 naming
// the field, on every backend (PostgreSQL cannot store NUL: it was a 500);
// tab, CR and LF are text.
func TestControlCharactersRefused(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			acc := e.account(e.ws, "alice", rythme.AccountConnected)
			at := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
			for _, c := range []struct {
				name, path, field string
				body              any
			}{
				{"content", "/v1/posts", "content", map[string]any{"content": "hi\x00there", "scheduled_at": at,
					"targets": []map[string]string{{"account_id": acc.ID}}}},
				{"variant", "/v1/posts", "targets[0].content", map[string]any{"content": "hi", "scheduled_at": at,
					"targets": []map[string]string{{"account_id": acc.ID, "content": "x\x1b[2J"}}}},
				{"tag", "/v1/posts", "tags[1]", map[string]any{"content": "hi", "scheduled_at": at, "tags": []string{"ok", "a\x00"},
					"targets": []map[string]string{{"account_id": acc.ID}}}},
				{"token name", "/v1/tokens", "name", map[string]any{"name": "ci\x00", "role": "viewer"}},
				{"campaign name", "/v1/campaigns", "name", map[string]any{"name": "Green\x00week"}},
			} {
				res := e.as(rythme.RoleAdmin, "POST", c.path, c.body)
				expect(t, res, http.StatusUnprocessableEntity)
				if er := res.err(t); !er.hasField(c.field) {
					t.Errorf("%s: the error does not name %s: %s", c.name, c.field, res.Body)
				}
			}
			res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "line\r\n\tnext", "scheduled_at": at,
				"targets": []map[string]string{{"account_id": acc.ID}}})
			expect(t, res, http.StatusCreated)
		})
	}
}

// pngDeclaring is a PNG header declaring w × h pixels (checksum right,
// no pixel data): enough for image.DecodeConfig.
func pngDeclaring(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d")
	out = append(out, chunk...)
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
	return append(out, make([]byte, 64)...)
}

// Media cannot fill the disk: an image declaring 50,000 × 50,000 is
// refused from its header, a workspace's quota is enforced (413) and
// visible, a file no post needs can be deleted (409 while a post to
// publish carries it, 404 from another workspace).
func TestMediaLimitsAndDelete(t *testing.T) {
	t.Parallel()
	opt, _ := withMedia(t, 4096)
	e := newEnv(t, storetest.SQLite(t), opt, func(c *api.Config) { c.MediaQuota = 250 })

	res := upload(e, rythme.RoleEditor, "huge.png", pngDeclaring(50_000, 50_000), "")
	expect(t, res, http.StatusUnprocessableEntity)
	if er := res.err(t); !er.hasField("file") || !strings.Contains(string(res.Body), "8192") {
		t.Fatalf("a 50,000 × 50,000 PNG: %s", res.Body)
	}
	res = upload(e, rythme.RoleEditor, "wide.png", pngDeclaring(8000, 8000), "")
	expect(t, res, http.StatusUnprocessableEntity) // 64 megapixels
	res = upload(e, rythme.RoleEditor, "ok.png", pngDeclaring(1200, 630), "")
	expect(t, res, http.StatusCreated)
	var first rythme.Media
	res.decode(t, &first)
	res = upload(e, rythme.RoleEditor, "logo.png", pngBytes, "")
	expect(t, res, http.StatusCreated)
	var second rythme.Media
	res.decode(t, &second)

	// 164 bytes used of 250: a third file of 97 does not fit.
	res = upload(e, rythme.RoleEditor, "third.png", pngDeclaring(10, 10), "")
	expect(t, res, http.StatusRequestEntityTooLarge)
	if !strings.Contains(string(res.Body), "quota") {
		t.Fatalf("413 does not name the quota: %s", res.Body)
	}
	var usage struct {
		Data       []rythme.Media `json:"data"`
		UsageBytes int64          `json:"usage_bytes"`
		QuotaBytes int64          `json:"quota_bytes"`
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/media", nil)
	expect(t, res, http.StatusOK)
	res.decode(t, &usage)
	if len(usage.Data) != 2 || usage.UsageBytes != first.Size+second.Size || usage.QuotaBytes != 250 {
		t.Fatalf("GET /v1/media = %+v", usage)
	}

	e.fake.info.MaxMedia, e.fake.info.MediaTypes = 1, []string{"image/png"}
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	res = e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "with media", "media": []string{first.ID},
		"scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}}})
	expect(t, res, http.StatusCreated)
	expect(t, e.as(rythme.RoleEditor, "DELETE", "/v1/media/"+first.ID, nil), http.StatusConflict)

	otherSecret, _ := e.token(e.workspace("Other"), rythme.RoleAdmin)
	expect(t, e.do(req{method: "DELETE", path: "/v1/media/" + second.ID, secret: otherSecret}), http.StatusNotFound)
	expect(t, e.as(rythme.RoleEditor, "DELETE", "/v1/media/"+second.ID, nil), http.StatusNoContent)
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/media/"+second.ID, nil), http.StatusNotFound)
	// The room is back.
	expect(t, upload(e, rythme.RoleEditor, "third.png", pngDeclaring(10, 10), ""), http.StatusCreated)
}

// An upload whose body is slower than its deadline answers 408, not 500.
func TestSlowUploadIs408(t *testing.T) {
	t.Parallel()
	opt, _ := withMedia(t, 1<<20)
	e := newEnv(t, storetest.SQLite(t), opt, func(c *api.Config) { c.MediaUploadTimeout = 200 * time.Millisecond })
	srv := httptest.NewUnstartedServer(e.h)
	srv.Config.ReadTimeout = 30 * time.Second
	srv.Start()
	defer srv.Close()

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	stop := make(chan struct{})
	go func() {
		fw, _ := mw.CreateFormFile("file", "slow.png")
		fw.Write(pngBytes[:8]) // then nothing: the body stalls
		<-stop
		pw.Close()
	}()
	defer close(stop)
	hr, _ := http.NewRequest("POST", srv.URL+"/v1/media", pr)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	hr.Header.Set("Authorization", "Bearer "+e.secrets[rythme.RoleEditor])
	resp, err := srv.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("a stalled upload answered %d: %s", resp.StatusCode, body)
	}
}

// The routes without a bearer token are rate limited per client address:
// 429 with Retry-After; another address is not affected.
func TestUnauthenticatedRoutesRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) { c.PublicRateLimit, c.PublicRateBurst = 0.001, 3 })
	for _, path := range []string{"/v1/calendar.ics?token=nope", "/media/med_x?exp=1&sig=x", "/v1/oauth/fakenet/callback?state=x&code=y"} {
		t.Run(path, func(t *testing.T) {
			hr := httptest.NewRequest("GET", path, nil)
			hr.RemoteAddr = "203.0.113.7:4242"
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, hr)
			if rec.Code == http.StatusTooManyRequests {
				t.Fatalf("the first request from another address was limited")
			}
		})
	}
	var last *response
	for range 4 {
		last = e.do(req{method: "GET", path: "/v1/calendar.ics?token=nope"})
	}
	expect(t, last, http.StatusTooManyRequests)
	if last.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	expect(t, e.do(req{method: "GET", path: "/media/med_x?exp=1&sig=x"}), http.StatusTooManyRequests)
}

// After RYTHME_SECRET_KEY lost the key an account's token was sealed with
// (no rekey), listing accounts and creating posts answer no 500: the
// account shows as needs_reconnect with its reason, a post on it is a 422.
func TestLostKeyIsNoServerError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	openWith := func(key string) *sqlstore.Store {
		kr, err := keyring.Parse(key)
		if err != nil {
			t.Fatal(err)
		}
		s, err := sqlstore.Open(t.Context(), sqlstore.Config{DataDir: dir, Sealer: kr, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	old := openWith(keyring.GenerateKey())
	e := newEnv(t, old)
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	old.Close()

	e2 := newEnv(t, openWith(keyring.GenerateKey()))
	e2.ws, e2.secrets = e.ws, e.secrets
	res := e2.as(rythme.RoleViewer, "GET", "/v1/accounts", nil)
	expect(t, res, http.StatusOK)
	var list struct{ Data []rythme.Account }
	res.decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Status != rythme.AccountNeedsReconnect || !strings.Contains(list.Data[0].StatusReason, "RYTHME_SECRET_KEY") {
		t.Fatalf("accounts after the key was lost: %s", res.Body)
	}
	res = e2.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "hello", "scheduled_at": e2.clock.Now().Add(time.Hour).Format(time.RFC3339),
		"targets": []map[string]string{{"account_id": acc.ID}}})
	if res.Status >= 500 {
		t.Fatalf("POST /v1/posts on an account whose token no key opens: %d %s", res.Status, res.Body)
	}
	expect(t, res, http.StatusUnprocessableEntity)
}
