package mastodon

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// Entities as https://docs.joinmastodon.org/entities/Status/ and
// https://docs.joinmastodon.org/entities/Account/ describe them (the
// fields a client relies on; the rest are empty).

type mastAccountJSON struct {
	ID             string         `json:"id"`
	Username       string         `json:"username"`
	Acct           string         `json:"acct"`
	DisplayName    string         `json:"display_name"`
	Locked         bool           `json:"locked"`
	Bot            bool           `json:"bot"`
	Discoverable   bool           `json:"discoverable"`
	Group          bool           `json:"group"`
	CreatedAt      string         `json:"created_at"`
	Note           string         `json:"note"`
	URL            string         `json:"url"`
	URI            string         `json:"uri"`
	Avatar         string         `json:"avatar"`
	AvatarStatic   string         `json:"avatar_static"`
	Header         string         `json:"header"`
	HeaderStatic   string         `json:"header_static"`
	FollowersCount int64          `json:"followers_count"`
	FollowingCount int64          `json:"following_count"`
	StatusesCount  int            `json:"statuses_count"`
	LastStatusAt   *string        `json:"last_status_at"`
	Emojis         []any          `json:"emojis"`
	Fields         []any          `json:"fields"`
	Source         map[string]any `json:"source,omitempty"` // CredentialAccount only
}

type mastStatusJSON struct {
	ID                 string          `json:"id"`
	CreatedAt          string          `json:"created_at"`
	InReplyToID        *string         `json:"in_reply_to_id"`
	InReplyToAccountID *string         `json:"in_reply_to_account_id"`
	Sensitive          bool            `json:"sensitive"`
	SpoilerText        string          `json:"spoiler_text"`
	Visibility         string          `json:"visibility"`
	Language           *string         `json:"language"`
	URI                string          `json:"uri"`
	URL                string          `json:"url"`
	RepliesCount       int64           `json:"replies_count"`
	ReblogsCount       int64           `json:"reblogs_count"`
	FavouritesCount    int64           `json:"favourites_count"`
	EditedAt           *string         `json:"edited_at"`
	Favourited         bool            `json:"favourited"`
	Reblogged          bool            `json:"reblogged"`
	Muted              bool            `json:"muted"`
	Bookmarked         bool            `json:"bookmarked"`
	Pinned             bool            `json:"pinned"`
	Content            string          `json:"content"`
	Text               *string         `json:"text,omitempty"` // DELETE answers only
	Reblog             any             `json:"reblog"`
	Application        map[string]any  `json:"application"`
	Account            mastAccountJSON `json:"account"`
	MediaAttachments   []any           `json:"media_attachments"`
	Mentions           []any           `json:"mentions"`
	Tags               []any           `json:"tags"`
	Emojis             []any           `json:"emojis"`
	Card               any             `json:"card"`
	Poll               any             `json:"poll"`
	Filtered           []any           `json:"filtered"`
}

// mastodonTime is Mastodon's datetime format
// (https://docs.joinmastodon.org/api/datetime-format/).
func mastodonTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// accountJSON renders u. Holds m.mu.
func (m *mastodon) accountJSON(base string, u *mUser, now time.Time) mastAccountJSON {
	a := mastAccountJSON{
		ID: u.id, Username: u.username, Acct: u.username, DisplayName: u.display,
		Discoverable: true, CreatedAt: mastodonTime(u.created.Truncate(24 * time.Hour)),
		Note: "<p>A fakenet account.</p>", URL: base + "/@" + u.username, URI: base + "/users/" + u.username,
		Avatar: base + "/avatars/original/missing.png", AvatarStatic: base + "/avatars/original/missing.png",
		Header: base + "/headers/original/missing.png", HeaderStatic: base + "/headers/original/missing.png",
		FollowersCount: sim.FollowersAt(m.s.Config().Seed, Name, u.username, now.Sub(u.created)),
		FollowingCount: 42, StatusesCount: u.statuses, Emojis: []any{}, Fields: []any{},
	}
	if !u.lastStatus.IsZero() {
		d := u.lastStatus.UTC().Format("2006-01-02")
		a.LastStatusAt = &d
	}
	return a
}

