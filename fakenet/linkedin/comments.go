package linkedin

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The comments on a post, as the Comments API documents them
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api):
//   - GET /rest/socialActions/{post urn}/comments (r_member_social or
//     r_organization_social): the post's comments, oldest first, paged by
//     start and count (default 10, at most 100), each with its actor (a
//     person URN: no name), message.text, created.time (ms) and commentUrn
//   - POST /rest/socialActions/{post urn}/comments with actor, object and
//     message.text (w_member_social, or w_organization_social for an
//     organization's actor): the member comments (the first comment of a
//     post published through rythme); 201, the comment in the body
//   - POST /rest/socialActions/{comment urn}/comments with actor, object
//     (the post's activity), message.text and parentComment (the comment
//     of the path): a nested comment, a reply to a top-level comment
//     (comments nest one level deep)
//     (https://learn.microsoft.com/en-us/linkedin/marketing/integrations/community-management/shares/comments-api#create-a-nested-comment)
//   - GET /rest/socialActions/{comment urn}/comments: the comment's nested
//     comments ("Get Comments on Comments"), paged as a post's. A post's
//     list also gives its nested comments, each with parentComment.
//
// Other members comment over time, deterministically from the seed
// (sim.CommentsAt, as many as memberCreatorPostAnalytics's COMMENT).

type liComment struct {
	id, actor, text string
	// parent is the comment URN a nested comment answers ("" for a
	// top-level one).
	parent  string
	created time.Time
}

// commentsLocked returns p's comments now, oldest first. Holds l.mu.
func (l *linkedin) commentsLocked(p *liPost, now time.Time) []liComment {
	var out []liComment
	for _, c := range sim.CommentsAt(l.s.Config().Seed, linkedinName, p.urn, now.Sub(p.created)) {
		out = append(out, liComment{id: strconv.FormatInt(7100000000000000000+int64(sim.Mix(l.s.Config().Seed, p.urn, strconv.Itoa(c.Index))%1e15), 10),
			actor: "urn:li:person:" + strings.ToUpper(strconv.FormatUint(sim.Mix(l.s.Config().Seed, linkedinName, c.Author)|1<<60, 36))[:10],
			text:  c.Text, created: p.created.Add(c.Age)})
	}
	out = append(out, l.comments[p.urn]...)
	slices.SortStableFunc(out, func(a, b liComment) int { return a.created.Compare(b.created) })
	return out
}

func liActivity(p *liPost) string {
	return "urn:li:activity:" + p.urn[strings.LastIndexByte(p.urn, ':')+1:]
}

func liCommentJSON(p *liPost, c liComment) map[string]any {
	ms := c.created.UnixMilli()
	out := map[string]any{"id": c.id, "actor": c.actor, "object": liActivity(p), "message": map[string]any{"text": c.text},
		"commentUrn": liCommentURN(p, c.id),
		"created":    map[string]any{"actor": c.actor, "time": ms}, "lastModified": map[string]any{"actor": c.actor, "time": ms}}
	if c.parent != "" {
		out["parentComment"] = c.parent
	}
	return out
}

func liCommentURN(p *liPost, id string) string {
	return "urn:li:comment:(" + liActivity(p) + "," + id + ")"
}

// commentLocked finds the comment urn (urn:li:comment:(<activity>,<id>))
// on a live post, or answers 404. Holds l.mu.
func (l *linkedin) commentLocked(w http.ResponseWriter, urn string, now time.Time) (*liPost, *liComment, bool) {
	inner, _ := strings.CutPrefix(urn, "urn:li:comment:(")
	inner, _ = strings.CutSuffix(inner, ")")
	activity, id, _ := strings.Cut(inner, ",")
	for _, p := range l.posts {
		if p.deleted || liActivity(p) != activity {
			continue
		}
		for _, c := range l.commentsLocked(p, now) {
			if c.id == id {
				return p, &c, true
			}
		}
	}
	liFail(w, http.StatusNotFound, 0, "NOT_FOUND", "Comment "+urn+" not found")
	return nil, nil, false
}

// livePostLocked returns the post urn, or answers 404. Holds l.mu.
func (l *linkedin) livePostLocked(w http.ResponseWriter, urn string) (*liPost, bool) {
	p, ok := l.posts[urn]
	if !ok || p.deleted {
		liFail(w, http.StatusNotFound, 0, "NOT_FOUND", "Post "+urn+" not found")
		return nil, false
	}
	return p, true
}

// listComments is GET /rest/socialActions/{urn}/comments.
func (l *linkedin) listComments(w http.ResponseWriter, r *http.Request, _ *liToken, urn string) {
	q := r.URL.Query()
	start, count := 0, 10
	if n, err := strconv.Atoi(q.Get("start")); err == nil && n >= 0 {
		start = n
	}
	if n, err := strconv.Atoi(q.Get("count")); err == nil && n > 0 {
		count = min(n, 100)
	}
	now := l.s.Config().Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var p *liPost
	var all []liComment
	if strings.HasPrefix(urn, "urn:li:comment:") {
		var ok bool
		if p, _, ok = l.commentLocked(w, urn, now); !ok {
			return
		}
		for _, c := range l.commentsLocked(p, now) {
			if c.parent == urn {
				all = append(all, c)
			}
		}
	} else {
		var ok bool
		if p, ok = l.livePostLocked(w, urn); !ok {
			return
		}
		all = l.commentsLocked(p, now)
	}
	els := []map[string]any{}
	for i := start; i < len(all) && len(els) < count; i++ {
		els = append(els, liCommentJSON(p, all[i]))
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"paging": map[string]any{"start": start, "count": count, "total": len(all),
		"links": []any{}}, "elements": els})
}

