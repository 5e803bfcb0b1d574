package x

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rythmehq/rythme/connectors"
)

// Media upload v2 (https://docs.x.com/x-api/media/introduction): an image
// goes in one POST /2/media/upload; a GIF or a video through
// POST /2/media/upload/initialize, /{id}/append and /{id}/finalize
// (https://docs.x.com/x-api/media/quickstart/media-upload-chunked), then
// GET /2/media/upload?command=STATUS until X has processed it. Alt text is
// set with POST /2/media/metadata. Nothing is published by an upload, so a
// failure here is never an unknown outcome: it is retryable.

// uploadResult is the "data" of every media upload answer.
type uploadResult struct {
	Data struct {
		ID             string `json:"id"`
		ProcessingInfo *struct {
			State          string `json:"state"`
			CheckAfterSecs int    `json:"check_after_secs"`
			Error          *struct {
				Message string `json:"message"`
				Name    string `json:"name"`
			} `json:"error"`
		} `json:"processing_info"`
	} `json:"data"`
}

// uploadMedia uploads m and returns its media id.
func (c *Connector) uploadMedia(ctx context.Context, client *http.Client, m connectors.Media) (string, error) {
	category, _ := mediaKind(m.ContentType)
	var id string
	var err error
	if category == "tweet_image" {
		id, err = c.simpleUpload(ctx, client, m)
	} else {
		id, err = c.chunkedUpload(ctx, client, m, category)
	}
	if err == nil && m.AltText != "" {
		body := map[string]any{"id": id, "metadata": map[string]any{"alt_text": map[string]string{"text": m.AltText}}}
		err = c.do(ctx, client, http.MethodPost, c.cfg.UploadURL+"/2/media/metadata", body, nil)
	}
	if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Unknown {
		e.Kind = connectors.Retryable
	}
	return id, err
}

// simpleUpload sends an image as multipart/form-data to POST /2/media/upload
// (https://docs.x.com/x-api/media/upload-media).
func (c *Connector) simpleUpload(ctx context.Context, client *http.Client, m connectors.Media) (string, error) {
	rc, err := m.Open()
	if err != nil {
		return "", &connectors.Error{Kind: connectors.Retryable, Message: "the media file could not be read", Err: err}
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxImageBytes+1))
	if err != nil {
		return "", &connectors.Error{Kind: connectors.Retryable, Message: "the media file could not be read", Err: err}
	}
	if len(data) > MaxImageBytes {
		return "", connectors.Errorf(connectors.Permanent, "the image is larger than X's %d bytes", MaxImageBytes)
	}
	var out uploadResult
	// The one-shot upload takes media and media_category only (X's spec
	// refuses other fields); X reads the image's type from its bytes.
	err = c.postMultipart(ctx, client, c.cfg.UploadURL+"/2/media/upload",
		map[string]string{"media_category": "tweet_image"}, data, &out)
	if err != nil {
		return "", err
	}
	if out.Data.ID == "" {
		return "", connectors.Errorf(connectors.Retryable, "X's upload answer has no media id")
	}
	return out.Data.ID, nil
}