// statusJSON renders st with its engagement at now. Holds m.mu.
func (m *mastodon) statusJSON(base string, st *mStatus, now time.Time) mastStatusJSON {
	e := sim.EngagementAt(m.s.Config().Seed, Name, st.id, now.Sub(st.created))
	out := mastStatusJSON{
		ID: st.id, CreatedAt: mastodonTime(st.created), Sensitive: st.sensitive, SpoilerText: st.spoiler,
		Visibility: st.visibility, URI: base + "/users/" + st.user.username + "/statuses/" + st.id,
		URL: base + "/@" + st.user.username + "/" + st.id, RepliesCount: e.Replies + st.replies, ReblogsCount: e.Reblogs,
		FavouritesCount: e.Favourites, Content: htmlContent(st.text),
		Account: m.accountJSON(base, st.user, now), MediaAttachments: []any{}, Mentions: []any{}, Tags: []any{},
		Emojis: []any{}, Filtered: []any{},
	}
	for _, md := range st.media {
		out.MediaAttachments = append(out.MediaAttachments, m.mediaJSON(base, md))
	}
	if st.replyTo != "" {
		out.InReplyToID = &st.replyTo
	}
	if st.poll != nil {
		out.Poll = m.pollJSON(st, "", now)
	}
	if st.language != "" {
		out.Language = &st.language
	}
	if st.app != nil {
		out.Application = map[string]any{"name": st.app.name, "website": nilIfEmpty(st.app.website)}
	}
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func htmlContent(text string) string {
	paras := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n")
	var b strings.Builder
	for _, p := range paras {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(p), "\n", "<br />"))
		b.WriteString("</p>")
	}
	return b.String()
}

var mastVisibilities = map[string]bool{"public": true, "unlisted": true, "private": true, "direct": true}

// publish is POST /api/v1/statuses
// (https://docs.joinmastodon.org/methods/statuses/#create).
func (m *mastodon) publish(w http.ResponseWriter, r *http.Request, tok *mToken) {
	p, err := sim.Params(r)
	if err != nil {
		sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "Error occurred while parsing request parameters"})
		return
	}
	text, key := sim.First(p, "status"), r.Header.Get("Idempotency-Key")
	ignore := m.s.IgnoreIdempotency(Name, "publish", r.URL.Path, true) || m.s.Config().GoToSocial
	now, base := m.s.Config().Now(), m.base(r)
	rec := sim.Post{Network: Name, Account: tok.user, Text: text, IdempotencyKey: key, ReceivedAt: now}

	m.mu.Lock()
	u := m.user(tok.user, now)
	ikey := u.id + "\x00" + key
	if key != "" && !ignore {
		// PostStatusService returns the status the key made within the hour.
		if e, ok := m.idem[ikey]; ok && now.Sub(e.at) < idempotencyTTL {
			if st := m.statuses[e.id]; st != nil && !st.deleted {
				out := m.statusJSON(base, st, now)
				m.mu.Unlock()
				rec.ID = st.id
				m.s.Record(rec)
				sim.WriteJSON(w, http.StatusOK, out)
				return
			}
		}
	}
	vis := sim.First(p, "visibility")
	msg := ""
	media, mediaMsg := m.attachMedia(p["media_ids[]"], u)
	poll, pollMsg := m.pollParams(p, len(media), now)
	replyTo := sim.First(p, "in_reply_to_id")
	if replyTo != "" {
		if parent, ok := m.statuses[replyTo]; !ok || parent.deleted {
			mediaMsg = "Validation failed: Thread is invalid" // a reply to nothing (404 in Mastodon; 422 keeps it a refusal)
		}
	}
	switch n := mastodonLength(text + sim.First(p, "spoiler_text")); {
	case mediaMsg != "":
		msg = mediaMsg
	case pollMsg != "":
		msg = pollMsg
	case strings.TrimSpace(text) == "" && len(media) == 0:
		msg = errBlank
	case n > m.maxChars():
		msg = fmt.Sprintf("Validation failed: Text character limit of %d exceeded", m.maxChars())
	case vis != "" && !mastVisibilities[vis]:
		msg = "Validation failed: Visibility is not included in the list"
	}
	if msg != "" {
		m.mu.Unlock()
		rec.Error = msg
		m.s.Record(rec)
		sim.WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": msg})
		return
	}
	if vis == "" {
		vis = "public"
	}
	st := &mStatus{id: m.newID(), text: text, spoiler: sim.First(p, "spoiler_text"), visibility: vis,
		language: sim.First(p, "language"), sensitive: sim.First(p, "sensitive") == "true", user: u,
		app: m.apps[tok.clientID], created: now, media: media, replyTo: replyTo, poll: poll}
	if poll != nil {
		rec.Poll, rec.PollMinutes = poll.options, int(poll.expires.Sub(now)/time.Minute)
	}
	for _, md := range media {
		md.attached = true
		rec.Media = append(rec.Media, md.id)
	}
	rec.ReplyTo = replyTo
	if parent := m.statuses[replyTo]; parent != nil {
		parent.replies++
	}
	m.statuses[st.id] = st
	if replyTo == "" {
		u.roots = append(u.roots, st)
	} else {
		m.announce(st)
	}
	u.statuses++
	u.lastStatus = now
	if key != "" && !ignore {
		m.idem[ikey] = idemEntry{id: st.id, at: now}
		if len(m.idem)%1024 == 0 {
			for k, e := range m.idem {
				if now.Sub(e.at) >= idempotencyTTL {
					delete(m.idem, k)
				}
			}
		}
	}
	out := m.statusJSON(base, st, now)
	m.mu.Unlock()
	rec.ID, rec.Created = st.id, true
	m.s.Record(rec)
	sim.WriteJSON(w, http.StatusOK, out)
}

