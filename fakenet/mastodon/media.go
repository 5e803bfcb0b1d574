package mastodon

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// Media attachments, as https://docs.joinmastodon.org/methods/media/
// documents them: POST /api/v2/media takes a multipart "file" (and a
// "description"); an image is processed at once (200, url set), a video in
// the background (202, url null) and GET /api/v1/media/:id answers 206
// until it is ready, then 200. A status attaches at most 4 of the user's
// unattached media through media_ids[] (MediaAttachment limits:
// https://docs.joinmastodon.org/methods/statuses/#create).

// mastodonMaxMedia is the number of media a status may carry.
const mastodonMaxMedia = 4

// Mastodon's default size limits (MediaAttachment IMAGE_LIMIT and
// VIDEO_LIMIT; the instance reports them in configuration.media_attachments).
const (
	mastodonImageLimit = 16 << 20
	mastodonVideoLimit = 99 << 20
)

type mMedia struct {
	id, kind, contentType, description string
	user                               *mUser
	attached                           bool
	ready                              bool // videos: after one poll
}

type mastMediaJSON struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	URL         *string `json:"url"`
	PreviewURL  *string `json:"preview_url"`
	Description *string `json:"description"`
	Blurhash    *string `json:"blurhash"`
}

func (m *mastodon) mediaJSON(base string, md *mMedia) mastMediaJSON {
	out := mastMediaJSON{ID: md.id, Type: md.kind}
	preview := base + "/system/media_attachments/" + md.id + "/small"
	out.PreviewURL = &preview
	if md.ready {
		u := base + "/system/media_attachments/" + md.id + "/original"
		out.URL = &u
	}
	if md.description != "" {
		d := md.description
		out.Description = &d
	}
	return out
}

func (m *mastodon) uploadMedia(w http.ResponseWriter, r *http.Request, tok *mToken) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		sim.WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: File can't be blank"})
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		sim.WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: File can't be blank"})
		return
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	size, _ := io.Copy(io.Discard, f)
	size += int64(n)
	f.Close()
	ct := sniffMedia(head[:n], hdr.Header.Get("Content-Type"))
	kind, limit := "image", int64(mastodonImageLimit)
	switch {
	case strings.HasPrefix(ct, "video/"):
		kind, limit = "video", mastodonVideoLimit
	case ct == "image/gif":
		kind = "gifv"
	case !strings.HasPrefix(ct, "image/"):
		sim.WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: File content type is invalid, File is invalid"})
		return
	}
	if size > limit {
		sim.WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: File file size must be less than " + strconv.FormatInt(limit>>20, 10) + " MB"})
		return
	}
	m.mu.Lock()
	md := &mMedia{id: m.newID(), kind: kind, contentType: ct, description: r.FormValue("description"),
		user: m.user(tok.user, m.s.Config().Now()), ready: kind == "image"}
	m.media[md.id] = md
	out := m.mediaJSON(m.base(r), md)
	m.mu.Unlock()
	status := http.StatusOK
	if !md.ready {
		status = http.StatusAccepted
	}
	sim.WriteJSON(w, status, out)
}

func (m *mastodon) getMedia(w http.ResponseWriter, r *http.Request, tok *mToken, id string) {
	m.mu.Lock()
	md, ok := m.media[id]
	if !ok || md.user.username != tok.user {
		m.mu.Unlock()
		sim.WriteJSON(w, http.StatusNotFound, map[string]string{"error": errNotFound})
		return
	}
	status := http.StatusOK
	if !md.ready {
		status = http.StatusPartialContent
		md.ready = true // processed by the next poll
	}
	out := m.mediaJSON(m.base(r), md)
	m.mu.Unlock()
	sim.WriteJSON(w, status, out)
}

// attachMedia checks media_ids[] for a new status of u: the user's own,
// unattached, at most 4, processed. Holds m.mu. It returns the media or
// the error message Mastodon gives.
func (m *mastodon) attachMedia(ids []string, u *mUser) ([]*mMedia, string) {
	if len(ids) > mastodonMaxMedia {
		return nil, "Validation failed: Media attachments exceed limit"
	}
	out := make([]*mMedia, 0, len(ids))
	for _, id := range ids {
		md, ok := m.media[id]
		if !ok || md.user != u || md.attached {
			return nil, "Validation failed: Media ids are invalid"
		}
		if !md.ready {
			return nil, "Cannot attach files that have not finished processing. Try again in a moment!"
		}
		out = append(out, md)
	}
	return out, ""
}

func sniffMedia(head []byte, declared string) string {
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		if string(head[8:10]) == "qt" {
			return "video/quicktime"
		}
		return "video/mp4"
	}
	ct, _, _ := strings.Cut(http.DetectContentType(head), ";")
	if ct == "application/octet-stream" && declared != "" {
		return declared
	}
	return ct
}
