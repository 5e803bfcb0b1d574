// Package discord is fakenet's Discord.
//
// Discord's incoming webhooks, under the prefix /discord, following
// https://discord.com/developers/docs/resources/webhook (Get Webhook with
// Token, Execute Webhook, Delete Webhook with Token),
// https://discord.com/developers/docs/topics/rate-limits (X-RateLimit-*
// headers, the 429 body), Get Webhook Message (a poll's votes so far,
// simulated from the seed: polls.go) and
// https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
// (the {"message","code","errors"} error shape).
//
// The API lives at /discord/api (unversioned, as the webhook URLs Discord
// hands out) and /discord/api/v{n}. Webhooks are made out of band, as a
// user does in a channel's Integrations settings: POST
// /discord/fakenet/webhooks?user=alice (or Webhook, which is fakenet.Server.DiscordWebhook).
// Execute Webhook documents no idempotency key (nonce and enforce_nonce
// belong to Create Message), so none is honoured.
package discord

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/sim"
)

const (
	discordName = "discord"
	// discordMaxContent is the content limit, counted in code points
	// (Execute Webhook: "up to 2000 characters"; Discord's API counts
	// with Python's len, https://github.com/discord/discord-api-docs/issues/1315).
	discordMaxContent = 2000
	// Discord tells apps not to hard-code limits; the simulator allows 30
	// executions per webhook per minute, the limit Discord applies to a
	// channel's webhooks.
	discordWebhookLimit  = 30
	discordWebhookWindow = time.Minute
	discordEpochMS       = 1420070400000
)

// Error messages and codes as Discord sends them.
const (
	discordUnknownWebhook = 10015
	discordUnknownMessage = 10008
	discordInvalidToken   = 50027
	discordInvalidForm    = 50035
	discordEmptyMessage   = 50006
)

type discord struct {
	s   *sim.Server
	lim *sim.Limiter

	mu       sync.Mutex
	hooks    map[string]*dWebhook // by id
	messages map[string]*dMessage // by id
	seq      int64
}

type dWebhook struct {
	id, token, name, user, guildID, channelID string
}

type dMessage struct {
	id, content, username string
	hook                  *dWebhook
	created               time.Time
	deleted               bool
	poll                  *dPoll
}

// New builds the simulated Discord on s.
func New(s *sim.Server) sim.Network {
	d := &discord{s: s, lim: sim.NewLimiter(discordRate(s.Config().RateLimit), discordWebhookWindow)}
	d.Reset()
	return d
}

// discordRate keeps Config.RateLimit's "negative: no limit".
func discordRate(configured int) int {
	if configured < 0 {
		return -1
	}
	return discordWebhookLimit
}

func (d *discord) Name() string { return discordName }

func (d *discord) Reset() {
	d.mu.Lock()
	d.hooks = map[string]*dWebhook{}
	d.messages = map[string]*dMessage{}
	d.seq = 0
	d.mu.Unlock()
	d.lim.Reset()
}

// snowflake returns a new id carrying now, as Discord's ids do
// (https://discord.com/developers/docs/reference#snowflakes). Holds d.mu.
func (d *discord) snowflake(now time.Time) string {
	d.seq++
	ms := now.UnixMilli() - discordEpochMS
	if ms < 0 {
		ms = 0
	}
	return strconv.FormatUint(uint64(ms)<<22|uint64(d.seq&0x3fffff), 10)
}

func (d *discord) ErrorBody(msg string) []byte {
	b, _ := json.Marshal(map[string]any{"message": msg, "code": 0})
	return b
}

// faultBody is an injected status's answer; a 429 is Discord's rate
// limit body, with retry_after (seconds) and global
// (https://discord.com/developers/docs/topics/rate-limits).
func (d *discord) FaultBody(f sim.Fault) []byte {
	if f.Status != http.StatusTooManyRequests {
		return d.ErrorBody(http.StatusText(f.Status))
	}
	b, _ := json.Marshal(map[string]any{"message": "You are being rate limited.", "retry_after": float64(f.RetryAfter),
		"global": false, "code": 0})
	return b
}