// getStatus is GET /api/v1/statuses/:id
// (https://docs.joinmastodon.org/methods/statuses/#get).
func (m *mastodon) getStatus(w http.ResponseWriter, r *http.Request, _ *mToken, id string) {
	now, base := m.s.Config().Now(), m.base(r)
	m.mu.Lock()
	st, ok := m.statuses[id]
	if !ok || st.deleted {
		m.mu.Unlock()
		sim.WriteJSON(w, http.StatusNotFound, map[string]string{"error": errNotFound})
		return
	}
	out := m.statusJSON(base, st, now)
	m.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, out)
}

// getStatuses is GET /api/v1/statuses?id[]=… (Mastodon 4.3+,
// https://docs.joinmastodon.org/methods/statuses/#index): the statuses
// that exist, fewer when some do not; more than 20 ids is a 422.
func (m *mastodon) getStatuses(w http.ResponseWriter, r *http.Request, _ *mToken) {
	if m.s.Config().GoToSocial {
		w.Header().Set("Allow", "POST")
		sim.WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "Method Not Allowed"})
		return
	}
	q := r.URL.Query()
	var ids []string
	seen := map[string]bool{}
	for _, id := range append(q["id[]"], q["id"]...) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > maxStatusIDs {
		// Mastodon raises a bare Mastodon::ValidationError, rendered as 422.
		sim.WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Mastodon::ValidationError"})
		return
	}
	now, base := m.s.Config().Now(), m.base(r)
	out := make([]mastStatusJSON, 0, len(ids))
	m.mu.Lock()
	for _, id := range ids {
		if st, ok := m.statuses[id]; ok && !st.deleted {
			out = append(out, m.statusJSON(base, st, now))
		}
	}
	m.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, out)
}

// deleteStatus is DELETE /api/v1/statuses/:id
// (https://docs.joinmastodon.org/methods/statuses/#delete): the author's
// own statuses only, answered with the source text.
func (m *mastodon) deleteStatus(w http.ResponseWriter, r *http.Request, tok *mToken, id string) {
	now, base := m.s.Config().Now(), m.base(r)
	m.mu.Lock()
	st, ok := m.statuses[id]
	if !ok || st.deleted || st.user.username != tok.user {
		m.mu.Unlock()
		sim.WriteJSON(w, http.StatusNotFound, map[string]string{"error": errNotFound})
		return
	}
	m.markDeleted(st)
	out := m.statusJSON(base, st, now)
	out.Text = &st.text
	m.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, out)
}

