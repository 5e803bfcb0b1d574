package bluesky

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rivo/uniseg"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

const postCollection = "app.bsky.feed.post"

// Validate counts text as app.bsky.feed.post does: at most 300 grapheme
// clusters (an emoji with its modifiers is one) and 3000 UTF-8 bytes.
func (c *Connector) Validate(text string) []string {
	var msgs []string
	if strings.TrimSpace(text) == "" {
		msgs = append(msgs, "the post is empty")
	}
	if n := uniseg.GraphemeClusterCount(text); n > MaxGraphemes {
		msgs = append(msgs, fmt.Sprintf("the post is %d characters long; Bluesky allows %d", n, MaxGraphemes))
	}
	if n := len(text); n > MaxTextBytes {
		msgs = append(msgs, fmt.Sprintf("the post is %d bytes long in UTF-8; Bluesky allows %d", n, MaxTextBytes))
	}
	return msgs
}

// RecordKey is the record key (a TID, https://atproto.com/specs/tid, as
// the post lexicon requires) of part i of the post whose idempotency key
// is key: the same on every attempt. When key is a rythme ID (a ULID), the
// TID's time is the ID's creation millisecond, so that the key sorts like
// the PDS's own; otherwise a time drawn from the key's hash in 2024. The
// rest (microseconds and the 10-bit clock id) comes from the hash of key
// and i.
func RecordKey(key string, i int) string {
	sum := sha256.Sum256([]byte(key + "\x00" + strconv.Itoa(i)))
	h := binary.BigEndian.Uint64(sum[:8])
	var micros uint64
	if ms, ok := ulidMillis(key); ok {
		micros = ms*1000 + h%1000
	} else {
		const from = 1704067200 // 2024-01-01T00:00:00Z
		micros = uint64(from)*1_000_000 + h%(366*24*3600*1_000_000)
	}
	return encodeTID(micros, (h>>20)&1023)
}