func (d *discord) NotFound(w http.ResponseWriter, _ *http.Request) {
	sim.WriteJSON(w, http.StatusNotFound, map[string]any{"message": "404: Not Found", "code": 0})
}

// discordAPIPath matches /api, /api/v10… and captures the rest.
var discordAPIPath = regexp.MustCompile(`^/api(?:/v\d+)?(/webhooks/[^/]+/[^/]+)(/.*)?$`)

func (d *discord) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	if path == "/fakenet/webhooks" && method == http.MethodPost {
		return "create_webhook", path, d.createWebhook
	}
	m := discordAPIPath.FindStringSubmatch(path)
	if m == nil {
		return "", "", nil
	}
	parts := strings.Split(strings.TrimPrefix(m[1], "/webhooks/"), "/")
	id, token := parts[0], parts[1]
	if msg, ok := strings.CutPrefix(m[2], "/messages/"); ok && msg != "" && !strings.Contains(msg, "/") && method == http.MethodGet {
		return "get_message", "/api/webhooks/:id/:token/messages/:message", func(w http.ResponseWriter, r *http.Request) {
			d.getMessage(w, r, id, token, msg)
		}
	}
	if m[2] != "" {
		return "", "", nil
	}
	const p = "/api/webhooks/:id/:token"
	switch method {
	case http.MethodGet:
		return "get_webhook", p, func(w http.ResponseWriter, r *http.Request) { d.getWebhook(w, r, id, token) }
	case http.MethodPost:
		return "publish", p, func(w http.ResponseWriter, r *http.Request) { d.execute(w, r, id, token) }
	case http.MethodDelete:
		return "delete_webhook", p, func(w http.ResponseWriter, r *http.Request) { d.deleteWebhook(w, r, id, token) }
	}
	return "", "", nil
}

// Webhook creates a webhook in user's channel (as the user would
// in the channel's Integrations settings) and returns its URL on the
// simulator reachable at base, such as
// http://127.0.0.1:8090/discord/api/webhooks/{id}/{token}.
func Webhook(s *sim.Server, base, user string) string {
	d := s.Network(discordName).(*discord)
	h := d.newWebhook(user, "")
	return strings.TrimSuffix(base, "/") + "/" + discordName + "/api/webhooks/" + h.id + "/" + h.token
}

func (d *discord) newWebhook(user, name string) *dWebhook {
	if user == "" {
		user = "alice"
	}
	if name == "" {
		name = user
	}
	now := d.s.Config().Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	g := sim.Mix(d.s.Config().Seed, discordName, "guild", user)
	h := &dWebhook{id: d.snowflake(now), token: sim.RandomToken() + sim.RandomToken()[:25], name: name, user: user,
		guildID: strconv.FormatUint(g>>1, 10), channelID: strconv.FormatUint(sim.Mix(d.s.Config().Seed, discordName, "channel", user)>>1, 10)}
	d.hooks[h.id] = h
	return h
}

// createWebhook is POST /discord/fakenet/webhooks?user=alice[&name=…]: a
// fakenet helper standing in for a user creating a webhook in Discord.
func (d *discord) createWebhook(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h := d.newWebhook(q.Get("user"), q.Get("name"))
	out := d.webhookJSON(h)
	out["url"] = sim.RequestBase(r) + "/" + discordName + "/api/webhooks/" + h.id + "/" + h.token
	sim.WriteJSON(w, http.StatusOK, out)
}

// webhookJSON is the Webhook object as Get Webhook with Token returns it
// (no user). Holds d.mu or works on an unshared webhook.
func (d *discord) webhookJSON(h *dWebhook) map[string]any {
	return map[string]any{"type": 1, "id": h.id, "name": h.name, "avatar": nil, "channel_id": h.channelID,
		"guild_id": h.guildID, "application_id": nil, "token": h.token}
}

