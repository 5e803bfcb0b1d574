package slack

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// slackRepliesMax is the most messages conversations.replies gives a
// non-Marketplace app in one call, which may make one call a minute
// (https://docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps).
const slackRepliesMax = 15

// conversationsReplies is conversations.replies
// (https://docs.slack.dev/reference/methods/conversations.replies, scope
// channels:history, tier t1 here): the thread of the message ts (a
// reply's ts gives its parent's thread), the parent first, then its
// replies oldest first, limit at a time (default and at most 15) after the
// cursor. Other members reply over time, deterministically from the seed,
// as many as reactions.get's reply_count; the app's own replies
// (chat.postMessage with thread_ts) are in it too, as bot messages.
func (k *slack) conversationsReplies(w http.ResponseWriter, _ *http.Request, p map[string][]string, t *sToken) {
	channel, ts := sim.First(p, "channel"), sim.First(p, "ts")
	if channel == "" || ts == "" {
		slackFail(w, "invalid_arguments")
		return
	}
	if t.team.channel(channel) == nil {
		slackFail(w, "channel_not_found")
		return
	}
	m := k.message(t, channel, ts)
	if m != nil && m.threadTS != "" {
		m = k.message(t, channel, m.threadTS)
	}
	if m == nil {
		slackFail(w, "thread_not_found")
		return
	}
	limit := slackRepliesMax
	if n, err := strconv.Atoi(sim.First(p, "limit")); err == nil && n > 0 {
		limit = min(n, slackRepliesMax)
	}
	offset := 0
	if c := sim.First(p, "cursor"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			slackFail(w, "invalid_cursor")
			return
		}
		offset = n
	}
	now := k.s.Config().Now()
	parent := map[string]any{"type": "message", "subtype": "bot_message", "text": m.text, "ts": m.ts, "thread_ts": m.ts,
		"bot_id": "B" + t.team.id[1:], "team": t.team.id}
	msgs := []map[string]any{parent}
	for _, c := range sim.CommentsAt(k.s.Config().Seed, slackName, m.channel+":"+m.ts, now.Sub(m.created)) {
		at := m.created.Add(c.Age)
		user := "U" + strconv.FormatUint(sim.Mix(k.s.Config().Seed, slackName, t.team.id, c.Author)%1e9, 10)
		msgs = append(msgs, map[string]any{"type": "message", "user": user, "text": c.Text, "team": t.team.id,
			"ts": fmt.Sprintf("%d.%06d", at.Unix(), 900000+c.Index), "thread_ts": m.ts, "parent_user_id": "U" + t.team.id[1:]})
	}
	for _, r := range k.threadReplies(t, channel, m.ts) {
		msgs = append(msgs, map[string]any{"type": "message", "subtype": "bot_message", "text": r.text, "ts": r.ts, "thread_ts": m.ts,
			"bot_id": "B" + t.team.id[1:], "team": t.team.id, "parent_user_id": "U" + t.team.id[1:]})
	}
	sort.SliceStable(msgs[1:], func(i, j int) bool { return msgs[1+i]["ts"].(string) < msgs[1+j]["ts"].(string) })
	if len(msgs) > 1 {
		parent["reply_count"] = len(msgs) - 1
	}
	end := min(offset+limit, len(msgs))
	page := msgs[min(offset, len(msgs)):end]
	out := map[string]any{"ok": true, "messages": page, "has_more": end < len(msgs)}
	if end < len(msgs) {
		out["response_metadata"] = map[string]any{"next_cursor": strconv.Itoa(end)}
	}
	sim.WriteJSON(w, http.StatusOK, out)
}
