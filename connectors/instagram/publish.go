package instagram

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

// Publish makes a container for the post's one medium (image_url for an
// image, media_type=REELS and video_url for a video), waits until it is
// FINISHED and publishes it
// (https://developers.facebook.com/docs/instagram-platform/content-publishing).
// Failures before media_publish cannot have published anything, so a lost
// answer there is Retryable, not Unknown. Past the 24-hour quota the
// answer is RateLimited until the window frees (see quotaWait).
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if acct == nil || acct.ExternalID == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account has no Instagram user id")
	}
	if req.InReplyTo != "" {
		return c.replyToComment(ctx, client, req)
	}
	if len(req.Media) == 0 {
		return nil, connectors.Errorf(connectors.Permanent, "Instagram publishes only posts with an image or a video")
	}
	if len(req.Media) > 1 {
		return nil, connectors.Errorf(connectors.Permanent, "rythme publishes one image or video per Instagram post")
	}
	m := req.Media[0]
	if u, err := url.Parse(m.URL); m.URL == "" || err != nil || !u.IsAbs() {
		return nil, connectors.Errorf(connectors.Permanent, "the media has no public URL for Instagram to fetch")
	}
	user := c.graph() + "/" + url.PathEscape(acct.ExternalID)
	form := url.Values{"caption": {req.Text}}
	switch {
	case strings.HasPrefix(m.ContentType, "video/"):
		form.Set("media_type", "REELS")
		form.Set("video_url", m.URL)
		if req.Options["share_to_feed"] == "false" {
			form.Set("share_to_feed", "false")
		}
	case m.ContentType == "" || m.ContentType == "image/jpeg":
		form.Set("image_url", m.URL)
		if m.AltText != "" {
			form.Set("alt_text", m.AltText)
		}
	default:
		return nil, connectors.Errorf(connectors.Permanent, "Instagram takes JPEG images and MP4 or MOV videos, not %s", m.ContentType)
	}
	var container struct {
		ID string `json:"id"`
	}
	if err := meta.Post(ctx, client, user+"/media", form, c.cfg.Now, &container); err != nil {
		return nil, beforePublish(err)
	}
	if container.ID == "" {
		return nil, connectors.Errorf(connectors.Retryable, "Instagram made no media container")
	}
	w := meta.Waiter{Client: client, Now: c.cfg.Now, Sleep: c.cfg.Sleep, MaxWait: c.cfg.MaxWait}
	if err := w.Wait(ctx, c.graph()+"/"+url.PathEscape(container.ID), "status_code,status"); err != nil {
		return nil, err
	}
	var out struct {
		ID string `json:"id"`
	}
	err := meta.Post(ctx, client, user+"/media_publish", url.Values{"creation_id": {container.ID}}, c.cfg.Now, &out)
	if e, ok := meta.ErrorOf(err); ok && e.Code == meta.CodePublishLimit && e.Subcode == meta.SubcodePublishLimit {
		ce, _ := connectors.AsError(err)
		ce.Kind, ce.RetryAfter = connectors.RateLimited, c.quotaWait(ctx, client, user)
		return nil, ce
	}
	if err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, &connectors.Error{Kind: connectors.Unknown, Message: "Instagram accepted the post but its answer has no id"}
	}
	pub := &connectors.Published{ExternalID: out.ID, URL: "https://www.instagram.com/" + acct.Username + "/"}
	// The permalink needs one more read; the post is published whatever
	// that read answers.
	var media struct {
		Permalink string `json:"permalink"`
	}
	if meta.Get(ctx, client, c.graph()+"/"+url.PathEscape(out.ID), url.Values{"fields": {"permalink"}}, c.cfg.Now, &media) == nil && media.Permalink != "" {
		pub.URL = media.Permalink
	}
	return pub, nil
}

// beforePublish turns a lost answer into a retryable one: nothing was
// published yet.
func beforePublish(err error) error {
	if ce, ok := connectors.AsError(err); ok && ce.Kind == connectors.Unknown {
		ce.Kind = connectors.Retryable
	}
	return err
}

// quotaWait is how long until the 24-hour window frees a post, from the
// account's content_publishing_limit and the timestamps of its media
// (see meta.QuotaWait).
func (c *Connector) quotaWait(ctx context.Context, client *http.Client, user string) time.Duration {
	return meta.QuotaWait(ctx, client, user+"/content_publishing_limit", user+"/media", QuotaPosts, c.cfg.Now)
}
