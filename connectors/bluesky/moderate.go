package bluesky

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

const threadgateCollection = "app.bsky.feed.threadgate"

// maxHiddenReplies is the most reply URIs one threadgate's hiddenReplies
// holds: the lexicon's maxLength
// (https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/threadgate.json).
const maxHiddenReplies = 50

var _ connectors.Moderator = (*Connector)(nil)

// CanModerate: the account hides and shows again the replies in its
// threads, through the root post's threadgate
// (https://docs.bsky.app/docs/tutorials/thread-gates, the lexicon's
// hiddenReplies); a reply is a record in its author's repository, which
// only its author can delete.
func (c *Connector) CanModerate(_ *rythme.Account, action string) string {
	switch action {
	case connectors.ModerateHide, connectors.ModerateUnhide:
		return ""
	case connectors.ModerateDelete:
		return "Bluesky lets an account delete only its own records: hide the reply instead"
	}
	return "Bluesky has no such action"
}

// Moderate hides or shows the reply itemID (its at-uri) in the thread of
// the account's post it sits under. The thread's root comes from the
// reply's record (replyRoot); the root's threadgate, in the account's
// repository under the root's record key, is read with
// com.atproto.repo.getRecord
// (https://docs.bsky.app/docs/api/com-atproto-repo-get-record), the
// reply's URI added to or removed from its hiddenReplies, and the record
// written back whole (its allow rules and anything else kept) with
// com.atproto.repo.putRecord
// (https://docs.bsky.app/docs/api/com-atproto-repo-put-record), swapRecord
// set to the CID read: a change made in between is a Retryable
// InvalidSwap. A root without a threadgate gets one with only post,
// createdAt and hiddenReplies, so replies stay open to everyone. Hiding a
// hidden reply, or showing a shown one, writes nothing.
func (c *Connector) Moderate(ctx context.Context, acct *rythme.Account, client *http.Client, action, itemID string) error {
	if reason := c.CanModerate(acct, action); reason != "" {
		return &connectors.Error{Kind: connectors.Permanent, Message: reason}
	}
	service, err := serviceOf(acct)
	if err != nil {
		return err
	}
	root, err := c.replyRoot(ctx, client, service, itemID)
	if err != nil {
		return err
	}
	did, collection, rkey := splitATURI(root)
	if root == "" || did != acct.ExternalID || collection != postCollection {
		return &connectors.Error{Kind: connectors.Permanent, Message: "only the replies in the account's own threads can be hidden"}
	}
	gate, cid, err := c.threadgate(ctx, client, service, did, rkey)
	if err != nil {
		return err
	}
	if gate == nil {
		if action == connectors.ModerateUnhide {
			return nil // no threadgate: nothing is hidden
		}
		gate = map[string]any{"$type": threadgateCollection, "post": root, "createdAt": c.cfg.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
	}
	hidden := hiddenReplies(gate)
	at := slices.Index(hidden, itemID)
	switch {
	case action == connectors.ModerateHide && at >= 0, action == connectors.ModerateUnhide && at < 0:
		return nil
	case action == connectors.ModerateHide && len(hidden) >= maxHiddenReplies:
		return &connectors.Error{Kind: connectors.Permanent, Message: "Bluesky hides at most 50 replies in a thread: show one again first"}
	case action == connectors.ModerateHide:
		hidden = append(hidden, itemID)
	default:
		hidden = slices.Delete(hidden, at, at+1)
	}
	gate["hiddenReplies"] = hidden
	in := map[string]any{"repo": did, "collection": threadgateCollection, "rkey": rkey, "record": gate}
	if cid != "" {
		in["swapRecord"] = cid
	}
	err = c.call(ctx, client, http.MethodPost, service, "com.atproto.repo.putRecord", nil, in, "", nil)
	if e, ok := connectors.AsError(err); ok && strings.HasPrefix(e.Message, "InvalidSwap") {
		e.Kind = connectors.Retryable
	}
	return err
}

// replyRoot reads the root of the thread the reply at uri sits in from
// its record's reply refs, with com.atproto.repo.getRecord on the
// account's PDS, which answers for its own users' repositories and asks
// the AppView for the others' (so a self-hosted PDS without an AppView
// still answers for its own users); "" when the record is not a reply. A
// reply that is gone is a Permanent error: there is nothing to hide.
func (c *Connector) replyRoot(ctx context.Context, client *http.Client, service, uri string) (string, error) {
	did, collection, rkey := splitATURI(uri)
	if did == "" || collection != postCollection {
		return "", &connectors.Error{Kind: connectors.Permanent, Message: "the item is not a Bluesky post"}
	}
	var out struct {
		Value struct {
			Reply *replyRef `json:"reply"`
		} `json:"value"`
	}
	q := url.Values{"repo": {did}, "collection": {collection}, "rkey": {rkey}}
	err := c.call(ctx, client, http.MethodGet, service, "com.atproto.repo.getRecord", q, nil, "", &out)
	if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Permanent && strings.HasPrefix(e.Message, "RecordNotFound") {
		return "", &connectors.Error{Kind: connectors.Permanent, Message: "the reply is gone", Err: err}
	} else if err != nil {
		return "", err
	}
	if out.Value.Reply == nil {
		return "", nil
	}
	return out.Value.Reply.Root.URI, nil
}

// threadgate reads the threadgate record under rkey in did's repository,
// with its CID; nil and "" when there is none (RecordNotFound).
func (c *Connector) threadgate(ctx context.Context, client *http.Client, service, did, rkey string) (map[string]any, string, error) {
	var out struct {
		CID   string         `json:"cid"`
		Value map[string]any `json:"value"`
	}
	q := url.Values{"repo": {did}, "collection": {threadgateCollection}, "rkey": {rkey}}
	err := c.call(ctx, client, http.MethodGet, service, "com.atproto.repo.getRecord", q, nil, "", &out)
	if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Permanent && strings.HasPrefix(e.Message, "RecordNotFound") {
		return nil, "", nil
	} else if err != nil {
		return nil, "", err
	}
	if out.Value == nil {
		return nil, "", nil
	}
	return out.Value, out.CID, nil
}

// hiddenReplies reads a threadgate record's hiddenReplies.
func hiddenReplies(gate map[string]any) []string {
	raw, _ := gate["hiddenReplies"].([]any)
	out := make([]string, 0, len(raw)+1)
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// splitATURI splits at://did/collection/rkey ("" parts when it is not one).
func splitATURI(uri string) (did, collection, rkey string) {
	parts := strings.Split(strings.TrimPrefix(uri, "at://"), "/")
	if !strings.HasPrefix(uri, "at://") || len(parts) != 3 {
		return "", "", ""
	}
	return parts[0], parts[1], parts[2]
}
