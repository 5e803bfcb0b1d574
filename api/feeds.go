package api

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// FeedSecretPrefix starts every calendar feed secret.
const FeedSecretPrefix = "rymfeed_"

// feedWindow is what a feed holds: the last month and the next year.
const (
	feedPast   = 31 * 24 * time.Hour
	feedFuture = 366 * 24 * time.Hour
	feedMax    = 2000
)

type createdFeed struct {
	*rythme.FeedToken
	URL string `json:"url"`
}

// createFeed is POST /v1/calendar/feeds: a read-only calendar feed URL that
// Google Calendar or Outlook can subscribe to; its secret is shown once.
func (s *server) createFeed(c *gin.Context) {
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		name = "Calendar feed"
	}
	if utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "name", Message: "at most 100 characters"}))
		return
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		s.fail(c, fmt.Errorf("api: random feed secret: %w", err))
		return
	}
	secret := FeedSecretPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	f := &rythme.FeedToken{ID: rythme.NewID(rythme.PrefixFeed), WorkspaceID: workspace(c), Name: name,
		Hash: rythme.HashToken(secret), CreatedAt: s.now()}
	if err := s.store.CreateFeedToken(c.Request.Context(), f); err != nil {
		s.fail(c, fmt.Errorf("api: create feed: %w", err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, createdFeed{FeedToken: f, URL: s.cfg.PublicURL + "/v1/calendar.ics?token=" + secret})
}

func (s *server) listFeeds(c *gin.Context) {
	fs, err := s.store.ListFeedTokens(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: list feeds: %w", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": fs})
}

func (s *server) revokeFeed(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixFeed, "feed")
	if !ok {
		return
	}
	if err := s.store.RevokeFeedToken(c.Request.Context(), workspace(c), id, s.now()); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// calendarFeed is GET /v1/calendar.ics?token=: the workspace's posts as an
// RFC 5545 calendar, one VEVENT per post in its zone. The feed token is the
// only credential (calendar applications send no header); an unknown or
// revoked one is 404.
func (s *server) calendarFeed(c *gin.Context) {
	tok := c.Query("token")
	if !strings.HasPrefix(tok, FeedSecretPrefix) {
		s.fail(c, rythme.Errorf(rythme.ENOTFOUND, "no such feed"))
		return
	}
	ctx := c.Request.Context()
	f, err := s.store.FeedTokenByHash(ctx, rythme.HashToken(tok))
	if err != nil {
		s.fail(c, err)
		return
	}
	now := s.now()
	from, to := now.Add(-feedPast), now.Add(feedFuture)
	filter := rythme.PostFilter{From: &from, To: &to, Limit: 200}
	var events []calendars.Event
	for len(events) < feedMax {
		page, next, err := s.store.ListPosts(ctx, f.WorkspaceID, filter)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, p := range page {
			events = append(events, postEvent(p))
		}
		if next == "" {
			break
		}
		filter.Cursor = next
	}
	ws, err := s.store.GetWorkspace(ctx, f.WorkspaceID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/calendar; charset=utf-8")
	c.Header("Cache-Control", "private, max-age=300")
	c.String(http.StatusOK, "%s", calendars.Feed("rythme — "+ws.Name, "UTC", events))
}

// postEvent is a post as a calendar event.
func postEvent(p *rythme.Post) calendars.Event {
	summary, _, _ := strings.Cut(p.Content, "\n")
	if r := []rune(summary); len(r) > 80 {
		summary = string(r[:79]) + "…"
	}
	var desc strings.Builder
	desc.WriteString(p.Content)
	desc.WriteString("\n")
	url := ""
	for _, t := range p.Targets {
		fmt.Fprintf(&desc, "\n%s: %s", t.Network, t.Status)
		if t.URL != "" {
			desc.WriteString(" " + t.URL)
			if url == "" {
				url = t.URL
			}
		}
	}
	return calendars.Event{UID: p.ID, Start: p.ScheduledAt, Zone: p.Timezone, Summary: summary, Description: desc.String(),
		URL: url, Status: calendars.StatusForPost(p.Status()), Stamp: p.UpdatedAt}
}
