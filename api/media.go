package api

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/media"
)

// maxAltText bounds a media file's description.
const maxAltText = 1500

// uploadMedia takes a multipart upload (field "file", optional
// "alt_text"), checks its type by its bytes, its size against the file
// limit and the workspace's quota, an image's declared dimensions, stores
// it and answers its record. Which network takes it is checked when a
// post uses it. The body has its own deadline (MediaUploadTimeout): a
// body slower than that is a 408.
func (s *server) uploadMedia(c *gin.Context) {
	if s.cfg.Media == nil {
		s.fail(c, rythme.Errorf(rythme.EUNAVAILABLE, "media uploads are not configured on this server"))
		return
	}
	ctx, ws := c.Request.Context(), workspace(c)
	// The server's read timeout is for ordinary requests; an upload gets
	// its own (an error: a server without deadlines, as in tests).
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(s.cfg.MediaUploadTimeout))
	limit, err := s.mediaRoom(c, ws)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit+1<<20)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		code := rythme.EBADREQUEST
		if errors.Is(err, http.ErrNotMultipart) {
			code = rythme.EUNSUPPORTED
		}
		s.fail(c, rythme.Errorf(code, "send the file as multipart/form-data, in a field named file"))
		return
	}
	m := &rythme.Media{ID: rythme.NewID(rythme.PrefixMedia), WorkspaceID: ws, CreatedAt: s.now()}
	saved, err := s.readUpload(mr, m, limit)
	defer func() {
		if saved && c.Writer.Status() != http.StatusCreated {
			_ = s.cfg.Media.Remove(m.ID)
		}
	}()
	if err == nil {
		err = s.checkUpload(m, saved)
	}
	if err == nil {
		if err = s.store.CreateMedia(ctx, m); err != nil {
			err = fmt.Errorf("api: create media: %w", err)
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, m)
}

// readUpload reads the parts of an upload into m: its alt text, and its
// file, saved under m.ID (at most limit bytes). It reports whether it
// saved the file, also when it then fails: the caller removes it.
func (s *server) readUpload(mr *multipart.Reader, m *rythme.Media, limit int64) (saved bool, err error) {
	for {
		part, err := mr.NextPart()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return saved, nil
			}
			return saved, uploadErr(err, s.tooLarge(limit), rythme.Errorf(rythme.EBADREQUEST, "the multipart body could not be read"))
		}
		switch part.FormName() {
		case "alt_text":
			b, _ := io.ReadAll(io.LimitReader(part, maxAltText*4+1))
			m.AltText = string(b)
			if !utf8.ValidString(m.AltText) || utf8.RuneCountInString(m.AltText) > maxAltText {
				return saved, rythme.Invalid(rythme.FieldError{Field: "alt_text", Message: fmt.Sprintf("at most %d characters", maxAltText)})
			}
			if rythme.HasControlChar(m.AltText) {
				return saved, rythme.Invalid(rythme.FieldError{Field: "alt_text", Message: rythme.ControlCharMessage})
			}
		case "file":
			if saved {
				return saved, rythme.Invalid(rythme.FieldError{Field: "file", Message: "one file per upload"})
			}
			m.Filename = cleanFilename(part.FileName())
			st, err := s.cfg.Media.Save(m.ID, part, limit)
			if errors.Is(err, media.ErrTooLarge) {
				return saved, s.tooLarge(limit)()
			} else if err != nil {
				return saved, uploadErr(err, s.tooLarge(limit), fmt.Errorf("api: save media: %w", err))
			}
			m.Size, m.SHA256, m.ContentType = st.Size, st.SHA256, st.ContentType
			saved = true
		}
		part.Close()
	}
}

// tooLarge is the error of a file over limit: over the workspace's quota
// when that is what limits it, else over the file limit.
func (s *server) tooLarge(limit int64) func() error {
	return func() error {
		if limit < s.cfg.MaxMediaBytes {
			return rythme.Errorf(rythme.ETOOLARGE, "the file does not fit in the workspace's media quota of %d bytes (%d left): delete unused media first", s.cfg.MediaQuota, limit)
		}
		return rythme.Errorf(rythme.ETOOLARGE, "the file is larger than %d bytes", s.cfg.MaxMediaBytes)
	}
}