// hook resolves id and token as Discord does: an unknown id is 404
// Unknown Webhook, a wrong token 401 Invalid Webhook Token.
func (d *discord) hook(w http.ResponseWriter, id, token string) *dWebhook {
	d.mu.Lock()
	h, ok := d.hooks[id]
	d.mu.Unlock()
	switch {
	case !ok:
		sim.WriteJSON(w, http.StatusNotFound, map[string]any{"message": "Unknown Webhook", "code": discordUnknownWebhook})
		return nil
	case h.token != token:
		sim.WriteJSON(w, http.StatusUnauthorized, map[string]any{"message": "Invalid Webhook Token", "code": discordInvalidToken})
		return nil
	}
	return h
}

// getWebhook is GET /webhooks/{id}/{token}.
func (d *discord) getWebhook(w http.ResponseWriter, _ *http.Request, id, token string) {
	h := d.hook(w, id, token)
	if h == nil {
		return
	}
	d.mu.Lock()
	out := d.webhookJSON(h)
	d.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, out)
}

// deleteWebhook is DELETE /webhooks/{id}/{token}: 204, then the webhook
// is Unknown.
func (d *discord) deleteWebhook(w http.ResponseWriter, _ *http.Request, id, token string) {
	if d.hook(w, id, token) == nil {
		return
	}
	d.mu.Lock()
	delete(d.hooks, id)
	d.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// rateLimit counts one execution on the webhook's bucket and sets the
// X-RateLimit-* headers; it answers the documented 429 and returns false
// when the bucket is empty.
func (d *discord) rateLimit(w http.ResponseWriter, id string) bool {
	now := d.s.Config().Now()
	limit, remaining, reset, ok := d.lim.Take("webhook:"+id, now)
	if limit <= 0 {
		return true
	}
	after := math.Max(0, reset.Sub(now).Seconds())
	bucket := fnv.New32a()
	_, _ = bucket.Write([]byte("execute_webhook"))
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(after, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", fmt.Sprintf("%08x", bucket.Sum32()))
	if ok {
		return true
	}
	d.s.CountRateLimited()
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(after))))
	h.Set("X-RateLimit-Scope", "shared")
	sim.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"message": "The resource is being rate limited.",
		"retry_after": math.Round(after*1000) / 1000, "global": false})
	return false
}

// formError is Discord's 50035 Invalid Form Body with one field error.
func formError(field, code, msg string) map[string]any {
	return map[string]any{"code": discordInvalidForm, "message": "Invalid Form Body",
		"errors": map[string]any{field: map[string]any{"_errors": []map[string]string{{"code": code, "message": msg}}}}}
}

