package linkedin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// postBody is a Posts API create request
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#create-a-text-only-post).
type postBody struct {
	Author                    string       `json:"author"`
	Commentary                string       `json:"commentary"`
	Visibility                string       `json:"visibility"`
	Distribution              distribution `json:"distribution"`
	Content                   *content     `json:"content,omitempty"`
	LifecycleState            string       `json:"lifecycleState"`
	IsReshareDisabledByAuthor bool         `json:"isReshareDisabledByAuthor"`
}

type distribution struct {
	FeedDistribution               string   `json:"feedDistribution"`
	TargetEntities                 []string `json:"targetEntities"`
	ThirdPartyDistributionChannels []string `json:"thirdPartyDistributionChannels"`
}

type content struct {
	Media      *image      `json:"media,omitempty"`
	MultiImage *multiImage `json:"multiImage,omitempty"`
	Poll       *liPoll     `json:"poll,omitempty"`
}

// liPoll is a poll post's content
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/poll-post-api):
// a question, 2 to 4 options and a duration of ONE_DAY, THREE_DAYS,
// SEVEN_DAYS or FOURTEEN_DAYS.
type liPoll struct {
	Question string         `json:"question"`
	Options  []liPollOption `json:"options"`
	Settings liPollSettings `json:"settings"`
}

type liPollOption struct {
	Text string `json:"text"`
}

type liPollSettings struct {
	Duration string `json:"duration"`
}

// pollDurations are LinkedIn's poll durations, by minutes.
var pollDurations = map[int]string{24 * 60: "ONE_DAY", 3 * 24 * 60: "THREE_DAYS", 7 * 24 * 60: "SEVEN_DAYS", 14 * 24 * 60: "FOURTEEN_DAYS"}

// pollContent is req's poll as LinkedIn's content.poll: the text is also
// the question (LinkedIn shows the commentary above it).
func pollContent(text string, p *rythme.Poll) (*content, error) {
	d, ok := pollDurations[p.DurationMinutes]
	if !ok {
		return nil, connectors.Errorf(connectors.Permanent, "a LinkedIn poll lasts 1, 3, 7 or 14 days, not %d minutes", p.DurationMinutes)
	}
	opts := make([]liPollOption, len(p.Options))
	for i, o := range p.Options {
		opts[i] = liPollOption{Text: o}
	}
	return &content{Poll: &liPoll{Question: text, Options: opts, Settings: liPollSettings{Duration: d}}}, nil
}

type image struct {
	ID      string `json:"id"`
	AltText string `json:"altText,omitempty"`
}

type multiImage struct {
	Images []image `json:"images"`
}

var visibilities = map[string]bool{"PUBLIC": true, "CONNECTIONS": true, "LOGGED_IN": true}

// author returns the post's author: the member, or the organization of
// Options["author"].
func author(acct *rythme.Account, opts map[string]string) (string, error) {
	if acct == nil || !strings.HasPrefix(acct.ExternalID, "urn:li:person:") {
		return "", connectors.Errorf(connectors.Permanent, "the account is not a LinkedIn member (urn:li:person:…)")
	}
	a := strings.TrimSpace(opts["author"])
	switch {
	case a == "":
		return acct.ExternalID, nil
	case strings.HasPrefix(a, "urn:li:organization:") || strings.HasPrefix(a, "urn:li:person:"):
		return a, nil
	case strings.Trim(a, "0123456789") == "":
		return "urn:li:organization:" + a, nil
	}
	return "", connectors.Errorf(connectors.Permanent, "option author %q is not an organization URN or id", a)
}

