package linkedin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The Posts, Images and member post statistics APIs of LinkedIn; see
// linkedin.go for the documentation followed.

// liPostBody is the part of a Posts API create request the simulator reads.
type liPostBody struct {
	Author       string `json:"author"`
	Commentary   string `json:"commentary"`
	Visibility   string `json:"visibility"`
	Distribution *struct {
		FeedDistribution string `json:"feedDistribution"`
	} `json:"distribution"`
	Content *struct {
		Media *struct {
			ID      string `json:"id"`
			AltText string `json:"altText"`
		} `json:"media"`
		MultiImage *struct {
			Images []struct {
				ID      string `json:"id"`
				AltText string `json:"altText"`
			} `json:"images"`
		} `json:"multiImage"`
		Poll *liPollBody `json:"poll"`
	} `json:"content"`
	LifecycleState string `json:"lifecycleState"`
}

var liVisibilities = map[string]bool{"PUBLIC": true, "CONNECTIONS": true, "LOGGED_IN": true, "CONTAINER": true}

// liReserved are the characters the little text format reserves; they
// must be escaped with a backslash to be plain text.
const liReserved = `\|{}@[]()<>#*_~`

// liDecodeLittle turns little text into what members see: escapes undone,
// #hashtags and @[Name](urn) mentions kept as text, {hashtag|\#|tag}
// templates rendered. At an unescaped reserved character that starts no
// element, LinkedIn silently cuts the text there; so does this.
func liDecodeLittle(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		rest := s[i:]
		switch {
		case r == '\\' && len(rest) > 1:
			next, n := utf8.DecodeRuneInString(rest[1:])
			b.WriteRune(next)
			i += 1 + n
			continue
		case r == '#' && len(rest) > 1:
			next, _ := utf8.DecodeRuneInString(rest[1:])
			if !unicode.IsLetter(next) && !unicode.IsDigit(next) {
				return b.String()
			}
			b.WriteRune(r)
		case strings.HasPrefix(rest, "@["):
			name, after, ok := strings.Cut(rest[2:], "](")
			_, tail, ok2 := strings.Cut(after, ")")
			if !ok || !ok2 {
				return b.String()
			}
			b.WriteString(name)
			i = len(s) - len(tail)
			continue
		case strings.HasPrefix(rest, `{hashtag|\#|`):
			tag, tail, ok := strings.Cut(rest[len(`{hashtag|\#|`):], "}")
			if !ok {
				return b.String()
			}
			b.WriteString("#" + tag)
			i = len(s) - len(tail)
			continue
		case strings.ContainsRune(liReserved, r):
			return b.String()
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// liLength counts UTF-16 code units, as LinkedIn's Java services do.
func liLength(s string) int { return len(utf16.Encode([]rune(s))) }

func liDay(t time.Time) string { return t.UTC().Format("2006-01-02") }

// publish is POST /rest/posts: 201 with the post's URN in x-restli-id and
// an empty body.
func (l *linkedin) publish(w http.ResponseWriter, r *http.Request, t *liToken) {
	now := l.s.Config().Now()
	rec := sim.Post{Network: linkedinName, Account: t.user, ReceivedAt: now}
	refuse := func(status int, code, msg string) {
		rec.Error = msg
		l.s.Record(rec)
		if status == http.StatusUnprocessableEntity || status == http.StatusBadRequest {
			// The validation shape LinkedIn's Posts API answers with.
			sim.WriteJSON(w, status, map[string]any{"status": status, "code": code, "message": msg,
				"errorDetailType": "com.linkedin.common.error.BadRequest",
				"errorDetails":    map[string]any{"inputErrors": []map[string]any{{"code": code, "description": msg, "input": map[string]any{}}}}})
			return
		}
		liFail(w, status, 0, code, msg)
	}
	var body liPostBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		refuse(http.StatusBadRequest, "ILLEGAL_ARGUMENT", "Unable to parse the request body: "+err.Error())
		return
	}
	rec.Text = liDecodeLittle(body.Commentary)
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.member(t.user, now)
	personURN := "urn:li:person:" + m.sub
	switch {
	case body.Author == personURN:
		if !hasAnyScope(t.scopes, "w_member_social") {
			refuse(http.StatusForbidden, "ACCESS_DENIED", "Not enough permissions to access: partnerApiPostsExternal.CREATE.20240501")
			return
		}
	case strings.HasPrefix(body.Author, "urn:li:organization:"):
		// fakenet members administer every organization.
		if !hasAnyScope(t.scopes, "w_organization_social") {
			refuse(http.StatusForbidden, "ACCESS_DENIED", "Not enough permissions to access: partnerApiPostsExternal.CREATE.20240501")
			return
		}
	default:
		refuse(http.StatusForbidden, "ACCESS_DENIED", "Member is not the author "+body.Author)
		return
	}
	var images []string
	if c := body.Content; c != nil {
		if c.Media != nil {
			images = append(images, c.Media.ID)
		}
		if c.MultiImage != nil {
			for _, im := range c.MultiImage.Images {
				images = append(images, im.ID)
			}
			if n := len(c.MultiImage.Images); n < 2 || n > 20 {
				refuse(http.StatusUnprocessableEntity, "INVALID_VALUE", fmt.Sprintf("/content/multiImage/images :: a multi-image post has 2 to 20 images, not %d", n))
				return
			}
		}
	}
	if c := body.Content; c != nil && c.Poll != nil {
		if msg := liCheckPoll(c.Poll, len(images)); msg != "" {
			refuse(http.StatusUnprocessableEntity, "INVALID_VALUE", msg)
			return
		}
		rec.PollMinutes = liPollMinutes[c.Poll.Settings.Duration]
		for _, o := range c.Poll.Options {
			rec.Poll = append(rec.Poll, o.Text)
		}
	}
	for _, id := range images {
		im := l.images[id]
		if im == nil || im.owner != body.Author || !im.uploaded {
			refuse(http.StatusUnprocessableEntity, "INVALID_VALUE", "/content :: image "+id+" is not available for "+body.Author)
			return
		}
	}
	switch n := liLength(rec.Text); {
	case body.LifecycleState != "PUBLISHED" && body.LifecycleState != "DRAFT":
		refuse(http.StatusUnprocessableEntity, "INVALID_VALUE", "/lifecycleState :: must be PUBLISHED or DRAFT")
		return
	case !liVisibilities[body.Visibility]:
		refuse(http.StatusUnprocessableEntity, "INVALID_VALUE", "/visibility :: must be one of PUBLIC, CONNECTIONS, LOGGED_IN, CONTAINER")
		return
	case body.Distribution == nil || (body.Distribution.FeedDistribution != "MAIN_FEED" && body.Distribution.FeedDistribution != "NONE"):
		refuse(http.StatusUnprocessableEntity, "INVALID_VALUE", "/distribution/feedDistribution :: must be MAIN_FEED or NONE")
		return
	case strings.TrimSpace(rec.Text) == "" && len(images) == 0:
		refuse(http.StatusUnprocessableEntity, "MISSING_FIELD", "/commentary :: a post needs commentary or content")
		return
	case n > liMaxCommentary:
		refuse(http.StatusUnprocessableEntity, "FIELD_LENGTH_TOO_LONG", fmt.Sprintf("/commentary :: length %d exceeds the maximum of %d", n, liMaxCommentary))
		return
	}
	for _, p := range l.posts {
		if !p.deleted && p.author == body.Author && p.commentary == rec.Text && now.Sub(p.created) < liDuplicateWindow {
			refuse(http.StatusUnprocessableEntity, "DUPLICATE_POST", "Content is a duplicate of "+p.urn)
			return
		}
	}
	day := m.sub + " " + liDay(now)
	if l.daily[day] >= liDailyPosts {
		l.s.CountRateLimited()
		refuse(http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "Resource level throttle MEMBER DAY limit for calls to this resource is reached.")
		return
	}
	l.daily[day]++
	p := &liPost{urn: "urn:li:share:" + l.newID(), author: body.Author, commentary: rec.Text, visibility: body.Visibility,
		user: t.user, images: images, created: now}
	l.posts[p.urn] = p
	rec.ID, rec.Created = p.urn, true
	l.s.Record(rec)
	w.Header().Set("X-RestLi-Id", p.urn)
	w.Header().Set("X-LinkedIn-Id", p.urn)
	w.WriteHeader(http.StatusCreated)
}

func hasAnyScope(granted []string, want ...string) bool {
	for _, w := range want {
		for _, g := range granted {
			if g == w {
				return true
			}
		}
	}
	return false
}

// getPost is GET /rest/posts/{urn}.
func (l *linkedin) getPost(w http.ResponseWriter, _ *http.Request, _ *liToken, urn string) {
	l.mu.Lock()
	p, ok := l.posts[urn]
	if !ok || p.deleted {
		l.mu.Unlock()
		liFail(w, http.StatusNotFound, 0, "NOT_FOUND", "Post "+urn+" not found")
		return
	}
	out := map[string]any{"id": p.urn, "author": p.author, "commentary": p.commentary, "visibility": p.visibility,
		"lifecycleState": "PUBLISHED", "distribution": map[string]any{"feedDistribution": "MAIN_FEED"},
		"createdAt": p.created.UnixMilli(), "publishedAt": p.created.UnixMilli(), "lastModifiedAt": p.created.UnixMilli()}
	l.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, out)
}

