package bluesky

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/rivo/uniseg"

	"github.com/rythmehq/rythme/fakenet/sim"
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

// newTID returns a TID for now, as a PDS picks one when no rkey is given:
// from the simulator's clock, so that a run with the same seed and clock
// makes the same ids (and the same simulated comments), each after the
// last.
func (b *bluesky) newTID() string {
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	v := uint64(b.s.Config().Now().UnixMicro()) << 10
	for {
		last := b.lastTID.Load()
		next := max(v, last+1)
		if b.lastTID.CompareAndSwap(last, next) {
			v = next
			break
		}
	}
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
	now := b.s.Config().Now()
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		key = in.Rkey
	}
	rec := sim.Post{Network: bskyName, Account: strings.TrimSuffix(a.handle, bskyUserDomain), IdempotencyKey: key, ReceivedAt: now}
	refuse := func(status int, name, msg string) {
		rec.Error = msg
		b.s.Record(rec)
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
		rkey = b.newTID()
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
	var reply struct {
		Reply *struct {
			Parent *bskyRef `json:"parent"`
		} `json:"reply"`
	}
	if json.Unmarshal(in.Record, &reply) == nil && reply.Reply != nil && reply.Reply.Parent != nil {
		rec.ReplyTo = reply.Reply.Parent.URI
	}
	if old, ok := b.records[uri]; ok {
		b.mu.Unlock()
		if !old.deleted {
			rec.ID = uri
		}
		b.s.Record(rec)
		bskyError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
		return
	}
	nr := &bskyRecord{uri: uri, cid: bskyCID("bafyrei", append([]byte(uri), in.Record...)), did: a.did,
		collection: in.Collection, rkey: rkey, text: text, value: in.Record, created: now}
	b.records[uri] = nr
	b.mu.Unlock()
	rec.ID, rec.Created = uri, true
	b.s.Record(rec)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"uri": uri, "cid": nr.cid, "validationStatus": "valid",
		"commit": map[string]string{"cid": bskyCID("bafyrei", []byte("commit "+uri)), "rev": b.newTID()}})
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
	sim.WriteJSON(w, http.StatusOK, out)
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
	b.DeletePost("at://" + a.did + "/" + in.Collection + "/" + in.Rkey)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"commit": map[string]string{"cid": bskyCID("bafyrei", []byte(in.Rkey)), "rev": b.newTID()}})
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
	sim.WriteJSON(w, http.StatusOK, map[string]any{"blob": map[string]any{"$type": "blob", "ref": map[string]string{"$link": cid},
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
	now := b.s.Config().Now()
	posts := make([]map[string]any, 0, len(uris))
	b.mu.Lock()
	for _, u := range uris {
		rec, ok := b.records[u]
		if !ok || rec.deleted || rec.collection != bskyPostCollection {
			continue
		}
		posts = append(posts, b.postView(rec, now))
	}
	b.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{"posts": posts})
}

const (
	bskyThreadgateCollection = "app.bsky.feed.threadgate"
	// app.bsky.feed.threadgate: allow at most 5 rules, hiddenReplies at
	// most 50 URIs; post and createdAt required
	// (https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/threadgate.json).
	bskyMaxGateRules     = 5
	bskyMaxHiddenReplies = 50
)

type bskyThreadgateRecord struct {
	Post          *string           `json:"post"`
	CreatedAt     string            `json:"createdAt"`
	Allow         []json.RawMessage `json:"allow"`
	HiddenReplies []string          `json:"hiddenReplies"`
}

// checkThreadgate validates a threadgate record as the PDS's lexicon
// validator does; "" when valid.
func checkThreadgate(raw json.RawMessage) string {
	var g bskyThreadgateRecord
	if err := json.Unmarshal(raw, &g); err != nil {
		return "Invalid app.bsky.feed.threadgate record: Record must be an object"
	}
	bad := "Invalid app.bsky.feed.threadgate record: "
	switch {
	case g.Post == nil:
		return bad + `Record must have the property "post"`
	case !strings.HasPrefix(*g.Post, "at://"):
		return bad + "Record/post must be a valid at-uri"
	case g.CreatedAt == "":
		return bad + `Record must have the property "createdAt"`
	case len(g.Allow) > bskyMaxGateRules:
		return bad + fmt.Sprintf("Record/allow must not have more than %d elements", bskyMaxGateRules)
	case len(g.HiddenReplies) > bskyMaxHiddenReplies:
		return bad + fmt.Sprintf("Record/hiddenReplies must not have more than %d elements", bskyMaxHiddenReplies)
	}
	if _, err := time.Parse(time.RFC3339Nano, g.CreatedAt); err != nil {
		return bad + "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)"
	}
	for i, u := range g.HiddenReplies {
		if !strings.HasPrefix(u, "at://") {
			return bad + fmt.Sprintf("Record/hiddenReplies/%d must be a valid at-uri", i)
		}
	}
	return ""
}

// putRecord is com.atproto.repo.putRecord
// (https://docs.bsky.app/docs/api/com-atproto-repo-put-record): it writes
// the record under rkey, creating or replacing it. swapRecord, when set,
// must be the CID of the record there now (InvalidSwap otherwise). Posts
// and threadgates are validated against their lexicons.
func (b *bluesky) putRecord(w http.ResponseWriter, r *http.Request, a *bskyAccount) {
	var in struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		Rkey       string          `json:"rkey"`
		Validate   *bool           `json:"validate"`
		Record     json.RawMessage `json:"record"`
		SwapRecord *string         `json:"swapRecord"`
	}
	if !bskyDecode(w, r, &in) {
		return
	}
	switch {
	case in.Repo != a.did && in.Repo != a.handle:
		bskyError(w, http.StatusBadRequest, "InvalidRequest", "Could not find repo: "+in.Repo)
		return
	case in.Collection == "" || in.Rkey == "" || len(in.Record) == 0:
		bskyError(w, http.StatusBadRequest, "InvalidRequest", `Input must have the properties "repo", "collection", "rkey", "record"`)
		return
	}
	uri := "at://" + a.did + "/" + in.Collection + "/" + in.Rkey
	b.mu.Lock()
	defer b.mu.Unlock()
	text, msg := "", ""
	if in.Validate == nil || *in.Validate {
		switch in.Collection {
		case bskyPostCollection:
			text, msg = b.checkPost(a.did, in.Record)
		case bskyThreadgateCollection:
			msg = checkThreadgate(in.Record)
		}
	}
	if msg != "" {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", msg)
		return
	}
	old, ok := b.records[uri]
	if ok && old.deleted {
		old, ok = nil, false
	}
	if in.SwapRecord != nil && (!ok || old.cid != *in.SwapRecord) {
		now := "null"
		if ok {
			now = old.cid
		}
		bskyError(w, http.StatusBadRequest, "InvalidSwap", "Record was at "+now)
		return
	}
	nr := &bskyRecord{uri: uri, cid: bskyCID("bafyrei", append([]byte(uri), in.Record...)), did: a.did,
		collection: in.Collection, rkey: in.Rkey, text: text, value: in.Record, created: b.s.Config().Now()}
	if ok {
		nr.created, nr.simComments = old.created, old.simComments
	}
	b.records[uri] = nr
	sim.WriteJSON(w, http.StatusOK, map[string]any{"uri": uri, "cid": nr.cid, "validationStatus": "valid",
		"commit": map[string]string{"cid": bskyCID("bafyrei", []byte("commit "+uri+nr.cid)), "rev": b.newTID()}})
}

// hiddenReplies reads the hiddenReplies of the threadgate of the thread
// rooted at root (nil when none). Holds b.mu.
func (b *bluesky) hiddenReplies(root *bskyRecord) (gate *bskyRecord, hidden map[string]bool) {
	g, ok := b.records["at://"+root.did+"/"+bskyThreadgateCollection+"/"+root.rkey]
	if !ok || g.deleted {
		return nil, nil
	}
	var v bskyThreadgateRecord
	_ = json.Unmarshal(g.value, &v)
	hidden = map[string]bool{}
	for _, u := range v.HiddenReplies {
		hidden[u] = true
	}
	return g, hidden
}