// Publish creates a post with POST /rest/posts; LinkedIn answers 201 with
// the post's URN in the x-restli-id header. The text is escaped to little
// text (see Escape). Images are uploaded first through the Images API
// (initializeUpload, then a PUT of the bytes); one image is content.media,
// more are content.multiImage. With InReplyTo (a comment URN, from the
// inbox) it is a nested comment instead (reply.go).
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if req.InReplyTo != "" {
		return c.reply(ctx, acct, client, req)
	}
	owner, err := author(acct, req.Options)
	if err != nil {
		return nil, err
	}
	vis := strings.ToUpper(strings.TrimSpace(req.Options["visibility"]))
	if vis == "" {
		vis = "PUBLIC"
	}
	if !visibilities[vis] {
		return nil, connectors.Errorf(connectors.Permanent, "option visibility %q is not PUBLIC, CONNECTIONS or LOGGED_IN", vis)
	}
	if len(req.Media) > MaxImages {
		return nil, connectors.Errorf(connectors.Permanent, "%d images; LinkedIn takes at most %d", len(req.Media), MaxImages)
	}
	body := postBody{Author: owner, Commentary: Escape(req.Text), Visibility: vis, LifecycleState: "PUBLISHED",
		Distribution: distribution{FeedDistribution: "MAIN_FEED", TargetEntities: []string{}, ThirdPartyDistributionChannels: []string{}}}
	if req.Poll != nil {
		if body.Content, err = pollContent(req.Text, req.Poll); err != nil {
			return nil, err
		}
	} else if len(req.Media) > 0 {
		imgs, err := c.uploadImages(ctx, client, owner, req.Media)
		if err != nil {
			return nil, err
		}
		if len(imgs) == 1 {
			body.Content = &content{Media: &imgs[0]}
		} else {
			body.Content = &content{MultiImage: &multiImage{Images: imgs}}
		}
	}
	hr, err := c.newRequest(ctx, http.MethodPost, c.cfg.BaseURL+"/rest/posts", body, true)
	if err != nil {
		return nil, err
	}
	resp, err := connectors.Do(client, hr)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, c.fromResponse(resp)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	urn := resp.Header.Get("X-RestLi-Id")
	if urn == "" {
		urn = resp.Header.Get("X-LinkedIn-Id")
	}
	if urn == "" {
		// LinkedIn said yes but did not say which post: it probably exists.
		return nil, &connectors.Error{Kind: connectors.Unknown, Status: resp.StatusCode, Message: "LinkedIn accepted the post but sent no x-restli-id"}
	}
	return &connectors.Published{ExternalID: urn, URL: "https://www.linkedin.com/feed/update/" + urn + "/"}, nil
}

// uploadImages uploads media in parallel (at most 4 at a time) and returns
// them in order.
func (c *Connector) uploadImages(ctx context.Context, client *http.Client, owner string, media []connectors.Media) ([]image, error) {
	out := make([]image, len(media))
	errs := make([]error, len(media))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, m := range media {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			id, err := c.uploadImage(ctx, client, owner, m)
			out[i], errs[i] = image{ID: id, AltText: m.AltText}, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			// Nothing was posted yet: an upload that may have landed is
			// harmless, so a retry is safe rather than unconfirmed.
			if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Unknown {
				e.Kind = connectors.Retryable
			}
			return nil, err
		}
	}
	return out, nil
}

// uploadImage is POST /rest/images?action=initializeUpload, then a PUT of
// the bytes to the upload URL it returns
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api).
func (c *Connector) uploadImage(ctx context.Context, client *http.Client, owner string, m connectors.Media) (string, error) {
	switch m.ContentType {
	case "image/jpeg", "image/png", "image/gif":
	default:
		return "", connectors.Errorf(connectors.Permanent, "LinkedIn takes JPEG, PNG or GIF images, not %q", m.ContentType)
	}
	if m.Open == nil {
		return "", connectors.Errorf(connectors.Permanent, "media %s has no content", m.ID)
	}
	init := map[string]any{"initializeUploadRequest": map[string]string{"owner": owner}}
	hr, err := c.newRequest(ctx, http.MethodPost, c.cfg.BaseURL+"/rest/images?action=initializeUpload", init, true)
	if err != nil {
		return "", err
	}
	var got struct {
		Value struct {
			UploadURL string `json:"uploadUrl"`
			Image     string `json:"image"`
		} `json:"value"`
	}
	if err := c.doJSON(client, hr, &got); err != nil {
		return "", err
	}
	if got.Value.UploadURL == "" || got.Value.Image == "" {
		return "", connectors.Errorf(connectors.Retryable, "LinkedIn's initializeUpload answer has no upload URL or image")
	}
	if u, err := url.Parse(got.Value.UploadURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", connectors.Errorf(connectors.Retryable, "LinkedIn's upload URL is not an http(s) URL")
	}
	rc, err := m.Open()
	if err != nil {
		return "", &connectors.Error{Kind: connectors.Retryable, Message: fmt.Sprintf("could not read media %s", m.ID), Err: err}
	}
	defer rc.Close()
	put, err := http.NewRequestWithContext(ctx, http.MethodPut, got.Value.UploadURL, rc)
	if err != nil {
		return "", &connectors.Error{Kind: connectors.Permanent, Message: "invalid upload URL", Err: err}
	}
	if m.Size > 0 {
		put.ContentLength = m.Size
	}
	put.Header.Set("Content-Type", m.ContentType)
	if err := c.doJSON(client, put, nil); err != nil {
		return "", err
	}
	return got.Value.Image, nil
}
