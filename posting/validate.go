package posting

import (
	"context"
	"fmt"
	"strings"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Validate adds to fe what is wrong with p: the domain's checks
// (rythme.Post.Validate, said once per field) and each network's rules on
// the text every target will publish (only editable targets when
// editableOnly), against the limits of each target's account's server
// where it has its own. A field fe already has is not reported twice.
func (s *Service) Validate(ctx context.Context, fe *Fields, p *rythme.Post, editableOnly bool) {
	accts := s.targetAccounts(ctx, p)
	checkContent(fe, p)
	if err := p.Validate(); err != nil {
		for _, f := range rythme.ErrorFields(err) {
			if fe.Has("content") && strings.HasPrefix(f.Message, "content is empty") {
				continue // said once, on "content"
			}
			if !fe.Has(f.Field) {
				*fe = append(*fe, f)
			}
		}
	}
	seen := map[string]bool{}
	for i, t := range p.Targets {
		if t.Network == "" || (editableOnly && !t.Editable()) {
			continue
		}
		conn, err := s.conns.Get(t.Network)
		if err != nil {
			fe.Add(fmt.Sprintf("targets[%d].account_id", i), "network %s is not supported by this server", t.Network)
			continue
		}
		checkTarget(fe, seen, conn, accts[t.AccountID], p, t, i)
		checkPoll(fe, seen, conn, accts[t.AccountID], p, i)
	}
	checkFirstComment(ctx, fe, s, p, editableOnly)
}

// checkPoll adds, on "poll", what target i's network refuses of the
// post's poll: that it has no polls at all (naming the target and its
// network), or the network's (the account's server's) limits.
func checkPoll(fe *Fields, seen map[string]bool, conn connectors.Connector, acc *rythme.Account, p *rythme.Post, i int) {
	if p.Poll == nil || fe.Has("poll.options") || fe.Has("poll.duration_minutes") {
		return
	}
	t, title := p.Targets[i], conn.Info().Title
	limits := connectors.LimitsFor(conn, acc).Polls
	if limits == nil {
		fe.Add("poll", "%s does not take polls: drop the poll or target %d (account %s)", title, i, t.AccountID)
		return
	}
	for _, msg := range rythme.CheckPoll(limits, p.Poll, p.TextFor(t), len(p.Media)) {
		if key := "poll\x00" + t.Network + "\x00" + msg; !seen[key] {
			seen[key] = true
			fe.Add("poll", "%s: %s", title, msg)
		}
	}
}

// checkFirstComment adds what is wrong with p's first comment: each
// target's network must take one (one message naming every target that
// cannot), and its text must pass the network's rules, as the post's does.
func checkFirstComment(ctx context.Context, fe *Fields, s *Service, p *rythme.Post, editableOnly bool) {
	if strings.TrimSpace(p.FirstComment) == "" {
		if p.FirstComment != "" && !fe.Has("first_comment") {
			fe.Add("first_comment", "is blank: give it text or leave it out")
		}
		return
	}
	accts := s.targetAccounts(ctx, p)
	var cannot []string
	seen := map[string]bool{}
	for i, t := range p.Targets {
		if t.Network == "" || (editableOnly && !t.Editable()) {
			continue
		}
		conn, err := s.conns.Get(t.Network)
		if err != nil {
			continue // Validate says so
		}
		title := conn.Info().Title
		if !connectors.CommentsOn(conn, accts[t.AccountID]) {
			cannot = append(cannot, fmt.Sprintf("targets[%d] (%s)", i, title))
			continue
		}
		for _, msg := range connectors.ValidateFor(conn, accts[t.AccountID], p.FirstComment) {
			if key := t.Network + "\x00" + msg; !seen[key] {
				seen[key] = true
				fe.Add("first_comment", "%s: %s", title, msg)
			}
		}
	}
	if len(cannot) > 0 {
		fe.Add("first_comment", "%s publish no first comment: drop the first comment or these targets", strings.Join(cannot, ", "))
	}
}

// checkTarget adds what conn refuses of the text and thread target t (the
// i-th) would publish; seen says each message once per field and network.
func checkTarget(fe *Fields, seen map[string]bool, conn connectors.Connector, acc *rythme.Account, p *rythme.Post, t *rythme.Target, i int) {
	title := conn.Info().Title
	add := func(field, msg string) {
		if key := field + "\x00" + t.Network + "\x00" + msg; !seen[key] {
			seen[key] = true
			fe.Add(field, "%s: %s", title, msg)
		}
	}
	text := p.TextFor(t)
	if strings.TrimSpace(text) == "" {
		return
	}
	field := "content"
	if t.Content != "" {
		field = fmt.Sprintf("targets[%d].content", i)
	}
	for _, msg := range connectors.ValidateFor(conn, acc, text) {
		add(field, msg)
	}
	if len(p.Thread) > 0 && !conn.Info().Threads {
		if key := "thread\x00" + t.Network; !seen[key] {
			seen[key] = true
			fe.Add("thread", "%s does not publish threads: drop the thread or this target", title)
		}
		return
	}
	for j, part := range p.Thread {
		for _, msg := range connectors.ValidateFor(conn, acc, part) {
			add(fmt.Sprintf("thread[%d]", j), msg)
		}
	}
}

// checkContent adds what Post.Validate does not say the way a user needs
// it: the post's content is required unless every target has a variant.
func checkContent(fe *Fields, p *rythme.Post) {
	if strings.TrimSpace(p.Content) != "" {
		return
	}
	for _, t := range p.Targets {
		if strings.TrimSpace(t.Content) == "" {
			fe.Add("content", "is required (or give every target its own content)")
			return
		}
	}
	if len(p.Targets) == 0 {
		fe.Add("content", "is required")
	}
}

// targetAccounts loads, once each, the accounts of p's targets whose
// network has per-server limits (a Mastodon instance's own, see
// connectors.AccountLimiter): validation uses their limits. An account that
// cannot be read is left out (the network's defaults apply; the target
// checks say what is wrong with it).
func (s *Service) targetAccounts(ctx context.Context, p *rythme.Post) map[string]*rythme.Account {
	out := map[string]*rythme.Account{}
	for _, t := range p.Targets {
		if t.AccountID == "" || t.Network == "" {
			continue
		}
		if _, done := out[t.AccountID]; done {
			continue
		}
		conn, err := s.conns.Get(t.Network)
		if err != nil {
			continue
		}
		if _, ok := conn.(connectors.AccountLimiter); !ok {
			continue
		}
		if acc, err := s.store.GetAccount(ctx, p.WorkspaceID, t.AccountID); err == nil {
			out[t.AccountID] = acc
		}
	}
	return out
}

// LoadMedia returns the workspace's media with the given ids, adding
// unknown ones to fe on media[i] (malformed ids are left to Validate).
func (s *Service) LoadMedia(ctx context.Context, fe *Fields, ws string, ids []string) ([]*rythme.Media, error) {
	out := make([]*rythme.Media, 0, len(ids))
	for i, id := range ids {
		if !rythme.ValidID(rythme.PrefixMedia, id) {
			continue // Post.Validate says so
		}
		m, err := s.store.GetMedia(ctx, ws, id)
		if rythme.ErrorCode(err) == rythme.ENOTFOUND {
			fe.Add(fmt.Sprintf("media[%d]", i), "no such media in this workspace (upload it with POST /v1/media)")
			continue
		} else if err != nil {
			return nil, fmt.Errorf("posting: get media: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

// CheckMedia adds to fe, on "media", what a target's network refuses of
// the post's media (only editable targets when editableOnly). A reply to a
// comment without media is not held to a network's need for media.
func (s *Service) CheckMedia(ctx context.Context, fe *Fields, p *rythme.Post, media []*rythme.Media, editableOnly bool) {
	seen := map[string]bool{}
	accts := s.targetAccounts(ctx, p)
	for _, t := range p.Targets {
		if t.Network == "" || (editableOnly && !t.Editable()) {
			continue
		}
		if t.InReplyTo != "" && len(media) == 0 {
			continue // a reply to a comment (from the inbox) is text, even where posts need media (Instagram)
		}
		conn, err := s.conns.Get(t.Network)
		if err != nil {
			continue // Validate says so
		}
		for _, msg := range rythme.CheckMedia(connectors.LimitsFor(conn, accts[t.AccountID]), media) {
			if !seen[msg] {
				seen[msg] = true
				fe.Add("media", "%s", msg)
			}
		}
	}
}

// Account returns the workspace's account id, or nil when there is none
// (or id is not an account id); seen caches the answers of one request.
func (s *Service) Account(ctx context.Context, seen map[string]*rythme.Account, ws, id string) (*rythme.Account, error) {
	if acc, ok := seen[id]; ok {
		return acc, nil
	}
	if !rythme.ValidID(rythme.PrefixAccount, id) {
		seen[id] = nil
		return nil, nil
	}
	acc, err := s.store.GetAccount(ctx, ws, id)
	if rythme.ErrorCode(err) == rythme.ENOTFOUND {
		acc, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("posting: get account: %w", err)
	}
	seen[id] = acc
	return acc, nil
}

// Unusable says why acc cannot take posts ("" when it can): it is not an
// account of the workspace (nil), or it is not connected.
func Unusable(acc *rythme.Account) string {
	switch {
	case acc == nil:
		return "no such account in this workspace"
	case acc.Status != rythme.AccountConnected:
		return fmt.Sprintf("account @%s is %s: reconnect it first", acc.Username, acc.Status)
	}
	return ""
}