const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// encodeTID writes (micros << 10 | clock) as 13 base32-sortable
// characters; the top bit is always 0.
func encodeTID(micros, clock uint64) string {
	v := (micros&(1<<53-1))<<10 | clock&1023
	var out [13]byte
	for i := 12; i >= 0; i-- {
		out[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(out[:])
}

// ulidMillis reads the creation time of a rythme ID ("tgt_" + a ULID in
// Crockford base32).
func ulidMillis(id string) (uint64, bool) {
	_, ulid, ok := strings.Cut(id, "_")
	if !ok || len(ulid) != 26 {
		return 0, false
	}
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var ms uint64
	for _, r := range ulid[:10] {
		i := strings.IndexRune(crockford, r)
		if i < 0 {
			return 0, false
		}
		ms = ms<<5 | uint64(i)
	}
	return ms, ms > 0
}

// strongRef is com.atproto.repo.strongRef.
type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type postRecord struct {
	Type      string          `json:"$type"`
	Text      string          `json:"text"`
	CreatedAt string          `json:"createdAt"`
	Langs     []string        `json:"langs,omitempty"`
	Facets    []Facet         `json:"facets,omitempty"`
	Reply     *replyRef       `json:"reply,omitempty"`
	Embed     json.RawMessage `json:"embed,omitempty"`
}

type replyRef struct {
	Root   strongRef `json:"root"`
	Parent strongRef `json:"parent"`
}

// Publish creates the post and then each thread part as a reply to the
// one before (root: the first). Each record goes under RecordKey(key, i):
// when the PDS refuses a key already used (today a 500, soon an explicit
// error), the existing record is read back and the thread goes on, so a
// retry finishes what an earlier attempt began without duplicating it.
// Parts in req.Done are not sent again (connectors.PublishThread); a
// part's Ref is its record's CID, which a reply's strongRef needs.
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	service, err := serviceOf(acct)
	if err != nil {
		return nil, err
	}
	did := acct.ExternalID
	var langs []string
	for _, l := range strings.Split(req.Options["langs"], ",") {
		if l = strings.TrimSpace(l); l != "" && len(langs) < 3 {
			langs = append(langs, l)
		}
	}
	var inReplyTo *replyRef
	if req.InReplyTo != "" && len(req.Done) == 0 {
		if inReplyTo, err = c.replyTo(ctx, client, service, req.InReplyTo); err != nil {
			return nil, err
		}
	}
	return connectors.PublishThread(ctx, req, func(ctx context.Context, i int, text string, root, prev *connectors.Part) (connectors.Part, error) {
		rec := postRecord{Type: postCollection, Text: text, CreatedAt: c.cfg.Now().UTC().Format("2006-01-02T15:04:05.000Z"), Langs: langs}
		var err error
		if rec.Facets, err = c.facets(ctx, client, service, text); err != nil {
			return connectors.Part{}, err
		}
		if i == 0 && len(req.Media) > 0 {
			if rec.Embed, err = c.uploadImages(ctx, client, service, req.Media); err != nil {
				return connectors.Part{}, err
			}
		}
		if i > 0 {
			rec.Reply = &replyRef{Root: strongRef{URI: root.ExternalID, CID: root.Ref}, Parent: strongRef{URI: prev.ExternalID, CID: prev.Ref}}
		} else if inReplyTo != nil {
			rec.Reply = inReplyTo // a reply from the inbox
		}
		rkey := ""
		if req.IdempotencyKey != "" {
			rkey = RecordKey(req.IdempotencyKey, i)
		}
		ref, err := c.create(ctx, client, service, did, rkey, req.IdempotencyKey, rec)
		if err != nil {
			return connectors.Part{}, err
		}
		return connectors.Part{ExternalID: ref.URI, URL: c.postURL(acct, ref.URI), Ref: ref.CID}, nil
	})
}

// create is com.atproto.repo.createRecord
// (https://docs.bsky.app/docs/api/com-atproto-repo-create-record).
func (c *Connector) create(ctx context.Context, client *http.Client, service, did, rkey, key string, rec postRecord) (strongRef, error) {
	in := map[string]any{"repo": did, "collection": postCollection, "record": rec}
	if rkey != "" {
		in["rkey"] = rkey
	}
	var out strongRef
	err := c.call(ctx, client, http.MethodPost, service, "com.atproto.repo.createRecord", nil, in, key, &out)
	if err == nil {
		if out.URI == "" {
			return out, connectors.Errorf(connectors.Unknown, "the PDS accepted the post but its answer has no URI")
		}
		return out, nil
	}
	e, ok := connectors.AsError(err)
	if !ok || rkey == "" || !mayExist(e) {
		return out, err
	}
	// The key may already be taken by an earlier attempt: read it back.
	var got struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	q := url.Values{"repo": {did}, "collection": {postCollection}, "rkey": {rkey}}
	if c.call(ctx, client, http.MethodGet, service, "com.atproto.repo.getRecord", q, nil, "", &got) == nil && got.URI != "" {
		return strongRef(got), nil
	}
	return out, err
}

// mayExist reports whether a createRecord refusal can mean that the
// record key is taken: the reference PDS answers 500 InternalServerError
// (bluesky-social/atproto#3718); newer ones an explicit error
// (bluesky-social/atproto#4728), others 409.
func mayExist(e *connectors.Error) bool {
	m := strings.ToLower(e.Message)
	return e.Status == http.StatusInternalServerError || e.Status == http.StatusConflict ||
		strings.Contains(m, "alreadyexists") || strings.Contains(m, "already exists")
}

// uploadImages uploads each image (com.atproto.repo.uploadBlob) and
// returns the app.bsky.embed.images embed.
func (c *Connector) uploadImages(ctx context.Context, client *http.Client, service string, media []connectors.Media) (json.RawMessage, error) {
	if len(media) > MaxImages {
		return nil, connectors.Errorf(connectors.Permanent, "Bluesky takes at most %d images, not %d", MaxImages, len(media))
	}
	type image struct {
		Alt   string          `json:"alt"`
		Image json.RawMessage `json:"image"`
	}
	images := make([]image, 0, len(media))
	for i, m := range media {
		if !strings.HasPrefix(m.ContentType, "image/") || m.Open == nil {
			return nil, connectors.Errorf(connectors.Permanent, "media %d (%s) is not an image Bluesky can embed", i+1, m.ContentType)
		}
		f, err := m.Open()
		if err != nil {
			return nil, &connectors.Error{Kind: connectors.Retryable, Message: fmt.Sprintf("could not read media %d", i+1), Err: err}
		}
		data, err := io.ReadAll(io.LimitReader(f, MaxImageBytes+1))
		f.Close()
		if err != nil {
			return nil, &connectors.Error{Kind: connectors.Retryable, Message: fmt.Sprintf("could not read media %d", i+1), Err: err}
		}
		if len(data) > MaxImageBytes {
			return nil, connectors.Errorf(connectors.Permanent, "image %d is larger than Bluesky's %d bytes", i+1, MaxImageBytes)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, service+"/xrpc/com.atproto.repo.uploadBlob", bytes.NewReader(data))
		if err != nil {
			return nil, &connectors.Error{Kind: connectors.Permanent, Message: "invalid PDS URL", Err: err}
		}
		req.Header.Set("Content-Type", m.ContentType)
		req.Header.Set("Accept", "application/json")
		var out struct {
			Blob json.RawMessage `json:"blob"`
		}
		if err := c.do(client, req, &out); err != nil {
			return nil, err
		}
		images = append(images, image{Alt: m.AltText, Image: out.Blob})
	}
	return json.Marshal(map[string]any{"$type": "app.bsky.embed.images", "images": images})
}

// postURL is the post's page in the app: /profile/<handle>/post/<rkey>.
func (c *Connector) postURL(acct *rythme.Account, uri string) string {
	who := acct.Meta[MetaHandle]
	if who == "" {
		who = acct.ExternalID
	}
	return c.cfg.AppURL + "/profile/" + who + "/post/" + uri[strings.LastIndexByte(uri, '/')+1:]
}

type postView struct {
	URI         string `json:"uri"`
	LikeCount   int64  `json:"likeCount"`
	ReplyCount  int64  `json:"replyCount"`
	RepostCount int64  `json:"repostCount"`
	QuoteCount  int64  `json:"quoteCount"`
}

// FetchMetrics reads posts 25 at a time with app.bsky.feed.getPosts
// (https://docs.bsky.app/docs/api/app-bsky-feed-get-posts). A post the
// AppView leaves out is looked up in the repo (com.atproto.repo.getRecord):
// gone there means Deleted; still there (the AppView not caught up yet)
// gives a reading without numbers. Likes are likes, comments replies,
// shares reposts plus quotes.
func (c *Connector) FetchMetrics(ctx context.Context, acct *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	service, err := serviceOf(acct)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, id := range externalIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	found := map[string]postView{}
	for start := 0; start < len(ids); start += maxURIs {
		var out struct {
			Posts []postView `json:"posts"`
		}
		q := url.Values{"uris": ids[start:min(start+maxURIs, len(ids))]}
		if err := c.call(ctx, client, http.MethodGet, service, "app.bsky.feed.getPosts", q, nil, "", &out); err != nil {
			return nil, err
		}
		for _, p := range out.Posts {
			found[p.URI] = p
		}
	}
	at := c.cfg.Now().UTC()
	res := make([]rythme.Metrics, 0, len(ids))
	for _, id := range ids {
		m := rythme.Metrics{ExternalID: id, At: at}
		if p, ok := found[id]; ok {
			likes, comments, shares := p.LikeCount, p.ReplyCount, p.RepostCount+p.QuoteCount
			m.Likes, m.Comments, m.Shares = &likes, &comments, &shares
		} else if m.Deleted, err = c.gone(ctx, client, service, id); err != nil {
			return nil, err
		}
		res = append(res, m)
	}
	return res, nil
}

// gone reports whether the record at uri is no longer in its repo.
func (c *Connector) gone(ctx context.Context, client *http.Client, service, uri string) (bool, error) {
	rest, ok := strings.CutPrefix(uri, "at://")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 {
		return false, nil
	}
	q := url.Values{"repo": {parts[0]}, "collection": {parts[1]}, "rkey": {parts[2]}}
	err := c.call(ctx, client, http.MethodGet, service, "com.atproto.repo.getRecord", q, nil, "", nil)
	if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Permanent {
		return strings.HasPrefix(e.Message, "RecordNotFound"), nil
	}
	return false, err
}