// deletePostAPI is DELETE /rest/posts/{urn}: 204, the author's own only.
func (l *linkedin) deletePostAPI(w http.ResponseWriter, _ *http.Request, t *liToken, urn string) {
	l.mu.Lock()
	p, ok := l.posts[urn]
	if !ok || p.deleted || p.user != t.user {
		l.mu.Unlock()
		liFail(w, http.StatusNotFound, 0, "NOT_FOUND", "Post "+urn+" not found")
		return
	}
	p.deleted = true
	l.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// liMetrics are the counts of a post at now, grown from EngagementAt.
func (l *linkedin) liMetrics(p *liPost, now time.Time) map[string]int64 {
	e := sim.EngagementAt(l.s.Config().Seed, linkedinName, p.urn, now.Sub(p.created))
	impressions := e.Favourites*25 + e.Replies*10
	return map[string]int64{"REACTION": e.Favourites, "COMMENT": e.Replies, "RESHARE": e.Reblogs,
		"IMPRESSION": impressions, "MEMBERS_REACHED": impressions * 6 / 10}
}

// analytics is GET /rest/memberCreatorPostAnalytics?q=entity
// &entity=(share:urn%3Ali%3Ashare%3A…)&queryType=REACTION&aggregation=TOTAL:
// one metric of one of the member's own posts.
func (l *linkedin) analytics(w http.ResponseWriter, r *http.Request, t *liToken) {
	q := r.URL.Query()
	if q.Get("q") != "entity" {
		liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "fakenet supports the entity finder only")
		return
	}
	ent := q.Get("entity")
	inner, ok := strings.CutPrefix(ent, "(")
	inner, ok2 := strings.CutSuffix(inner, ")")
	kind, urn, ok3 := strings.Cut(inner, ":")
	if !ok || !ok2 || !ok3 || (kind != "share" && kind != "ugc") {
		liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "Invalid entity "+ent+": expected (share:{urn}) or (ugc:{urn})")
		return
	}
	if u, err := url.QueryUnescape(urn); err == nil {
		urn = u
	}
	metric := q.Get("queryType")
	if agg := q.Get("aggregation"); agg != "" && agg != "TOTAL" {
		liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "fakenet supports aggregation TOTAL only")
		return
	}
	now := l.s.Config().Now()
	l.mu.Lock()
	p, found := l.posts[urn]
	var counts map[string]int64
	if found && !p.deleted {
		counts = l.liMetrics(p, now)
	}
	l.mu.Unlock()
	switch {
	case !found || p.deleted:
		liFail(w, http.StatusNotFound, 0, "NOT_FOUND", "Entity "+urn+" not found")
		return
	case p.user != t.user:
		liFail(w, http.StatusForbidden, 100, "ACCESS_DENIED", "Not enough permissions to access the analytics of "+urn)
		return
	}
	n, ok := counts[metric]
	if !ok {
		liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "Invalid queryType "+metric)
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"paging":   map[string]any{"start": 0, "count": 10, "links": []any{}},
		"elements": []map[string]any{{"count": n, "metricType": metric, "targetEntity": map[string]string{kind: urn}}},
	})
}

