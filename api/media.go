package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/media"
)

// maxAltText bounds a media file's description.
const maxAltText = 1500

// uploadMedia takes a multipart upload (field "file", optional
// "alt_text"), checks its type by its bytes and its size, stores it and
// answers its record. Which network takes it is checked when a post uses
// it.
func (s *server) uploadMedia(c *gin.Context) {
	if s.cfg.Media == nil {
		s.fail(c, rythme.Errorf(rythme.EUNAVAILABLE, "media uploads are not configured on this server"))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxMediaBytes+1<<20)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		s.fail(c, rythme.Errorf(rythme.EBADREQUEST, "send the file as multipart/form-data, in a field named file"))
		return
	}
	m := &rythme.Media{ID: rythme.NewID(rythme.PrefixMedia), WorkspaceID: workspace(c), CreatedAt: s.now()}
	saved := false
	for {
		part, err := mr.NextPart()
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.fail(c, rythme.Errorf(rythme.ETOOLARGE, "the file is larger than %d bytes", s.cfg.MaxMediaBytes))
				return
			}
			if errors.Is(err, io.EOF) {
				break
			}
			s.fail(c, rythme.Errorf(rythme.EBADREQUEST, "the multipart body could not be read"))
			return
		}
		switch part.FormName() {
		case "alt_text":
			b, _ := io.ReadAll(io.LimitReader(part, maxAltText*4+1))
			m.AltText = string(b)
			if !utf8.ValidString(m.AltText) || utf8.RuneCountInString(m.AltText) > maxAltText {
				s.fail(c, rythme.Invalid(rythme.FieldError{Field: "alt_text", Message: fmt.Sprintf("at most %d characters", maxAltText)}))
				return
			}
			if rythme.HasControlChar(m.AltText) {
				s.fail(c, rythme.Invalid(rythme.FieldError{Field: "alt_text", Message: rythme.ControlCharMessage}))
				return
			}
		case "file":
			if saved {
				s.fail(c, rythme.Invalid(rythme.FieldError{Field: "file", Message: "one file per upload"}))
				return
			}
			m.Filename = cleanFilename(part.FileName())
			st, err := s.cfg.Media.Save(m.ID, part, s.cfg.MaxMediaBytes)
			var tooBig *http.MaxBytesError
			switch {
			case errors.Is(err, media.ErrTooLarge) || errors.As(err, &tooBig):
				s.fail(c, rythme.Errorf(rythme.ETOOLARGE, "the file is larger than %d bytes", s.cfg.MaxMediaBytes))
				return
			case err != nil:
				s.fail(c, fmt.Errorf("api: save media: %w", err))
				return
			}
			m.Size, m.SHA256, m.ContentType = st.Size, st.SHA256, st.ContentType
			saved = true
		}
		part.Close()
	}
	if !saved || m.Size == 0 {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "file", Message: "is required (multipart field named file)"}))
		return
	}
	if !slices.Contains(rythme.MediaTypes, m.ContentType) {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "file", Message: fmt.Sprintf(
			"is %s; rythme takes %s", m.ContentType, strings.Join(rythme.MediaTypes, ", "))}))
		return
	}
	if err := s.store.CreateMedia(c.Request.Context(), m); err != nil {
		s.fail(c, fmt.Errorf("api: create media: %w", err))
		return
	}
	c.JSON(http.StatusCreated, m)
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