// liCommentBody is a Create Comment request
// (https://learn.microsoft.com/en-us/linkedin/marketing/integrations/community-management/shares/comments-api#create-a-comment).
type liCommentBody struct {
	Actor   string `json:"actor"`
	Object  string `json:"object"`
	Message struct {
		Text string `json:"text"`
	} `json:"message"`
	ParentComment string `json:"parentComment"`
}

// comment is POST /rest/socialActions/{urn}/comments: the member (or an
// organization it administers, with w_organization_social) comments on a
// live post; object must be the post of the path. It answers 201 with the
// comment (id, $URN "urn:li:comment:(<post>,<id>)", actor, object,
// message) and the URN in x-restli-id. The comment is recorded (sim.Post
// with ReplyTo the post).
func (l *linkedin) comment(w http.ResponseWriter, r *http.Request, t *liToken, urn string) {
	now := l.s.Config().Now()
	rec := sim.Post{Network: linkedinName, Account: t.user, ReceivedAt: now, ReplyTo: urn}
	refuse := func(status int, code, msg string) {
		rec.Error = msg
		l.s.Record(rec)
		liFail(w, status, 0, code, msg)
	}
	var body liCommentBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		refuse(http.StatusBadRequest, "ILLEGAL_ARGUMENT", "Unable to parse the request body: "+err.Error())
		return
	}
	rec.Text = body.Message.Text
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.member(t.user, now)
	switch {
	case body.Actor == "urn:li:person:"+m.sub && hasAnyScope(t.scopes, "w_member_social"):
	case strings.HasPrefix(body.Actor, "urn:li:organization:") && hasAnyScope(t.scopes, "w_organization_social"):
	default:
		refuse(http.StatusForbidden, "ACCESS_DENIED", "Not enough permissions to comment as "+body.Actor)
		return
	}
	if strings.HasPrefix(urn, "urn:li:comment:") {
		l.nestedLocked(w, rec, refuse, body, urn, now)
		return
	}
	p, ok := l.posts[urn]
	switch {
	case !ok || p.deleted:
		refuse(http.StatusNotFound, "NOT_FOUND", "Post "+urn+" not found")
		return
	case body.Object != urn:
		refuse(http.StatusUnprocessableEntity, "INVALID_VALUE", "/object :: must be the entity of the path, "+urn)
		return
	case strings.TrimSpace(body.Message.Text) == "":
		refuse(http.StatusUnprocessableEntity, "MISSING_FIELD", "/message/text :: a comment needs text")
		return
	}
	id := l.newID()
	curn := "urn:li:comment:(" + urn + "," + id + ")"
	rec.ID, rec.Created = curn, true
	l.s.Record(rec)
	l.comments[urn] = append(l.comments[urn], liComment{id: id, actor: body.Actor, text: body.Message.Text, created: now})
	w.Header().Set("X-RestLi-Id", curn)
	sim.WriteJSON(w, http.StatusCreated, map[string]any{"id": id, "$URN": curn, "actor": body.Actor, "object": urn,
		"message": map[string]any{"text": body.Message.Text}, "created": map[string]any{"actor": body.Actor, "time": now.UnixMilli()}})
}

// nestedLocked creates a nested comment under the comment urn (the
// actor already checked): object must be the post's activity, and
// parentComment the comment of the path, a top-level one. It answers 201
// as for a comment, the URN urn:li:comment:(<activity>,<id>), and records
// it (sim.Post with ReplyTo the parent comment). Holds l.mu.
func (l *linkedin) nestedLocked(w http.ResponseWriter, rec sim.Post, refuse func(int, string, string), body liCommentBody, urn string, now time.Time) {
	rec.ReplyTo = urn
	p, parent, ok := l.commentLocked(w, urn, now)
	switch {
	case !ok:
		rec.Error = "comment not found"
		l.s.Record(rec)
		return
	case parent.parent != "":
		refuse(http.StatusUnprocessableEntity, "INVALID_VALUE", "/parentComment :: comments nest one level: "+urn+" is a nested comment")
		return
	case body.ParentComment != urn:
		refuse(http.StatusUnprocessableEntity, "INVALID_VALUE", "/parentComment :: must be the comment of the path, "+urn)
		return
	case body.Object != liActivity(p) && body.Object != p.urn:
		refuse(http.StatusUnprocessableEntity, "INVALID_VALUE", "/object :: must be the post the comment is on, "+liActivity(p))
		return
	case strings.TrimSpace(body.Message.Text) == "":
		refuse(http.StatusUnprocessableEntity, "MISSING_FIELD", "/message/text :: a comment needs text")
		return
	}
	id := l.newID()
	curn := liCommentURN(p, id)
	rec.ID, rec.Created = curn, true
	l.s.Record(rec)
	l.comments[p.urn] = append(l.comments[p.urn], liComment{id: id, actor: body.Actor, text: body.Message.Text, parent: urn, created: now})
	w.Header().Set("X-RestLi-Id", curn)
	sim.WriteJSON(w, http.StatusCreated, map[string]any{"id": id, "$URN": curn, "actor": body.Actor, "object": body.Object,
		"parentComment": urn, "message": map[string]any{"text": body.Message.Text}, "created": map[string]any{"actor": body.Actor, "time": now.UnixMilli()}})
}
