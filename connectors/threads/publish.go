package threads

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

// insightMetrics are the media insights read
// (https://developers.facebook.com/docs/threads/insights).
const insightMetrics = "views,likes,replies,reposts,quotes,shares"

// Publish publishes req.Text (with its one medium, if any), then each part
// of req.Thread as a reply to the part before. The result is the first
// post. Parts in req.Done are not sent again (connectors.PublishThread):
// when a reply fails, the error says which part, and a retry resumes
// there instead of publishing the first post twice.
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if acct == nil || acct.ExternalID == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account has no Threads user id")
	}
	if len(req.Media) > 1 {
		return nil, connectors.Errorf(connectors.Permanent, "rythme publishes one image or video per Threads post")
	}
	first := url.Values{"media_type": {"TEXT"}, "text": {req.Text}}
	if len(req.Media) == 1 {
		m := req.Media[0]
		if u, err := url.Parse(m.URL); m.URL == "" || err != nil || !u.IsAbs() {
			return nil, connectors.Errorf(connectors.Permanent, "the media has no public URL for Threads to fetch")
		}
		switch {
		case strings.HasPrefix(m.ContentType, "video/"):
			first.Set("media_type", "VIDEO")
			first.Set("video_url", m.URL)
		default:
			first.Set("media_type", "IMAGE")
			first.Set("image_url", m.URL)
		}
		if m.AltText != "" {
			first.Set("alt_text", m.AltText)
		}
	}
	if rc := req.Options["reply_control"]; rc != "" {
		first.Set("reply_control", rc)
	}
	if req.InReplyTo != "" {
		first.Set("reply_to_id", req.InReplyTo) // a reply from the inbox
	}
	if req.Poll != nil {
		if len(req.Media) > 0 {
			return nil, connectors.Errorf(connectors.Permanent, "a Threads poll goes on a text-only post")
		}
		first.Set("poll_attachment", pollAttachment(req.Poll))
	}
	return connectors.PublishThread(ctx, req, func(ctx context.Context, i int, text string, _, prev *connectors.Part) (connectors.Part, error) {
		form := first
		if i > 0 {
			form = url.Values{"media_type": {"TEXT"}, "text": {text}, "reply_to_id": {prev.ExternalID}}
		}
		id, err := c.post(ctx, client, acct.ExternalID, form)
		if err != nil {
			return connectors.Part{}, err
		}
		p := connectors.Part{ExternalID: id}
		if i == 0 {
			p.URL = c.permalink(ctx, client, id, acct.Username)
		}
		return p, nil
	})
}

// pollAttachment is the poll as Threads' poll_attachment
// (https://developers.facebook.com/documentation/threads/create-posts/polls):
// {"option_a": …, "option_b": …, up to option_d}. Threads takes no
// duration: the poll's DurationMinutes is not sent.
func pollAttachment(p *rythme.Poll) string {
	m := make(map[string]string, len(p.Options))
	for i, o := range p.Options {
		m["option_"+string(rune('a'+i))] = o
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return string(b)
}

// post makes a container from form, waits until it is FINISHED and
// publishes it, returning the post id. Before threads_publish nothing can
// have been published, so a lost answer there is Retryable.
func (c *Connector) post(ctx context.Context, client *http.Client, userID string, form url.Values) (string, error) {
	user := c.graph() + "/" + url.PathEscape(userID)
	var container struct {
		ID string `json:"id"`
	}
	if err := meta.Post(ctx, client, user+"/threads", form, c.cfg.Now, &container); err != nil {
		if ce, ok := connectors.AsError(err); ok && ce.Kind == connectors.Unknown {
			ce.Kind = connectors.Retryable
		}
		return "", err
	}
	if container.ID == "" {
		return "", connectors.Errorf(connectors.Retryable, "Threads made no media container")
	}
	w := meta.Waiter{Client: client, Now: c.cfg.Now, Sleep: c.cfg.Sleep, MaxWait: c.cfg.MaxWait}
	if err := w.Wait(ctx, c.graph()+"/"+url.PathEscape(container.ID), "status,error_message"); err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	err := meta.Post(ctx, client, user+"/threads_publish", url.Values{"creation_id": {container.ID}}, c.cfg.Now, &out)
	if e, ok := meta.ErrorOf(err); ok && e.Code == meta.CodePublishLimit && e.Subcode == meta.SubcodePublishLimit {
		ce, _ := connectors.AsError(err)
		ce.Kind = connectors.RateLimited
		ce.RetryAfter = meta.QuotaWait(ctx, client, user+"/threads_publishing_limit", user+"/threads", QuotaPosts, c.cfg.Now)
		return "", ce
	}
	if err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &connectors.Error{Kind: connectors.Unknown, Message: "Threads accepted the post but its answer has no id"}
	}
	return out.ID, nil
}

// permalink reads the post's web address; the profile's when that fails
// (the post is published whatever this read answers).
func (c *Connector) permalink(ctx context.Context, client *http.Client, id, username string) string {
	var m struct {
		Permalink string `json:"permalink"`
	}
	if meta.Get(ctx, client, c.graph()+"/"+url.PathEscape(id), url.Values{"fields": {"permalink"}}, c.cfg.Now, &m) == nil && m.Permalink != "" {
		return m.Permalink
	}
	return "https://www.threads.com/@" + username
}

// FetchMetrics reads each post's insights with
// GET /{media-id}/insights?metric=views,likes,replies,reposts,quotes,shares
// (Threads has no multiple-id read). Views are impressions, replies
// comments, and reposts, quotes and shares add up to shares. Code 100
// subcode 33 means the post was deleted.
func (c *Connector) FetchMetrics(ctx context.Context, _ *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	at := c.cfg.Now().UTC()
	seen := map[string]bool{}
	out := make([]rythme.Metrics, 0, len(externalIDs))
	for _, id := range externalIDs {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		var ins struct {
			Data []meta.Insight `json:"data"`
		}
		err := meta.Get(ctx, client, c.graph()+"/"+url.PathEscape(id)+"/insights", url.Values{"metric": {insightMetrics}}, c.cfg.Now, &ins)
		if meta.Deleted(err) {
			out = append(out, rythme.Metrics{ExternalID: id, At: at, Deleted: true})
			continue
		}
		if err != nil {
			return nil, err
		}
		v := meta.InsightValues(ins.Data)
		m := rythme.Metrics{ExternalID: id, At: at, Impressions: meta.Ptr(v, "views"), Likes: meta.Ptr(v, "likes"), Comments: meta.Ptr(v, "replies")}
		var shares int64
		got := false
		for _, k := range []string{"reposts", "quotes", "shares"} {
			if n, ok := v[k]; ok {
				shares += n
				got = true
			}
		}
		if got {
			m.Shares = &shares
		}
		out = append(out, m)
	}
	return out, nil
}
