package x

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// Media upload v2 (https://docs.x.com/x-api/media/quickstart/media-upload-chunked):
// POST /2/media/upload takes an image in one request (multipart field
// "media", or JSON with base64 "media"); videos and GIFs go through
// POST /2/media/upload/initialize, /:id/append (segments 0..999) and
// /:id/finalize, after which X processes them: FINALIZE answers with
// processing_info and the client polls GET /2/media/upload?command=STATUS
// until the state is "succeeded". The older single endpoint with
// command=INIT|APPEND|FINALIZE (as the quickstart still shows) is served
// too.

const (
	xMediaTTL       = 24 * time.Hour
	xMaxSegment     = 5 << 20
	xMaxImageBytes  = 5 << 20
	xMaxGIFBytes    = 15 << 20
	xMaxVideoBytes  = 512 << 20
	xMaxAltText     = 1000
	xStatusPollsFor = 1 // STATUS calls answered in_progress before success
)

// xCategories maps a media_category to the types it takes and its size
// limit (https://docs.x.com/x-api/media/quickstart/best-practices).
var xCategories = map[string]struct {
	types []string
	max   int64
}{
	"tweet_image":   {[]string{"image/jpeg", "image/png", "image/webp", "image/bmp", "image/pjpeg", "image/tiff"}, xMaxImageBytes},
	"tweet_gif":     {[]string{"image/gif"}, xMaxGIFBytes},
	"tweet_video":   {[]string{"video/mp4", "video/quicktime", "video/webm", "video/mp2t"}, xMaxVideoBytes},
	"amplify_video": {[]string{"video/mp4", "video/quicktime", "video/webm", "video/mp2t"}, xMaxVideoBytes},
}

func xCategoryAccepts(category, mediaType string) bool {
	c, ok := xCategories[category]
	if !ok {
		return false
	}
	for _, t := range c.types {
		if t == mediaType {
			return true
		}
	}
	return false
}

func (x *xNet) mediaJSON(m *xMedia, now time.Time) map[string]any {
	prefix := "3_"
	if m.category != "tweet_image" {
		prefix = "7_"
	}
	out := map[string]any{"id": m.id, "media_key": prefix + m.id, "size": m.size,
		"expires_after_secs": int(m.created.Add(xMediaTTL).Sub(now).Seconds())}
	if m.segments != nil && m.finalized {
		info := map[string]any{"state": "succeeded", "progress_percent": 100}
		if m.processing {
			info = map[string]any{"state": "in_progress", "check_after_secs": 1, "progress_percent": 50}
		}
		out["processing_info"] = info
	}
	return out
}

// mediaUpload is POST /2/media/upload: the simple image upload, or the
// legacy command=INIT|APPEND|FINALIZE form.
func (x *xNet) mediaUpload(w http.ResponseWriter, r *http.Request, tok *xToken) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var fields map[string]string
	var file []byte
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			xInvalid(w, "The multipart body could not be read: "+err.Error())
			return
		}
		fields = map[string]string{}
		for k, v := range r.MultipartForm.Value {
			fields[k] = v[0]
		}
		if f, _, err := r.FormFile("media"); err == nil {
			file, _ = io.ReadAll(io.LimitReader(f, xMaxImageBytes+1))
			f.Close()
		}
	case "application/json":
		var body map[string]any
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&body); err != nil {
			xInvalid(w, "Request body is not valid JSON.")
			return
		}
		fields = map[string]string{}
		for k, v := range body {
			if s, ok := v.(string); ok {
				fields[k] = s
			}
		}
		if s := fields["media"]; s != "" {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				xInvalid(w, "The `media` field is not valid base64.")
				return
			}
			file = b
		}
	default:
		_ = r.ParseForm()
		fields = map[string]string{}
		for k, v := range r.Form {
			fields[k] = v[0]
		}
	}
	for k, v := range r.URL.Query() {
		if _, ok := fields[k]; !ok {
			fields[k] = v[0]
		}
	}
	switch strings.ToUpper(fields["command"]) {
	case "INIT":
		total, _ := strconv.ParseInt(fields["total_bytes"], 10, 64)
		x.initialize(w, tok, fields["media_type"], fields["media_category"], total)
		return
	case "APPEND":
		idx, err := strconv.Atoi(fields["segment_index"])
		if err != nil {
			idx = -1
		}
		x.appendSegment(w, tok, fields["media_id"], idx, int64(len(file)), file == nil)
		return
	case "FINALIZE":
		x.finalize(w, tok, fields["media_id"])
		return
	case "":
	default:
		xInvalid(w, "The `command` parameter must be INIT, APPEND or FINALIZE.")
		return
	}
	category, mediaType := fields["media_category"], fields["media_type"]
	if mediaType == "" {
		mediaType = http.DetectContentType(file)
	}
	switch {
	case file == nil:
		xInvalid(w, "The `media` field is required.")
		return
	case category != "tweet_image" || !xCategoryAccepts(category, mediaType):
		xInvalid(w, "The simple upload takes images only (media_category tweet_image; GIFs and videos use the chunked upload).")
		return
	case int64(len(file)) > xMaxImageBytes:
		xInvalid(w, "File size exceeds 5242880 bytes.")
		return
	}
	now := x.s.Config().Now()
	x.mu.Lock()
	m := &xMedia{id: x.newID(), owner: tok.user, mediaType: mediaType, category: category, total: int64(len(file)),
		size: int64(len(file)), finalized: true, created: now}
	x.media[m.id] = m
	out := x.mediaJSON(m, now)
	x.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
}

