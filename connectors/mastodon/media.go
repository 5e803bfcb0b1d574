package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"time"

	"github.com/rythmehq/rythme/connectors"
)

// mediaPoll is how often a media still processing is asked after.
var mediaPoll = 500 * time.Millisecond

type attachment struct {
	ID  string  `json:"id"`
	URL *string `json:"url"`
}

// uploadMedia sends a file to POST /api/v2/media (multipart "file" and
// "description") and, when the server answers 202 (processing in the
// background), polls GET /api/v1/media/:id until it answers 200.
// https://docs.joinmastodon.org/methods/media/#v2
func (c *Connector) uploadMedia(ctx context.Context, client *http.Client, inst string, m connectors.Media) (string, error) {
	if m.Open == nil {
		return "", connectors.Errorf(connectors.Permanent, "media %s has no content to upload", m.ID)
	}
	rc, err := m.Open()
	if err != nil {
		return "", &connectors.Error{Kind: connectors.Retryable, Message: "could not read the media file", Err: err}
	}
	defer rc.Close()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if m.AltText != "" {
		_ = mw.WriteField("description", m.AltText)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, m.ID))
	h.Set("Content-Type", m.ContentType)
	fw, err := mw.CreatePart(h)
	if err == nil {
		_, err = io.Copy(fw, rc)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", &connectors.Error{Kind: connectors.Retryable, Message: "could not read the media file", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inst+"/api/v2/media", &body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	a, status, err := c.attachmentCall(client, req)
	if err != nil {
		return "", err
	}
	for status == http.StatusAccepted || status == http.StatusPartialContent {
		t := time.NewTimer(mediaPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", &connectors.Error{Kind: connectors.Retryable, Message: "the server was still processing the media", Err: ctx.Err()}
		case <-t.C:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, inst+"/api/v1/media/"+a.ID, nil)
		if err != nil {
			return "", err
		}
		req.Header.Set("Accept", "application/json")
		if a, status, err = c.attachmentCall(client, req); err != nil {
			return "", err
		}
	}
	return a.ID, nil
}

func (c *Connector) attachmentCall(client *http.Client, req *http.Request) (*attachment, int, error) {
	resp, err := connectors.Do(client, req)
	if err != nil {
		// An upload that may have landed is only an orphan attachment:
		// retrying is safe, so "unknown" is not needed here.
		if connectors.KindOf(err) == connectors.Unknown {
			err = &connectors.Error{Kind: connectors.Retryable, Message: "no answer while uploading media", Err: err}
		}
		return nil, 0, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, 0, connectors.FromResponse(resp, errorMessage)
	}
	defer resp.Body.Close()
	var a attachment
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&a); err != nil || a.ID == "" {
		return nil, 0, &connectors.Error{Kind: connectors.Retryable, Status: resp.StatusCode, Message: "the media answer could not be read", Err: err}
	}
	return &a, resp.StatusCode, nil
}
