package connectors

import "github.com/rythmehq/rythme"

// InboxGate is implemented by inbox readers that read nothing without a
// permission the network grants only to some apps (LinkedIn's comments
// need a restricted scope): ReadsInbox reports whether acct's comments
// can be read (acct nil: whether the configured app asks for the
// permission). The worker does not read an account whose answer is false,
// and GET /v1/networks says inbox false.
type InboxGate interface {
	ReadsInbox(acct *rythme.Account) bool
}

// ReadsInbox reports whether c reads acct's comments and mentions into the
// inbox (acct nil: the network's answer in general).
func ReadsInbox(c Connector, acct *rythme.Account) bool {
	if _, ok := c.(InboxReader); !ok {
		return false
	}
	if g, ok := c.(InboxGate); ok {
		return g.ReadsInbox(acct)
	}
	return true
}

// ModerationActions are the moderation actions, in the order Describe
// lists them.
var ModerationActions = []string{ModerateHide, ModerateUnhide, ModerateDelete}

// Describe is c's network as GET /v1/networks shows it, for acct (nil:
// the network in general; else with acct's server's limits, as LimitsFor):
// its limits and what rythme does there — history, followers, inbox,
// streaming, replies, moderation actions, first comments.
func Describe(c Connector, acct *rythme.Account) rythme.Network {
	n := LimitsFor(c, acct)
	if n.ConnectParams == nil {
		n.ConnectParams = []string{}
	}
	n.History = HasHistory(c)
	n.Followers = HasFollowers(c)
	n.Inbox = ReadsInbox(c, acct)
	_, streams := c.(InboxStreamer)
	n.InboxStreaming = n.Inbox && streams
	r, ok := c.(Replier)
	n.InboxReply = n.Inbox && ok && r.Replies(acct)
	n.Moderation = []string{}
	if m, ok := c.(Moderator); ok && n.Inbox {
		for _, a := range ModerationActions {
			if m.CanModerate(acct, a) == "" {
				n.Moderation = append(n.Moderation, a)
			}
		}
	}
	n.FirstComment = CommentsOn(c, acct)
	return n
}
