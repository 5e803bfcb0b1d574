package linkedin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var (
	_ connectors.Replier        = (*Connector)(nil)
	_ connectors.ReplyAddresser = (*Connector)(nil)
)

// Replies is true: the member answers a comment on its posts with a
// nested comment (see reply).
func (c *Connector) Replies(*rythme.Account) bool { return true }

// ReplyTo answers the comment a reply sits under: LinkedIn nests comments
// one level deep (a nested comment's parentComment is a top-level
// comment), so a reply to a reply goes to its parent comment.
func (c *Connector) ReplyTo(externalID, inReplyTo string) string {
	if _, _, ok := commentParts(inReplyTo); ok {
		return inReplyTo
	}
	return externalID
}

// commentParts splits a comment URN, urn:li:comment:(<activity>,<id>),
// into the URN of the post's activity and the comment's id.
func commentParts(urn string) (activity, id string, ok bool) {
	inner, ok := strings.CutPrefix(urn, "urn:li:comment:(")
	if !ok {
		return "", "", false
	}
	inner, ok = strings.CutSuffix(inner, ")")
	i := strings.LastIndexByte(inner, ',')
	if !ok || i <= 0 || i == len(inner)-1 {
		return "", "", false
	}
	return inner[:i], inner[i+1:], true
}

// replyBody is a Create Comment request for a nested comment.
type replyBody struct {
	Actor         string      `json:"actor"`
	Object        string      `json:"object"`
	Message       commentText `json:"message"`
	ParentComment string      `json:"parentComment"`
}

// replyURL is the nested comment's permalink: the post, opened at the
// parent comment and its reply.
func replyURL(activity, parent, urn string) string {
	return "https://www.linkedin.com/feed/update/" + activity + "/?" +
		url.Values{"commentUrn": {parent}, "replyUrn": {urn}}.Encode()
}

// reply publishes req.Text as a nested comment under the comment
// req.InReplyTo: POST /rest/socialActions/{parent comment URN}/comments
// with actor, object (the post's activity), message.text and
// parentComment, the parent's URN
// (https://learn.microsoft.com/en-us/linkedin/marketing/integrations/community-management/shares/comments-api#create-a-nested-comment).
//
// LinkedIn takes no idempotency key, so a reply first reads the parent's
// nested comments (GET /rest/socialActions/{parent}/comments, "Get
// Comments on Comments", same page): one the actor already wrote with the
// same text is an earlier attempt that got through, and is returned
// rather than sent again. Without the read permission (403) the reply is
// sent unchecked; a lost answer is Unknown, never re-sent blind.
func (c *Connector) reply(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	parent := req.InReplyTo
	activity, _, ok := commentParts(parent)
	if !ok {
		return nil, connectors.Errorf(connectors.Permanent, "%q is not a LinkedIn comment URN (urn:li:comment:(…,…))", parent)
	}
	if len(req.Media) > 0 || req.Poll != nil || len(req.Thread) > 0 {
		return nil, connectors.Errorf(connectors.Permanent, "a LinkedIn reply is text only")
	}
	if strings.TrimSpace(req.Text) == "" {
		return nil, connectors.Errorf(connectors.Permanent, "a LinkedIn reply needs text")
	}
	actor, err := author(acct, req.Options)
	if err != nil {
		return nil, err
	}
	path := c.cfg.BaseURL + "/rest/socialActions/" + url.PathEscape(parent) + "/comments"
	if urn, err := c.findReply(ctx, client, path, actor, req.Text); err != nil {
		return nil, err
	} else if urn != "" {
		return &connectors.Published{ExternalID: urn, URL: replyURL(activity, parent, urn)}, nil
	}
	body := replyBody{Actor: actor, Object: activity, Message: commentText{Text: req.Text}, ParentComment: parent}
	urn, err := c.createComment(ctx, client, path, body)
	if err != nil {
		return nil, err
	}
	return &connectors.Published{ExternalID: urn, URL: replyURL(activity, parent, urn)}, nil
}

// findReply returns the URN of a nested comment under path's comment by
// actor with text, or "" for none (or when the member may not read
// comments). Nothing was sent yet: an error is safe to retry.
func (c *Connector) findReply(ctx context.Context, client *http.Client, path, actor, text string) (string, error) {
	for n := range commentPages {
		q := url.Values{"start": {strconv.Itoa(n * commentsPerPage)}, "count": {strconv.Itoa(commentsPerPage)}}
		hr, err := c.newRequest(ctx, http.MethodGet, path+"?"+q.Encode(), nil, true)
		if err != nil {
			return "", err
		}
		var out struct {
			Paging struct {
				Total int `json:"total"`
			} `json:"paging"`
			Elements []liComment `json:"elements"`
		}
		err = c.doJSON(client, hr, &out)
		if e, ok := connectors.AsError(err); ok && e.Status == http.StatusForbidden {
			return "", nil
		} else if err != nil {
			if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Unknown {
				e.Kind = connectors.Retryable
			}
			return "", err
		}
		for _, cm := range out.Elements {
			if cm.Actor == actor && cm.Message.Text == text {
				if cm.CommentURN != "" {
					return cm.CommentURN, nil
				}
				return cm.ID, nil
			}
		}
		if len(out.Elements) < commentsPerPage || (n+1)*commentsPerPage >= out.Paging.Total {
			break
		}
	}
	return "", nil
}
