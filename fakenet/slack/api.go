package slack

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The Web API methods of the Slack simulator
// (https://docs.slack.dev/reference/methods/<name>).

// authTest is auth.test.
func (k *slack) authTest(w http.ResponseWriter, r *http.Request, _ map[string][]string, t *sToken) {
	sim.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "url": k.teamURL(r, t.team), "team": t.team.name,
		"user": "rythme", "team_id": t.team.id, "user_id": "U" + t.team.id[1:], "bot_id": "B" + t.team.id[1:],
		"is_enterprise_install": false})
}

// teamInfo is team.info.
func (k *slack) teamInfo(w http.ResponseWriter, _ *http.Request, _ map[string][]string, t *sToken) {
	sim.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "team": map[string]any{"id": t.team.id, "name": t.team.name,
		"domain": t.team.domain, "email_domain": "", "icon": map[string]any{"image_default": true}}})
}

func slackChannelJSON(c *sChannel) map[string]any {
	return map[string]any{"id": c.id, "name": c.name, "is_channel": !c.private, "is_group": false, "is_im": false,
		"is_private": c.private, "is_archived": false, "is_general": c.name == "general", "is_member": false,
		"name_normalized": c.name, "num_members": 3}
}

// conversationsInfo is conversations.info: a channel id, channel_not_found
// otherwise (private channels the bot is not in are not found).
func (k *slack) conversationsInfo(w http.ResponseWriter, _ *http.Request, p map[string][]string, t *sToken) {
	c := t.team.channel(sim.First(p, "channel"))
	if c == nil || c.id != sim.First(p, "channel") || c.private {
		slackFail(w, "channel_not_found")
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": slackChannelJSON(c)})
}

// conversationsList is conversations.list: the public channels, one page.
func (k *slack) conversationsList(w http.ResponseWriter, _ *http.Request, p map[string][]string, t *sToken) {
	out := []map[string]any{}
	for _, c := range t.team.channels {
		if !c.private {
			out = append(out, slackChannelJSON(c))
		}
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "channels": out, "response_metadata": map[string]any{"next_cursor": ""}})
}

// postMessage is chat.postMessage: text to a channel (id or name); a
// public channel needs chat:write.public (the bot is in no channel), a
// private one is not_in_channel. thread_ts makes it a reply in the thread
// of the message with that ts ("Provide another message's ts value to
// make this message a reply. Avoid using a reply's ts value; use its
// parent instead.", https://docs.slack.dev/reference/methods/chat.postMessage);
// the reply is in that message's conversations.replies. Slack documents no
// error for a thread_ts naming no message (its error list has none): the
// reply is posted, in a thread no one lists.
func (k *slack) postMessage(w http.ResponseWriter, r *http.Request, p map[string][]string, t *sToken) {
	now := k.s.Config().Now()
	text := sim.First(p, "text")
	rec := sim.Post{Network: slackName, Account: t.team.domain, Text: text, ReceivedAt: now}
	fail := func(code string) {
		rec.Error = code
		k.s.Record(rec)
		slackFail(w, code)
	}
	c := t.team.channel(sim.First(p, "channel"))
	switch {
	case sim.First(p, "channel") == "":
		fail("channel_not_found")
		return
	case c == nil:
		fail("channel_not_found")
		return
	case c.private:
		fail("not_in_channel")
		return
	case !hasSlackScope(t, "chat:write.public"):
		fail("not_in_channel")
		return
	case strings.TrimSpace(text) == "" && sim.First(p, "blocks") == "" && sim.First(p, "attachments") == "":
		fail("no_text")
		return
	case utf8.RuneCountInString(text) > slackMaxText:
		fail("msg_too_long")
		return
	}
	threadTS := sim.First(p, "thread_ts")
	k.mu.Lock()
	k.seq++
	ts := fmt.Sprintf("%d.%06d", now.Unix(), k.seq%1000000)
	m := &sMessage{channel: c.id, ts: ts, text: text, team: t.team, created: now, threadTS: threadTS}
	k.messages[c.id+":"+ts] = m
	k.mu.Unlock()
	rec.ID, rec.Created = c.id+":"+ts, true
	message := map[string]any{"type": "message", "subtype": "bot_message", "text": text, "ts": ts, "bot_id": "B" + t.team.id[1:],
		"user": "U" + t.team.id[1:], "team": t.team.id}
	if threadTS != "" {
		rec.ReplyTo = c.id + ":" + threadTS
		message["thread_ts"] = threadTS
	}
	k.s.Record(rec)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": c.id, "ts": ts, "message": message})
}