// checkUpload checks the file read: present, of a type rythme takes, and
// for an image, of dimensions the networks take.
func (s *server) checkUpload(m *rythme.Media, saved bool) error {
	if !saved || m.Size == 0 {
		return rythme.Invalid(rythme.FieldError{Field: "file", Message: "is required (multipart field named file)"})
	}
	if !slices.Contains(rythme.MediaTypes, m.ContentType) {
		return rythme.Invalid(rythme.FieldError{Field: "file", Message: fmt.Sprintf(
			"is %s; rythme takes %s", m.ContentType, strings.Join(rythme.MediaTypes, ", "))})
	}
	if m.IsVideo() {
		return nil
	}
	w, h, err := s.cfg.Media.ImageSize(m.ID)
	msg := "could not be read as " + m.ContentType
	if err == nil {
		msg = rythme.CheckImageSize(w, h)
	}
	if msg != "" {
		return rythme.Invalid(rythme.FieldError{Field: "file", Message: msg})
	}
	return nil
}

// mediaRoom is the largest file the workspace may upload now: the file
// limit, or what is left of its quota (413 when nothing is).
func (s *server) mediaRoom(c *gin.Context, ws string) (int64, error) {
	if s.cfg.MediaQuota < 0 {
		return s.cfg.MaxMediaBytes, nil
	}
	used, err := s.store.MediaUsage(c.Request.Context(), ws)
	if err != nil {
		return 0, fmt.Errorf("api: media usage: %w", err)
	}
	left := s.cfg.MediaQuota - used
	if left <= 0 {
		return 0, rythme.Errorf(rythme.ETOOLARGE, "the workspace's media quota of %d bytes is used up (%d bytes): delete unused media first", s.cfg.MediaQuota, used)
	}
	return min(left, s.cfg.MaxMediaBytes), nil
}

// uploadErr maps a failure to read an upload's body: too slow (408), too
// large (tooLarge), or else otherwise.
func uploadErr(err error, tooLarge func() error, otherwise error) error {
	var big *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &big):
		return tooLarge()
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return rythme.Errorf(codeTimeout, "the upload was too slow: the whole file must arrive within the upload deadline; try again on a faster connection")
	}
	return otherwise
}

// listMedia answers the workspace's newest media (at most 100) with its
// usage and quota in bytes.
func (s *server) listMedia(c *gin.Context) {
	ctx, ws := c.Request.Context(), workspace(c)
	list, err := s.store.ListMedia(ctx, ws, 100)
	if err != nil {
		s.fail(c, fmt.Errorf("api: list media: %w", err))
		return
	}
	used, err := s.store.MediaUsage(ctx, ws)
	if err != nil {
		s.fail(c, fmt.Errorf("api: media usage: %w", err))
		return
	}
	out := gin.H{"data": list, "usage_bytes": used}
	if s.cfg.MediaQuota > 0 {
		out["quota_bytes"] = s.cfg.MediaQuota
	}
	c.JSON(http.StatusOK, out)
}

// deleteMedia removes a media record and its file: 409 while a post still
// to publish carries it, 404 for another workspace's.
func (s *server) deleteMedia(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixMedia, "media")
	if !ok {
		return
	}
	if err := s.store.DeleteMedia(c.Request.Context(), workspace(c), id); err != nil {
		s.fail(c, err)
		return
	}
	if s.cfg.Media != nil {
		if err := s.cfg.Media.Remove(id); err != nil {
			s.log.WarnContext(c.Request.Context(), "api: remove media file; the sweep will not see it again",
				slog.String("media_id", id), slog.String("error", err.Error()))
		}
	}
	c.Status(http.StatusNoContent)
}

func (s *server) getMedia(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixMedia, "media")
	if !ok {
		return
	}
	m, err := s.store.GetMedia(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

// serveMedia serves a file to a network that fetches it (Instagram,
// Threads, TikTok) through a signed, expiring URL: no token, no listing,
// 404 for anything not signed.
func (s *server) serveMedia(c *gin.Context) {
	id := c.Param("id")
	if s.cfg.Media == nil || s.cfg.MediaSigner == nil || !rythme.ValidID(rythme.PrefixMedia, id) ||
		!s.cfg.MediaSigner.Verify(id, c.Query("exp"), c.Query("sig"), s.now()) {
		s.fail(c, rythme.Errorf(rythme.ENOTFOUND, "no such file, or the link has expired"))
		return
	}
	m, err := s.store.MediaByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.cfg.Media.Open(id)
	if err != nil {
		s.fail(c, rythme.Errorf(rythme.ENOTFOUND, "no such file"))
		return
	}
	defer f.Close()
	c.Header("Content-Type", m.ContentType)
	c.Header("Cache-Control", "private, max-age=3600")
	c.Header("X-Content-Type-Options", "nosniff")
	http.ServeContent(c.Writer, c.Request, "", m.CreatedAt, f)
}

// cleanFilename keeps the base name of an uploaded file, printable and
// bounded.
func cleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	if name == "" {
		name = "upload"
	}
	return name
}