// chunkedUpload runs INITIALIZE, APPEND (ChunkSize segments) and FINALIZE,
// then waits for processing.
func (c *Connector) chunkedUpload(ctx context.Context, client *http.Client, m connectors.Media, category string) (string, error) {
	rc, err := m.Open()
	if err != nil {
		return "", &connectors.Error{Kind: connectors.Retryable, Message: "the media file could not be read", Err: err}
	}
	defer rc.Close()
	var src io.Reader = rc
	total := m.Size
	if total <= 0 {
		// Size unknown: read it (bounded by X's largest limit) to learn it.
		data, err := io.ReadAll(io.LimitReader(rc, MaxVideoBytes+1))
		if err != nil {
			return "", &connectors.Error{Kind: connectors.Retryable, Message: "the media file could not be read", Err: err}
		}
		total, src = int64(len(data)), bytes.NewReader(data)
	}
	var init uploadResult
	err = c.do(ctx, client, http.MethodPost, c.cfg.UploadURL+"/2/media/upload/initialize",
		map[string]any{"media_type": m.ContentType, "total_bytes": total, "media_category": category}, &init)
	if err != nil {
		return "", err
	}
	id := init.Data.ID
	if id == "" {
		return "", connectors.Errorf(connectors.Retryable, "X's initialize answer has no media id")
	}
	base := c.cfg.UploadURL + "/2/media/upload/" + url.PathEscape(id)
	buf := make([]byte, c.cfg.ChunkSize)
	var sent int64
	for seg := 0; sent < total; seg++ {
		n, err := io.ReadFull(src, buf[:min(int64(len(buf)), total-sent)])
		if err != nil {
			return "", &connectors.Error{Kind: connectors.Retryable, Message: "the media file is shorter than its size", Err: err}
		}
		if err := c.postMultipart(ctx, client, base+"/append", map[string]string{"segment_index": strconv.Itoa(seg)}, buf[:n], nil); err != nil {
			return "", fmt.Errorf("append segment %d: %w", seg, err)
		}
		sent += int64(n)
	}
	var fin uploadResult
	if err := c.do(ctx, client, http.MethodPost, base+"/finalize", nil, &fin); err != nil {
		return "", err
	}
	return id, c.waitProcessed(ctx, client, id, fin)
}

// waitProcessed polls GET /2/media/upload?command=STATUS
// (https://docs.x.com/x-api/media/get-media-upload-status) while X
// processes the media.
func (c *Connector) waitProcessed(ctx context.Context, client *http.Client, id string, st uploadResult) error {
	deadline := time.Now().Add(c.cfg.MaxProcessingWait)
	for {
		info := st.Data.ProcessingInfo
		if info == nil || info.State == "succeeded" {
			return nil
		}
		if info.State == "failed" {
			msg := "X could not process the media"
			if info.Error != nil && info.Error.Message != "" {
				msg += ": " + info.Error.Message
			}
			return connectors.Errorf(connectors.Permanent, "%s", msg)
		}
		wait := c.cfg.PollInterval
		if wait <= 0 {
			wait = time.Duration(max(info.CheckAfterSecs, 1)) * time.Second
		}
		if time.Now().Add(wait).After(deadline) {
			return connectors.Errorf(connectors.Retryable, "X is still processing the media after %s", c.cfg.MaxProcessingWait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return &connectors.Error{Kind: connectors.Retryable, Message: "cancelled while X processed the media", Err: ctx.Err()}
		case <-t.C:
		}
		st = uploadResult{}
		q := url.Values{"command": {"STATUS"}, "media_id": {id}}
		if err := c.do(ctx, client, http.MethodGet, c.cfg.UploadURL+"/2/media/upload?"+q.Encode(), nil, &st); err != nil {
			return err
		}
	}
}

// postMultipart sends fields and, when file is not nil, a "media" part.
func (c *Connector) postMultipart(ctx context.Context, client *http.Client, u string, fields map[string]string, file []byte, out any) error {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			return &connectors.Error{Kind: connectors.Permanent, Message: "the upload could not be encoded", Err: err}
		}
	}
	if file != nil {
		part, err := w.CreateFormFile("media", "media")
		if err == nil {
			_, err = part.Write(file)
		}
		if err != nil {
			return &connectors.Error{Kind: connectors.Permanent, Message: "the upload could not be encoded", Err: err}
		}
	}
	if err := w.Close(); err != nil {
		return &connectors.Error{Kind: connectors.Permanent, Message: "the upload could not be encoded", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body.Bytes()))
	if err != nil {
		return &connectors.Error{Kind: connectors.Permanent, Message: "invalid upload URL", Err: err}
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.send(client, req, out)
}