// threadReplies returns the live messages posted with thread_ts ts in
// channel (the app's replies in that thread), oldest first.
func (k *slack) threadReplies(t *sToken, channel, ts string) []*sMessage {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*sMessage
	for _, m := range k.messages {
		if m.channel == channel && m.threadTS == ts && m.ts != ts && !m.deleted && m.team == t.team {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].created.Before(out[j].created) || out[i].created.Equal(out[j].created) && out[i].ts < out[j].ts
	})
	return out
}

func hasSlackScope(t *sToken, s string) bool {
	for _, g := range t.scopes {
		if g == s {
			return true
		}
	}
	return false
}

// message finds a live message of the token's workspace.
func (k *slack) message(t *sToken, channel, ts string) *sMessage {
	k.mu.Lock()
	defer k.mu.Unlock()
	m, ok := k.messages[channel+":"+ts]
	if !ok || m.deleted || m.team != t.team {
		return nil
	}
	return m
}

func (k *slack) permalink(r *http.Request, m *sMessage) string {
	return k.teamURL(r, m.team) + "archives/" + m.channel + "/p" + strings.ReplaceAll(m.ts, ".", "")
}

// getPermalink is chat.getPermalink.
func (k *slack) getPermalink(w http.ResponseWriter, r *http.Request, p map[string][]string, t *sToken) {
	if t.team.channel(sim.First(p, "channel")) == nil {
		slackFail(w, "channel_not_found")
		return
	}
	m := k.message(t, sim.First(p, "channel"), sim.First(p, "message_ts"))
	if m == nil {
		slackFail(w, "message_not_found")
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": m.channel, "permalink": k.permalink(r, m)})
}

// reactionsGet is reactions.get: the message with its reactions (grown
// with EngagementAt: favourites become reactions) and, once replied to,
// its thread fields (replies become reply_count).
func (k *slack) reactionsGet(w http.ResponseWriter, r *http.Request, p map[string][]string, t *sToken) {
	if sim.First(p, "channel") == "" || sim.First(p, "timestamp") == "" {
		slackFail(w, "no_item_specified")
		return
	}
	if t.team.channel(sim.First(p, "channel")) == nil {
		slackFail(w, "channel_not_found")
		return
	}
	m := k.message(t, sim.First(p, "channel"), sim.First(p, "timestamp"))
	if m == nil {
		slackFail(w, "message_not_found")
		return
	}
	now := k.s.Config().Now()
	e := sim.EngagementAt(k.s.Config().Seed, slackName, m.channel+":"+m.ts, now.Sub(m.created))
	msg := map[string]any{"type": "message", "subtype": "bot_message", "text": m.text, "ts": m.ts,
		"bot_id": "B" + t.team.id[1:], "team": t.team.id, "permalink": k.permalink(r, m)}
	var reactions []map[string]any
	thumbs := e.Favourites * 2 / 3
	for _, rc := range []struct {
		name  string
		count int64
	}{{"+1", thumbs}, {"tada", e.Favourites - thumbs}, {"eyes", e.Reblogs}} {
		if rc.count > 0 {
			users := []string{}
			for i := int64(0); i < min(rc.count, 3); i++ {
				users = append(users, "U"+strconv.FormatInt(1000+i, 10))
			}
			reactions = append(reactions, map[string]any{"name": rc.name, "count": rc.count, "users": users})
		}
	}
	if len(reactions) > 0 {
		msg["reactions"] = reactions
	}
	if e.Replies > 0 {
		msg["thread_ts"], msg["reply_count"], msg["reply_users_count"] = m.ts, e.Replies, min(e.Replies, 5)
		msg["latest_reply"] = m.ts
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "type": "message", "channel": m.channel, "message": msg})
}
