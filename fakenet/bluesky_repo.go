package fakenet

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rivo/uniseg"
)

// Repository and AppView methods of the simulated Bluesky: records in the
// user's repo (com.atproto.repo.*) and the post views the AppView builds
// from them (app.bsky.feed.getPosts).

const (
	bskyPostCollection = "app.bsky.feed.post"
	// app.bsky.feed.post: text maxGraphemes 300, maxLength 3000 (bytes);
	// app.bsky.embed.images: at most 4 images of at most 1,000,000 bytes
	// (https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json,
	// .../embed/images.json).
	bskyMaxGraphemes = 300
	bskyMaxTextBytes = 3000
	bskyMaxImages    = 4
	bskyMaxImage     = 1_000_000
	// The PDS refuses uploads over its blob limit with 413.
	bskyMaxBlob = 50 << 20
	// app.bsky.feed.getPosts takes at most 25 URIs.
	bskyMaxURIs = 25
)

// bskyTIDRE is the TID syntax (https://atproto.com/specs/tid): 13
// base32-sortable characters, the first without the top bit. The post
// lexicon's record key type is "tid"; the AppView ignores posts under any
// other key (bluesky-social/social-app#8654), so the simulator refuses
// them.
var bskyTIDRE = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

var bskyClock atomic.Uint64

// bskyNewTID returns a TID for now, as a PDS picks one when no rkey is
// given.
func bskyNewTID() string {
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	v := uint64(time.Now().UnixMicro())<<10 | bskyClock.Add(1)&1023
	var out [13]byte
	for i := 12; i >= 0; i-- {
		out[i] = alphabet[v&31]
		v >>= 5
	}
	return string(out[:])
}

// bskyCID returns a CID-shaped name for data (CIDv1, dag-cbor, sha-256,
// base32 — "bafyrei…").
func bskyCID(prefix string, data []byte) string {
	sum := sha256.Sum256(data)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))[:52]
}

type bskyRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type bskyPostRecord struct {
	Type      string  `json:"$type"`
	Text      *string `json:"text"`
	CreatedAt string  `json:"createdAt"`
	Facets    []struct {
		Index struct {
			ByteStart int `json:"byteStart"`
			ByteEnd   int `json:"byteEnd"`
		} `json:"index"`
		Features []map[string]any `json:"features"`
	} `json:"facets"`
	Reply *struct {
		Root   *bskyRef `json:"root"`
		Parent *bskyRef `json:"parent"`
	} `json:"reply"`
	Embed *struct {
		Type   string `json:"$type"`
		Images []struct {
			Alt   *string `json:"alt"`
			Image struct {
				Ref struct {
					Link string `json:"$link"`
				} `json:"ref"`
				MimeType string `json:"mimeType"`
				Size     int64  `json:"size"`
			} `json:"image"`
		} `json:"images"`
	} `json:"embed"`
}

// checkPost validates a post record as the PDS's lexicon validator does;
// it returns the text and the refusal ("" when valid). Holds b.mu.
func (b *bluesky) checkPost(did string, raw json.RawMessage) (text, refusal string) {
	var p bskyPostRecord
	if err := json.Unmarshal(raw, &p); err != nil {
		return "", "Invalid app.bsky.feed.post record: Record must be an object"
	}
	bad := func(msg string) (string, string) { return text, "Invalid app.bsky.feed.post record: " + msg }
	if p.Text == nil {
		return bad(`Record must have the property "text"`)
	}
	text = *p.Text
	if n := uniseg.GraphemeClusterCount(text); n > bskyMaxGraphemes {
		return bad(fmt.Sprintf("Record/text must not be longer than %d graphemes", bskyMaxGraphemes))
	}
	if len(text) > bskyMaxTextBytes {
		return bad(fmt.Sprintf("Record/text must not be longer than %d characters", bskyMaxTextBytes))
	}
	if p.CreatedAt == "" {
		return bad(`Record must have the property "createdAt"`)
	}
	if _, err := time.Parse(time.RFC3339Nano, p.CreatedAt); err != nil {
		return bad("Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)")
	}
	for i, f := range p.Facets {
		if f.Index.ByteStart < 0 || f.Index.ByteEnd < f.Index.ByteStart || len(f.Features) == 0 {
			return bad(fmt.Sprintf("Record/facets/%d is not a valid facet", i))
		}
	}
	if p.Reply != nil {
		if p.Reply.Root == nil || p.Reply.Parent == nil {
			return bad(`Record/reply must have the properties "root", "parent"`)
		}
		for _, ref := range []*bskyRef{p.Reply.Root, p.Reply.Parent} {
			if !strings.HasPrefix(ref.URI, "at://") || ref.CID == "" {
				return bad("Record/reply must reference posts by uri and cid")
			}
		}
	}
	if p.Embed != nil && p.Embed.Type == "app.bsky.embed.images" {
		if len(p.Embed.Images) > bskyMaxImages {
			return bad(fmt.Sprintf("Record/embed/images must not have more than %d elements", bskyMaxImages))
		}
		for i, img := range p.Embed.Images {
			blob, ok := b.blobs[img.Image.Ref.Link]
			switch {
			case img.Alt == nil:
				return bad(fmt.Sprintf(`Record/embed/images/%d must have the property "alt"`, i))
			case !ok || blob.did != did:
				return text, "Could not find blob: " + img.Image.Ref.Link
			case !strings.HasPrefix(blob.mime, "image/"):
				return bad(fmt.Sprintf("Record/embed/images/%d/image mime type %s is not accepted", i, blob.mime))
			case blob.size > bskyMaxImage:
				return bad(fmt.Sprintf("Record/embed/images/%d/image file too large (%d > %d bytes)", i, blob.size, bskyMaxImage))
			}
		}
	}
	return text, ""
}