// mediaInitialize is POST /2/media/upload/initialize (JSON).
func (x *xNet) mediaInitialize(w http.ResponseWriter, r *http.Request, tok *xToken) {
	var body struct {
		MediaType     string `json:"media_type"`
		MediaCategory string `json:"media_category"`
		TotalBytes    int64  `json:"total_bytes"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		xInvalid(w, "Request body is not valid JSON.")
		return
	}
	x.initialize(w, tok, body.MediaType, body.MediaCategory, body.TotalBytes)
}

func (x *xNet) initialize(w http.ResponseWriter, tok *xToken, mediaType, category string, total int64) {
	if category == "" {
		switch {
		case strings.HasPrefix(mediaType, "video/"):
			category = "tweet_video"
		case mediaType == "image/gif":
			category = "tweet_gif"
		default:
			category = "tweet_image"
		}
	}
	c, ok := xCategories[category]
	switch {
	case !ok || !xCategoryAccepts(category, mediaType):
		xInvalid(w, "The media_type "+mediaType+" is not supported for media_category "+category+".")
		return
	case total <= 0:
		xInvalid(w, "The `total_bytes` parameter is required.")
		return
	case total > c.max:
		xInvalid(w, "File size exceeds "+strconv.FormatInt(c.max, 10)+" bytes.")
		return
	}
	now := x.s.Config().Now()
	x.mu.Lock()
	m := &xMedia{id: x.newID(), owner: tok.user, mediaType: mediaType, category: category, total: total,
		segments: map[int]int64{}, created: now}
	x.media[m.id] = m
	out := x.mediaJSON(m, now)
	x.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
}

// mediaAppend is POST /2/media/upload/:id/append (multipart
// segment_index and media).
func (x *xNet) mediaAppend(w http.ResponseWriter, r *http.Request, tok *xToken, id string) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		xInvalid(w, "The multipart body could not be read: "+err.Error())
		return
	}
	idx, err := strconv.Atoi(r.FormValue("segment_index"))
	if err != nil {
		idx = -1
	}
	f, _, err := r.FormFile("media")
	if err != nil {
		x.appendSegment(w, tok, id, idx, 0, true)
		return
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(f, xMaxSegment+1))
	f.Close()
	x.appendSegment(w, tok, id, idx, n, false)
}

func (x *xNet) appendSegment(w http.ResponseWriter, tok *xToken, id string, idx int, n int64, missing bool) {
	now := x.s.Config().Now()
	x.mu.Lock()
	m := x.media[id]
	var msg string
	switch {
	case m == nil || m.owner != tok.user || m.segments == nil || now.Sub(m.created) > xMediaTTL:
		msg = "The media id " + id + " is not a valid upload session."
	case m.finalized:
		msg = "The upload session " + id + " is already finalized."
	case missing:
		msg = "The `media` field is required."
	case idx < 0 || idx > 999:
		msg = "The `segment_index` must be between 0 and 999."
	case n > xMaxSegment:
		msg = "A segment may not exceed 5242880 bytes."
	}
	if msg != "" {
		x.mu.Unlock()
		xInvalid(w, msg)
		return
	}
	m.segments[idx] = n
	expires := m.created.Add(xMediaTTL).Unix()
	x.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"expires_at": expires}})
}

// mediaFinalize is POST /2/media/upload/:id/finalize.
func (x *xNet) mediaFinalize(w http.ResponseWriter, _ *http.Request, tok *xToken, id string) {
	x.finalize(w, tok, id)
}

func (x *xNet) finalize(w http.ResponseWriter, tok *xToken, id string) {
	now := x.s.Config().Now()
	x.mu.Lock()
	m := x.media[id]
	if m == nil || m.owner != tok.user || m.segments == nil || m.finalized {
		x.mu.Unlock()
		xInvalid(w, "The media id "+id+" is not a valid upload session.")
		return
	}
	var size int64
	for i := 0; i < len(m.segments); i++ {
		n, ok := m.segments[i]
		if !ok {
			x.mu.Unlock()
			xInvalid(w, "Segments are missing: segment "+strconv.Itoa(i)+" was not uploaded.")
			return
		}
		size += n
	}
	if size != m.total {
		x.mu.Unlock()
		xInvalid(w, "File size mismatch: total_bytes was "+strconv.FormatInt(m.total, 10)+", "+strconv.FormatInt(size, 10)+" were uploaded.")
		return
	}
	m.size, m.finalized = size, true
	// Videos and GIFs are processed asynchronously; images at once.
	m.processing = m.category != "tweet_image"
	out := x.mediaJSON(m, now)
	if m.processing {
		out["processing_info"] = map[string]any{"state": "pending", "check_after_secs": 1}
	}
	x.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
}

// mediaStatus is GET /2/media/upload?command=STATUS&media_id=
// (https://docs.x.com/x-api/media/get-media-upload-status). Processing
// ends after a STATUS call answered in_progress.
func (x *xNet) mediaStatus(w http.ResponseWriter, r *http.Request, tok *xToken) {
	q := r.URL.Query()
	if q.Get("command") != "" && q.Get("command") != "STATUS" {
		xInvalid(w, "The `command` parameter must be STATUS.")
		return
	}
	id := q.Get("media_id")
	now := x.s.Config().Now()
	x.mu.Lock()
	defer x.mu.Unlock()
	m := x.media[id]
	if m == nil || m.owner != tok.user {
		xInvalid(w, "The media id "+id+" is not valid.")
		return
	}
	out := x.mediaJSON(m, now)
	if m.processing {
		x.statusN[id]++
		if x.statusN[id] > xStatusPollsFor {
			m.processing = false
			out = x.mediaJSON(m, now)
		}
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
}

// mediaMetadata is POST /2/media/metadata
// (https://docs.x.com/x-api/media/create-media-metadata): alt text of at
// most 1000 characters.
func (x *xNet) mediaMetadata(w http.ResponseWriter, r *http.Request, tok *xToken) {
	var body struct {
		ID       string `json:"id"`
		Metadata struct {
			AltText *struct {
				Text string `json:"text"`
			} `json:"alt_text"`
		} `json:"metadata"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		xInvalid(w, "Request body is not valid JSON.")
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	m := x.media[body.ID]
	switch {
	case m == nil || m.owner != tok.user:
		xInvalid(w, "The media id "+body.ID+" is not valid.")
		return
	case body.Metadata.AltText != nil && utf8.RuneCountInString(body.Metadata.AltText.Text) > xMaxAltText:
		xInvalid(w, "The alt text may not exceed 1000 characters.")
		return
	}
	meta := map[string]any{}
	if body.Metadata.AltText != nil {
		m.altText = body.Metadata.AltText.Text
		meta["alt_text"] = map[string]string{"text": m.altText}
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"id": m.id, "associated_metadata": meta}})
}