// verifyCredentials is GET /api/v1/accounts/verify_credentials
// (https://docs.joinmastodon.org/methods/accounts/#verify_credentials).
func (m *mastodon) verifyCredentials(w http.ResponseWriter, r *http.Request, tok *mToken) {
	now, base := m.s.Config().Now(), m.base(r)
	m.mu.Lock()
	a := m.accountJSON(base, m.user(tok.user, now), now)
	m.mu.Unlock()
	a.Source = map[string]any{"privacy": "public", "sensitive": false, "language": "", "note": "A fakenet account.",
		"fields": []any{}, "follow_requests_count": 0}
	sim.WriteJSON(w, http.StatusOK, a)
}

// software is what the instance says it runs: Mastodon, or GoToSocial
// while an ignore_idempotency fault is active.
func (m *mastodon) software(r *http.Request) (version, sourceURL string) {
	if m.s.Config().GoToSocial {
		return "0.20.0-rc1-8-g57cb4fe74", "https://codeberg.org/superseriousbusiness/gotosocial"
	}
	if m.s.IgnoreIdempotency(Name, "instance", r.URL.Path, false) {
		return "0.17.3 git-fakenet", "https://github.com/superseriousbusiness/gotosocial"
	}
	return "4.3.0", "https://github.com/mastodon/mastodon"
}

// maxChars is the status length the instance allows.
func (m *mastodon) maxChars() int {
	if m.s.Config().GoToSocial {
		return gtsMaxChars
	}
	return mastodonMaxChars
}

// GoToSocial's defaults (statuses-max-chars, statuses-media-max-files).
const (
	gtsMaxChars = 5000
	gtsMaxMedia = 6
)

func (m *mastodon) statusConfig() map[string]any {
	maxMedia := 4
	if m.s.Config().GoToSocial {
		maxMedia = gtsMaxMedia
	}
	return map[string]any{
		"statuses": map[string]any{"max_characters": m.maxChars(), "max_media_attachments": maxMedia,
			"characters_reserved_per_url": mastodonURLChars},
		"media_attachments": map[string]any{"image_size_limit": 16 << 20, "video_size_limit": 99 << 20},
		"accounts":          map[string]any{"max_featured_tags": 10, "max_pinned_statuses": 5},
		"polls": map[string]any{"max_options": pollMaxOptions, "max_characters_per_option": pollMaxChars,
			"min_expiration": pollMinSeconds, "max_expiration": pollMaxSeconds},
	}
}

// instanceV2 is GET /api/v2/instance
// (https://docs.joinmastodon.org/methods/instance/#v2).
func (m *mastodon) instanceV2(w http.ResponseWriter, r *http.Request, _ *mToken) {
	version, source := m.software(r)
	m.mu.Lock()
	users := len(m.users)
	m.mu.Unlock()
	conf := m.statusConfig()
	conf["urls"] = map[string]any{"streaming": nil}
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"domain": r.Host, "title": "fakenet", "version": version, "source_url": source,
		"description": "A simulated Mastodon instance for rythme's tests.",
		"usage":       map[string]any{"users": map[string]any{"active_month": users}},
		"thumbnail":   map[string]any{"url": m.base(r) + "/packs/media/images/preview.png"},
		"languages":   []string{"en"}, "configuration": conf,
		"registrations": map[string]any{"enabled": false, "approval_required": false, "message": nil},
		"api_versions":  map[string]any{"mastodon": 2},
		"contact":       map[string]any{"email": "", "account": nil},
		"rules":         []any{},
	})
}

// instanceV1 is GET /api/v1/instance (deprecated since 4.0, still served).
func (m *mastodon) instanceV1(w http.ResponseWriter, r *http.Request, _ *mToken) {
	version, source := m.software(r)
	m.mu.Lock()
	users, statuses := len(m.users), len(m.statuses)
	m.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"uri": r.Host, "title": "fakenet", "short_description": "A simulated Mastodon instance.",
		"description": "A simulated Mastodon instance for rythme's tests.", "email": "",
		"version": version, "source_url": source, "urls": map[string]any{"streaming_api": nil},
		"stats":     map[string]any{"user_count": users, "status_count": statuses, "domain_count": 0},
		"thumbnail": nil, "languages": []string{"en"}, "registrations": false, "approval_required": false,
		"invites_enabled": false, "configuration": m.statusConfig(), "contact_account": nil, "rules": []any{},
	})
}