// createRecord is com.atproto.repo.createRecord
// (https://docs.bsky.app/docs/api/com-atproto-repo-create-record), the
// publish operation. A record key already used in the collection is
// refused as bsky.social does today: HTTP 500 InternalServerError
// (bluesky-social/atproto#3718, bluesky-social/indigo#873); the request
// is recorded as deduplicated. The Idempotency-Key header, which a PDS
// ignores, is recorded when sent.
func (b *bluesky) createRecord(w http.ResponseWriter, r *http.Request, a *bskyAccount) {
	var in struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		Rkey       string          `json:"rkey"`
		Validate   *bool           `json:"validate"`
		Record     json.RawMessage `json:"record"`
	}
	if !bskyDecode(w, r, &in) {
		return
	}
	now := b.s.cfg.Now()
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		key = in.Rkey
	}
	rec := Post{Network: bskyName, Account: strings.TrimSuffix(a.handle, bskyUserDomain), IdempotencyKey: key, ReceivedAt: now}
	refuse := func(status int, name, msg string) {
		rec.Error = msg
		b.s.record(rec)
		bskyError(w, status, name, msg)
	}
	switch {
	case in.Repo != a.did && in.Repo != a.handle:
		refuse(http.StatusBadRequest, "InvalidRequest", "Could not find repo: "+in.Repo)
		return
	case in.Collection == "" || len(in.Record) == 0:
		refuse(http.StatusBadRequest, "InvalidRequest", `Input must have the properties "repo", "collection", "record"`)
		return
	}
	rkey := in.Rkey
	if rkey == "" {
		rkey = bskyNewTID()
	} else if in.Collection == bskyPostCollection && !bskyTIDRE.MatchString(rkey) {
		refuse(http.StatusBadRequest, "InvalidRequest", "Invalid record key for app.bsky.feed.post: must be a TID")
		return
	}
	uri := "at://" + a.did + "/" + in.Collection + "/" + rkey

	b.mu.Lock()
	text := ""
	if in.Collection == bskyPostCollection && (in.Validate == nil || *in.Validate) {
		var msg string
		if text, msg = b.checkPost(a.did, in.Record); msg != "" {
			b.mu.Unlock()
			rec.Text = text
			refuse(http.StatusBadRequest, "InvalidRequest", msg)
			return
		}
	}
	rec.Text = text
	if old, ok := b.records[uri]; ok {
		b.mu.Unlock()
		if !old.deleted {
			rec.ID = uri
		}
		b.s.record(rec)
		bskyError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
		return
	}
	nr := &bskyRecord{uri: uri, cid: bskyCID("bafyrei", append([]byte(uri), in.Record...)), did: a.did,
		collection: in.Collection, rkey: rkey, text: text, value: in.Record, created: now}
	b.records[uri] = nr
	b.mu.Unlock()
	rec.ID, rec.Created = uri, true
	b.s.record(rec)
	writeJSON(w, http.StatusOK, map[string]any{"uri": uri, "cid": nr.cid, "validationStatus": "valid",
		"commit": map[string]string{"cid": bskyCID("bafyrei", []byte("commit "+uri)), "rev": bskyNewTID()}})
}