// initializeUpload is POST /rest/images?action=initializeUpload.
func (l *linkedin) initializeUpload(w http.ResponseWriter, r *http.Request, t *liToken) {
	if r.URL.Query().Get("action") != "initializeUpload" {
		liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "Unsupported action "+r.URL.Query().Get("action"))
		return
	}
	var body struct {
		InitializeUploadRequest struct {
			Owner string `json:"owner"`
		} `json:"initializeUploadRequest"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil || body.InitializeUploadRequest.Owner == "" {
		liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "initializeUploadRequest.owner is required")
		return
	}
	now := l.s.Config().Now()
	l.mu.Lock()
	m := l.member(t.user, now)
	owner := body.InitializeUploadRequest.Owner
	if owner != "urn:li:person:"+m.sub && !strings.HasPrefix(owner, "urn:li:organization:") {
		l.mu.Unlock()
		liFail(w, http.StatusForbidden, 100, "ACCESS_DENIED", "Member is not the owner "+owner)
		return
	}
	im := &liImage{urn: "urn:li:image:D4E10AQ" + l.newID(), owner: owner}
	tok := sim.RandomToken()
	l.images[im.urn] = im
	l.uploads[tok] = im.urn
	l.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{"value": map[string]any{
		"uploadUrlExpiresAt": now.Add(time.Hour).UnixMilli(),
		"uploadUrl":          sim.RequestBase(r) + "/" + linkedinName + "/dms-uploads/" + tok,
		"image":              im.urn,
	}})
}

// upload is PUT of the image's bytes to the upload URL: 201.
func (l *linkedin) upload(w http.ResponseWriter, r *http.Request, _ *liToken, tok string) {
	n, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 64<<20))
	l.mu.Lock()
	urn, ok := l.uploads[tok]
	if ok && err == nil && n > 0 {
		l.images[urn].uploaded = true
		delete(l.uploads, tok)
	}
	l.mu.Unlock()
	switch {
	case !ok:
		liFail(w, http.StatusNotFound, 0, "NOT_FOUND", "Unknown upload URL")
	case err != nil || n == 0:
		liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "Empty or unreadable upload")
	default:
		w.WriteHeader(http.StatusCreated)
	}
}

// getImage is GET /rest/images/{urn}: status AVAILABLE once uploaded.
func (l *linkedin) getImage(w http.ResponseWriter, _ *http.Request, _ *liToken, urn string) {
	l.mu.Lock()
	im, ok := l.images[urn]
	var out map[string]any
	if ok {
		status := "WAITING_UPLOAD"
		if im.uploaded {
			status = "AVAILABLE"
		}
		out = map[string]any{"id": im.urn, "owner": im.owner, "status": status}
	}
	l.mu.Unlock()
	if !ok {
		liFail(w, http.StatusNotFound, 0, "NOT_FOUND", "Image "+urn+" not found")
		return
	}
	sim.WriteJSON(w, http.StatusOK, out)
}