// execute is POST /webhooks/{id}/{token}[?wait=true]: Execute Webhook
// with JSON (or form) params content, username, avatar_url, tts,
// allowed_mentions, flags. With wait it answers the Message object, else
// 204.
func (d *discord) execute(w http.ResponseWriter, r *http.Request, id, token string) {
	h := d.hook(w, id, token)
	if h == nil || !d.rateLimit(w, id) {
		return
	}
	p, err := sim.Params(r)
	if err != nil {
		sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"message": "400: Bad Request", "code": 0})
		return
	}
	now := d.s.Config().Now()
	content, username := sim.First(p, "content"), sim.First(p, "username")
	rec := sim.Post{Network: discordName, Account: h.user, Text: content, ReceivedAt: now}
	var refusal map[string]any
	lower := strings.ToLower(username)
	poll, pollErr := discordPoll(sim.First(p, "poll"))
	if poll != nil {
		rec.Text, rec.PollMinutes = poll.Question.Text, poll.Duration*60
		for _, a := range poll.Answers {
			rec.Poll = append(rec.Poll, a.Media.Text)
		}
	}
	switch {
	case pollErr != nil:
		refusal, rec.Error = pollErr, "poll: invalid"
	case strings.TrimSpace(content) == "" && len(p["embeds[]"]) == 0 && poll == nil:
		refusal = map[string]any{"code": discordEmptyMessage, "message": "Cannot send an empty message"}
		rec.Error = "Cannot send an empty message"
	case utf8.RuneCountInString(content) > discordMaxContent:
		msg := fmt.Sprintf("Must be %d or fewer in length.", discordMaxContent)
		refusal, rec.Error = formError("content", "BASE_TYPE_MAX_LENGTH", msg), "content: "+msg
	case strings.Contains(lower, "discord") || strings.Contains(lower, "clyde") || utf8.RuneCountInString(username) > 80:
		msg := "Username cannot contain \"discord\" or \"clyde\" and must be 80 or fewer in length."
		refusal, rec.Error = formError("username", "USERNAME_INVALID", msg), "username: "+msg
	}
	if refusal != nil {
		d.s.Record(rec)
		sim.WriteJSON(w, http.StatusBadRequest, refusal)
		return
	}
	d.mu.Lock()
	msg := &dMessage{id: d.snowflake(now), content: content, username: username, hook: h, created: now, poll: poll}
	d.messages[msg.id] = msg
	out := d.messageJSON(msg)
	d.mu.Unlock()
	rec.ID, rec.Created = msg.id, true
	d.s.Record(rec)
	if wait, _ := strconv.ParseBool(r.URL.Query().Get("wait")); !wait {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// messageJSON is the Message object
// (https://discord.com/developers/docs/resources/message#message-object)
// of a webhook message. Holds d.mu.
func (d *discord) messageJSON(m *dMessage) map[string]any {
	name := m.username
	if name == "" {
		name = m.hook.name
	}
	out := map[string]any{
		"id": m.id, "type": 0, "content": m.content, "channel_id": m.hook.channelID,
		// A user object has these eight whatever the user (Discord's spec
		// requires them).
		"author": map[string]any{"bot": true, "id": m.hook.id, "username": name, "avatar": nil, "discriminator": "0000",
			"public_flags": 0, "flags": 0, "global_name": nil, "primary_guild": nil},
		"attachments": []any{}, "embeds": []any{}, "mentions": []any{}, "mention_roles": []any{}, "pinned": false,
		"mention_everyone": false, "tts": false, "timestamp": m.created.UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		"edited_timestamp": nil, "flags": 0, "components": []any{}, "webhook_id": m.hook.id,
	}
	if m.poll != nil {
		out["poll"] = d.pollJSON(m, d.s.Config().Now())
	}
	return out
}

// getMessage is Get Webhook Message
// (https://discord.com/developers/docs/resources/webhook#get-webhook-message),
// GET /webhooks/{id}/{token}/messages/{message.id}: a message the webhook
// sent, as the Message object (its poll with the votes so far), or 404
// Unknown Message when it is not the webhook's or was deleted.
func (d *discord) getMessage(w http.ResponseWriter, _ *http.Request, id, token, msgID string) {
	h := d.hook(w, id, token)
	if h == nil {
		return
	}
	d.mu.Lock()
	m, ok := d.messages[msgID]
	if !ok || m.deleted || m.hook.id != h.id {
		d.mu.Unlock()
		sim.WriteJSON(w, http.StatusNotFound, map[string]any{"message": "Unknown Message", "code": discordUnknownMessage})
		return
	}
	out := d.messageJSON(m)
	d.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, out)
}

// revoke deletes every webhook of user (every user when empty), as a
// server admin removing them: later calls get 404 Unknown Webhook.
func (d *discord) Revoke(user string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for id, h := range d.hooks {
		if user == "" || h.user == user {
			delete(d.hooks, id)
			n++
		}
	}
	return n
}

func (d *discord) DeletePost(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	m, ok := d.messages[id]
	if !ok || m.deleted {
		return false
	}
	m.deleted = true
	return true
}