// getRecord is com.atproto.repo.getRecord (public, as on a real PDS).
func (b *bluesky) getRecord(w http.ResponseWriter, r *http.Request, _ *bskyAccount) {
	q := r.URL.Query()
	repo := q.Get("repo")
	b.mu.Lock()
	if a := b.accounts[strings.ToLower(repo)]; a != nil {
		repo = a.did
	}
	uri := "at://" + repo + "/" + q.Get("collection") + "/" + q.Get("rkey")
	rec, ok := b.records[uri]
	var out map[string]any
	if ok && !rec.deleted {
		out = map[string]any{"uri": rec.uri, "cid": rec.cid, "value": rec.value}
	}
	b.mu.Unlock()
	if out == nil {
		bskyError(w, http.StatusBadRequest, "RecordNotFound", "Could not locate record: "+uri)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteRecord is com.atproto.repo.deleteRecord: it succeeds whether or
// not the record exists.
func (b *bluesky) deleteRecord(w http.ResponseWriter, r *http.Request, a *bskyAccount) {
	var in struct {
		Repo       string `json:"repo"`
		Collection string `json:"collection"`
		Rkey       string `json:"rkey"`
	}
	if !bskyDecode(w, r, &in) {
		return
	}
	if in.Repo != a.did && in.Repo != a.handle {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", "Could not find repo: "+in.Repo)
		return
	}
	b.deletePost("at://" + a.did + "/" + in.Collection + "/" + in.Rkey)
	writeJSON(w, http.StatusOK, map[string]any{"commit": map[string]string{"cid": bskyCID("bafyrei", []byte(in.Rkey)), "rev": bskyNewTID()}})
}

// uploadBlob is com.atproto.repo.uploadBlob: the raw bytes, typed by
// Content-Type; the answer is the blob reference a record embeds.
func (b *bluesky) uploadBlob(w http.ResponseWriter, r *http.Request, a *bskyAccount) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, bskyMaxBlob))
	if err != nil {
		bskyError(w, http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
		return
	}
	mime := r.Header.Get("Content-Type")
	if mime == "" {
		mime = "application/octet-stream"
	}
	cid := bskyCID("bafkrei", data)
	b.mu.Lock()
	b.blobs[cid] = bskyBlob{did: a.did, mime: mime, size: int64(len(data))}
	b.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"blob": map[string]any{"$type": "blob", "ref": map[string]string{"$link": cid},
		"mimeType": mime, "size": len(data)}})
}

// getPosts is app.bsky.feed.getPosts
// (https://docs.bsky.app/docs/api/app-bsky-feed-get-posts), served by the
// AppView through the PDS: the posts that exist, in the order asked,
// with their counts on Config.Now.
func (b *bluesky) getPosts(w http.ResponseWriter, r *http.Request, _ *bskyAccount) {
	q := r.URL.Query()
	uris := append(q["uris"], q["uris[]"]...)
	if len(uris) == 0 {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", `Error: Params must have the property "uris"`)
		return
	}
	if len(uris) > bskyMaxURIs {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("Error: uris must not have more than %d elements", bskyMaxURIs))
		return
	}
	now := b.s.cfg.Now()
	posts := make([]map[string]any, 0, len(uris))
	b.mu.Lock()
	for _, u := range uris {
		rec, ok := b.records[u]
		if !ok || rec.deleted || rec.collection != bskyPostCollection {
			continue
		}
		e := EngagementAt(b.s.cfg.Seed, bskyName, rec.uri, now.Sub(rec.created))
		author := b.byDID[rec.did]
		posts = append(posts, map[string]any{
			"uri": rec.uri, "cid": rec.cid, "record": rec.value, "indexedAt": rec.created.UTC().Format("2006-01-02T15:04:05.000Z"),
			"author":     map[string]any{"did": author.did, "handle": author.handle, "displayName": strings.TrimSuffix(author.handle, bskyUserDomain)},
			"replyCount": e.Replies, "repostCount": e.Reblogs, "likeCount": e.Favourites, "quoteCount": e.Reblogs / 3,
			"labels": []any{},
		})
	}
	b.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"posts": posts})
}
