package x

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// tweetRequest is the body of POST /2/tweets
// (https://docs.x.com/x-api/posts/create-post). Text is always sent, even
// empty: X's spec says its backend refuses an absent text.
type tweetRequest struct {
	Text  string      `json:"text"`
	Reply *replyField `json:"reply,omitempty"`
	Media *mediaField `json:"media,omitempty"`
	Poll  *pollField  `json:"poll,omitempty"`
}

// pollField is a post's poll (https://docs.x.com/x-api/posts/create-post:
// options, duration_minutes); its question is the post's text.
type pollField struct {
	Options         []string `json:"options"`
	DurationMinutes int      `json:"duration_minutes"`
}

type replyField struct {
	InReplyToTweetID string `json:"in_reply_to_tweet_id"`
}

type mediaField struct {
	MediaIDs []string `json:"media_ids"`
}

// Validate checks text against X's limit, counted as X counts it
// (WeightedLength): one message naming the weighted length and the limit.
func (c *Connector) Validate(text string) []string {
	if strings.TrimSpace(text) == "" {
		return []string{"is empty; X needs some text"}
	}
	p := Parse(text)
	var msgs []string
	if p.WeightedLength > MaxWeightedLength {
		msgs = append(msgs, fmt.Sprintf("is %d weighted characters long; X allows %d (a URL counts %d, an emoji 2, most characters outside Latin scripts 2)",
			p.WeightedLength, MaxWeightedLength, URLWeight))
	}
	if p.InvalidCharacters {
		msgs = append(msgs, "contains characters X refuses (U+FFFE, U+FEFF or U+FFFF)")
	}
	return msgs
}

// Publish uploads req.Media, posts req.Text with them (POST /2/tweets),
// then each part of req.Thread as a reply to the post before it. The first
// post's id is the ExternalID.
//
// X has no idempotency key: a timeout after a post was sent is an Unknown
// error, never retried here. Parts an earlier attempt published
// (req.Done) are not sent again (connectors.PublishThread), so a failed
// later part is retried from where it failed.
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if err := checkMedia(req.Media); err != nil {
		return nil, err
	}
	username := ""
	if acct != nil {
		username = acct.Username
	}
	return connectors.PublishThread(ctx, req, func(ctx context.Context, i int, text string, _, prev *connectors.Part) (connectors.Part, error) {
		body := tweetRequest{Text: text}
		if i == 0 {
			var mediaIDs []string
			for j, m := range req.Media {
				id, err := c.uploadMedia(ctx, client, m)
				if err != nil {
					return connectors.Part{}, fmt.Errorf("x: upload media %d of %d: %w", j+1, len(req.Media), err)
				}
				mediaIDs = append(mediaIDs, id)
			}
			if len(mediaIDs) > 0 {
				body.Media = &mediaField{MediaIDs: mediaIDs}
			}
			if req.InReplyTo != "" {
				body.Reply = &replyField{InReplyToTweetID: req.InReplyTo} // a reply from the inbox
			}
			if req.Poll != nil {
				body.Poll = &pollField{Options: req.Poll.Options, DurationMinutes: req.Poll.DurationMinutes}
			}
		} else {
			body.Reply = &replyField{InReplyToTweetID: prev.ExternalID}
		}
		id, err := c.createTweet(ctx, client, body)
		if err != nil {
			return connectors.Part{}, err
		}
		return connectors.Part{ExternalID: id, URL: c.postURL(username, id)}, nil
	})
}

// createTweet sends POST /2/tweets and returns the new post's id.
func (c *Connector) createTweet(ctx context.Context, client *http.Client, body tweetRequest) (string, error) {
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	err := c.do(ctx, client, http.MethodPost, c.cfg.BaseURL+"/2/tweets", body, &out)
	if e, ok := connectors.AsError(err); ok && e.Status/100 == 2 {
		// X said yes but the answer could not be read: the post probably exists.
		return "", &connectors.Error{Kind: connectors.Unknown, Status: e.Status, Message: "X accepted the post but its answer could not be read", Err: err}
	}
	if err != nil {
		return "", err
	}
	if out.Data.ID == "" {
		return "", connectors.Errorf(connectors.Unknown, "X accepted the post but gave no id")
	}
	return out.Data.ID, nil
}

// mediaKind tells how X takes a media type.
func mediaKind(contentType string) (category string, ok bool) {
	switch ct := strings.ToLower(strings.TrimSpace(contentType)); {
	case ct == "image/gif":
		return "tweet_gif", true
	case ct == "image/jpeg" || ct == "image/png" || ct == "image/webp":
		return "tweet_image", true
	case ct == "video/mp4" || ct == "video/quicktime":
		return "amplify_video", true
	}
	return "", false
}

// checkMedia applies X's rules: at most 4 images, or one GIF, or one
// video, never mixed, each within its size limit
// (https://docs.x.com/x-api/media/quickstart/best-practices).
func checkMedia(media []connectors.Media) error {
	images, others := 0, 0
	for i, m := range media {
		category, ok := mediaKind(m.ContentType)
		if !ok {
			return connectors.Errorf(connectors.Permanent, "media %d: X does not take %q", i+1, m.ContentType)
		}
		limit := int64(MaxImageBytes)
		switch category {
		case "tweet_image":
			images++
		case "tweet_gif":
			others++
			limit = MaxGIFBytes
		default:
			others++
			limit = MaxVideoBytes
		}
		if m.Size > limit {
			return connectors.Errorf(connectors.Permanent, "media %d is %d bytes; X takes at most %d for %s", i+1, m.Size, limit, m.ContentType)
		}
		if m.Open == nil {
			return connectors.Errorf(connectors.Permanent, "media %d has no content to upload", i+1)
		}
	}
	if images > MaxMedia || others > 1 || (others == 1 && images > 0) {
		return connectors.Errorf(connectors.Permanent, "X takes up to %d images, or one GIF, or one video per post", MaxMedia)
	}
	return nil
}
