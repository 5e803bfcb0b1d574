package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/bluesky"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/media"
	"github.com/rythmehq/rythme/password"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/telemetry"
	"github.com/rythmehq/rythme/worker"
)

// nopQueue accepts publish tasks and drops them.
type nopQueue struct{}

func (nopQueue) EnqueuePublish(context.Context, []rythme.TargetRef) error { return nil }

// moderationQueue stands for the worker's queue of moderation actions:
// the test takes each task the API hands it and records its outcome
// (fixture.moderated) as the worker does after the network's answer.
type moderationQueue chan listening.ModerationTask

func (q moderationQueue) EnqueueModeration(_ context.Context, m listening.ModerationTask) error {
	select {
	case q <- m:
		return nil
	default:
		return errors.New("the test's moderation queue is full")
	}
}

// fixture is a running API over a seeded store.
type fixture struct {
	URL   string
	Token string
	// EmptyToken signs in to a second workspace that has nothing.
	EmptyToken string
	Campaign   *rythme.Campaign
	// Posts by the keys of seedPost.
	Posts    map[string]*rythme.Post
	Accounts map[string]*rythme.Account
	// SeriesID is the recurring post "november" is an occurrence of.
	SeriesID string
	// Member signs in with MemberPassword: an editor of "Team" and a
	// viewer of "Empty". TeamID and EmptyID are the workspaces.
	Member          *rythme.Member
	MemberPassword  string
	TeamID, EmptyID string
	// Store is the fixture's store, for what the API cannot do (put an
	// occurrence in the past).
	Store rythme.Store
	// Inbox: two comments on the launch post on Mastodon, the second
	// flagged.
	Inbox []*rythme.InboxItem
	// Moderation holds the moderation actions the API asked for, until
	// the test records their outcome (moderated).
	Moderation moderationQueue
}

// seeded is one post of the fixture: its UTC time and, per account key,
// the status its target ends in.
type seeded struct {
	key, content, author string
	at                   string
	tags                 []string
	targets              map[string]rythme.TargetStatus
	campaign             bool // part of the "Launch week" campaign
}

// The posts, in October 2026 mostly. In Europe/Paris (UTC+2 until
// October 25, then UTC+1) "late" falls on October 15 at 00:30.
var seedPosts = []seeded{
	{"sept", "September warm-up thread", "Ada", "2026-09-29T08:00:00Z", []string{"warmup"}, map[string]rythme.TargetStatus{"mast": rythme.TargetPublished}, false},
	{"launch", "Launch day: rythme 1.0 is out", "Ada", "2026-10-06T07:30:00Z", []string{"launch"}, map[string]rythme.TargetStatus{"mast": rythme.TargetPublished, "bsky": rythme.TargetPublished}, true},
	{"late", "Behind the scenes of the launch <b>not bold</b>", "Bo", "2026-10-14T22:30:00Z", []string{"launch"}, map[string]rythme.TargetStatus{"mast": rythme.TargetFailed, "bsky": rythme.TargetPublished}, true},
	{"challenge", "Weekly challenge #3: show your desk", "Ada", "2026-10-20T10:00:00Z", []string{"challenge"}, map[string]rythme.TargetStatus{"mast": rythme.TargetScheduled}, false},
	{"held", "Held until the account is reconnected", "Cy", "2026-10-22T08:00:00Z", nil, map[string]rythme.TargetStatus{"bsky": rythme.TargetHeld}, false},
	{"cancelled", "Cancelled teaser", "Bo", "2026-10-23T12:00:00Z", nil, map[string]rythme.TargetStatus{"mast": rythme.TargetCancelled}, false},
	{"unconfirmed", "Unconfirmed poll", "Cy", "2026-10-27T09:15:00Z", nil, map[string]rythme.TargetStatus{"mast": rythme.TargetUnconfirmed}, false},
	{"november", "November recap", "Ada", "2026-11-03T09:00:00Z", nil, map[string]rythme.TargetStatus{"mast": rythme.TargetScheduled, "bsky": rythme.TargetScheduled}, false},
}

// seedMetrics are the engagement readings of the published targets, by
// post key and account key: reach, likes, comments, shares.
var seedMetrics = map[[2]string][4]int64{
	{"sept", "mast"}:   {1000, 30, 5, 5},
	{"launch", "mast"}: {2000, 100, 20, 30},
	{"launch", "bsky"}: {800, 40, 4, 6},
	{"late", "bsky"}:   {500, 50, 10, 15},
}

const failedError = "the network said: the text is too long (422)"

// newFixture starts the API with a SQLite store holding a workspace, an
// admin token, two accounts and the seeded posts with their outcomes and
// engagement. The API knows Mastodon and Bluesky, and the networks of
// extra.
func newFixture(t *testing.T, extra ...connectors.Connector) *fixture {
	t.Helper()
	ctx := context.Background()
	store := storetest.SQLite(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	f := &fixture{Posts: map[string]*rythme.Post{}, Accounts: map[string]*rythme.Account{}, Store: store, Moderation: make(moderationQueue, 16)}

	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Team", CreatedAt: now}
	must(t, store.CreateWorkspace(ctx, ws))
	f.Token = rythme.TokenSecretPrefix + strings.ReplaceAll(rythme.NewID("s"), "_", "")
	must(t, store.CreateAPIToken(ctx, &rythme.APIToken{
		ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: ws.ID, Name: "browser", Role: rythme.RoleAdmin,
		Hash: rythme.HashToken(f.Token), CreatedAt: now,
	}))
	empty := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Empty", CreatedAt: now}
	must(t, store.CreateWorkspace(ctx, empty))
	f.EmptyToken = rythme.TokenSecretPrefix + strings.ReplaceAll(rythme.NewID("s"), "_", "")
	must(t, store.CreateAPIToken(ctx, &rythme.APIToken{
		ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: empty.ID, Name: "empty", Role: rythme.RoleViewer,
		Hash: rythme.HashToken(f.EmptyToken), CreatedAt: now,
	}))
	f.TeamID, f.EmptyID, f.MemberPassword = ws.ID, empty.ID, "correct horse battery"
	hash, err := password.Hash(f.MemberPassword, password.Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32})
	must(t, err)
	f.Member = &rythme.Member{ID: rythme.NewID(rythme.PrefixMember), Email: "ada@example.com", Name: "Ada Lovelace", PasswordHash: hash, CreatedAt: now}
	must(t, store.CreateMember(ctx, f.Member))
	must(t, store.AddMembership(ctx, &rythme.Membership{WorkspaceID: ws.ID, MemberID: f.Member.ID, Role: rythme.RoleEditor, CreatedAt: now}))
	must(t, store.AddMembership(ctx, &rythme.Membership{WorkspaceID: empty.ID, MemberID: f.Member.ID, Role: rythme.RoleViewer, CreatedAt: now}))
	for key, a := range map[string][3]string{
		"mast": {"mastodon", "https://mastodon.example", "ada"},
		"bsky": {"bluesky", "https://bsky.social", "team.bsky.social"},
	} {
		acc := &rythme.Account{
			WorkspaceID: ws.ID, Network: a[0], InstanceURL: a[1], ExternalID: "ext-" + key,
			Username: a[2], DisplayName: "Team " + key, ProfileURL: a[1] + "/@" + a[2], Status: rythme.AccountConnected,
			Token:     rythme.Token{AccessToken: "at-" + key, TokenType: "Bearer"},
			CreatedAt: now, UpdatedAt: now,
		}
		must(t, store.UpsertAccount(ctx, acc))
		f.Accounts[key] = acc
	}

	f.Campaign = &rythme.Campaign{
		ID: rythme.NewID(rythme.PrefixCampaign), WorkspaceID: ws.ID, Kind: rythme.CampaignThemedWeek, Name: "Launch week",
		Theme: "rythme 1.0", FirstDay: "2026-10-05", Timezone: "Europe/Paris", Status: rythme.CampaignActive,
		Plan: json.RawMessage(`{}`), CreatedAt: now, UpdatedAt: now,
	}
	var inCampaign []*rythme.Post
	for _, sp := range seedPosts {
		at := mustTime(t, sp.at)
		p := &rythme.Post{
			ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws.ID, Content: sp.content, ScheduledAt: at,
			Timezone: "Europe/Paris", Tags: sp.tags, Author: sp.author, CreatedAt: now, UpdatedAt: now,
		}
		for _, key := range []string{"mast", "bsky"} {
			if _, ok := sp.targets[key]; !ok {
				continue
			}
			acc := f.Accounts[key]
			p.Targets = append(p.Targets, &rythme.Target{
				ID: rythme.NewID(rythme.PrefixTarget), AccountID: acc.ID, Network: acc.Network,
				Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: now, UpdatedAt: now,
			})
		}
		f.Posts[sp.key] = p
		if sp.key == "november" {
			if f.SeriesID == "" {
				f.SeriesID = rythme.NewID(rythme.PrefixSeries)
			}
			occ := at
			p.SeriesID, p.OccurrenceAt = f.SeriesID, &occ
		}
		if sp.campaign {
			p.CampaignID = f.Campaign.ID
			inCampaign = append(inCampaign, p)
		} else {
			must(t, store.CreatePost(ctx, p))
		}
	}
	must(t, store.CreateCampaign(ctx, f.Campaign, inCampaign))
	for _, sp := range seedPosts {
		p := f.Posts[sp.key]
		for _, tg := range p.Targets {
			key := "mast"
			if tg.AccountID == f.Accounts["bsky"].ID {
				key = "bsky"
			}
			finish(t, store, ws.ID, p, tg, sp.targets[key], metricsFor(sp.key, key))
		}
		got, err := store.GetPost(ctx, ws.ID, p.ID)
		must(t, err)
		f.Posts[sp.key] = got
	}
	for _, s := range []struct {
		at        string
		followers int64
	}{{"2026-09-01T00:00:00Z", 1000}, {"2026-10-01T00:00:00Z", 1100}, {"2026-11-01T00:00:00Z", 1300}} {
		at := mustTime(t, s.at)
		must(t, store.SaveAudience(ctx, f.Accounts["mast"].ID, at, s.followers, at.Add(rythme.AudienceEvery)))
	}

	// An earlier reading of the launch on Mastodon, taken off the schedule
	// (a "Poll now"): the post's chart has two points, the reports still
	// read the last one.
	launch := f.Posts["launch"].Targets[0]
	n := func(v int64) *int64 { return &v }
	must(t, store.SaveReading(ctx, launch.ID, rythme.Metrics{At: launch.ScheduledAt.Add(30 * time.Minute),
		Reach: n(900), Impressions: n(1300), Likes: n(40), Comments: n(8), Shares: n(12)}))

	// The Mastodon account's history was imported (nothing was there).
	_, err = store.StartHistory(ctx, f.Accounts["mast"].ID, now.Add(-rythme.HistoryWindow), now, now)
	must(t, err)
	_, err = store.SaveHistoryPage(ctx, f.Accounts["mast"].ID, nil, "", true, now)
	must(t, err)
	// Two comments on the launch post in the inbox, one flagged.
	launchTarget := f.Posts["launch"].Targets[0]
	for i, text := range []string{"Congratulations on the launch!", "Buy followers at spam.example"} {
		it := &rythme.InboxItem{WorkspaceID: ws.ID, AccountID: f.Accounts["mast"].ID, Network: "mastodon",
			ExternalID: fmt.Sprintf("11300000000000010%d", i), Kind: rythme.InboxComment, TargetID: launchTarget.ID,
			PostID: f.Posts["launch"].ID, InReplyTo: launchTarget.ExternalID,
			Author: rythme.InboxAuthor{Handle: fmt.Sprintf("fan%d@social.example", i), DisplayName: fmt.Sprintf("Fan %d", i)},
			Text:   text, URL: fmt.Sprintf("https://social.example/@fan%d/1", i), CreatedAt: now.Add(time.Duration(i) * time.Minute),
			Flagged: i == 1}
		_, err := store.SaveInboxItems(ctx, []*rythme.InboxItem{it})
		must(t, err)
		f.Inbox = append(f.Inbox, it)
	}

	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	// The real connectors (nothing is published: the queue drops tasks),
	// so that the compose page is checked against each network's own
	// counting and media limits.
	mediaDir, err := media.NewDir(t.TempDir())
	must(t, err)
	h, err := api.New(api.Config{
		Store: store, Connectors: connectors.NewRegistry(append([]connectors.Connector{mastodon.New(), bluesky.New(bluesky.Config{})}, extra...)...),
		Media: mediaDir, MediaSigner: media.NewSigner([]byte("browser-test-media-signing-key-0123456789")),
		Queue: nopQueue{}, Moderation: f.Moderation, Polls: worker.NewPollRequests(rdb, nil),
		History: worker.NewHistoryRequests(rdb, store, nil), Metrics: telemetry.New(), PublicURL: "http://rythme.test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	must(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// moderated takes the next moderation action the API asked for (within
// a minute: a safety net, not an assertion) and records its outcome as
// the worker does once the network answered: done on network, or failed
// with why. It returns the task.
func (f *fixture) moderated(t *testing.T, network, failure string) listening.ModerationTask {
	t.Helper()
	var task listening.ModerationTask
	select {
	case task = <-f.Moderation:
	case <-time.After(time.Minute):
		t.Fatal("the API asked for no moderation action")
	}
	svc, err := listening.New(listening.Config{Store: f.Store})
	must(t, err)
	_, err = svc.Moderated(context.Background(), task, network, failure)
	must(t, err)
	return task
}

func metricsFor(post, account string) *[4]int64 {
	if m, ok := seedMetrics[[2]string{post, account}]; ok {
		return &m
	}
	return nil
}

// finish moves a scheduled target to status the way the worker does, and
// stores one engagement reading when m is set.
func finish(t *testing.T, store rythme.Store, ws string, p *rythme.Post, tg *rythme.Target, status rythme.TargetStatus, m *[4]int64) {
	t.Helper()
	ctx := context.Background()
	switch status {
	case rythme.TargetScheduled:
		return
	case rythme.TargetCancelled:
		_, err := store.UpdatePost(ctx, ws, p.ID, func(p *rythme.Post) error { return p.Cancel(tg.ScheduledAt) })
		must(t, err)
		return
	}
	claimed, err := store.ClaimTarget(ctx, tg.ID, tg.Version, tg.ScheduledAt, tg.ScheduledAt.Add(time.Minute))
	must(t, err)
	out := rythme.Outcome{Status: status, At: tg.ScheduledAt}
	switch status {
	case rythme.TargetPublished:
		out.ExternalID = "ext-" + tg.ID
		out.URL = "https://" + tg.Network + ".example/posts/" + tg.ID
	case rythme.TargetFailed:
		out.Error = failedError
	case rythme.TargetHeld:
		out.Error = "the account needs reconnecting"
	case rythme.TargetUnconfirmed:
		out.Error = "timeout after sending"
	}
	_, err = store.FinishTarget(ctx, tg.ID, claimed.Version, out)
	must(t, err)
	if m == nil {
		return
	}
	n := func(v int64) *int64 { return &v }
	must(t, store.SaveMetrics(ctx, rythme.MetricsDue{
		TargetID: tg.ID, AccountID: tg.AccountID, Network: tg.Network, ExternalID: out.ExternalID, PublishedAt: tg.ScheduledAt,
	}, rythme.Metrics{
		TargetID: tg.ID, ExternalID: out.ExternalID, At: tg.ScheduledAt.Add(2 * time.Hour),
		Reach: n(m[0]), Impressions: n(m[0] * 3 / 2), Likes: n(m[1]), Comments: n(m[2]), Shares: n(m[3]),
	}, nil))
}

// get calls the API as the page does and returns the status and body.
func (f *fixture) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.URL+path, nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+f.Token)
	req.Header.Set("Accept", "application/json")
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	must(t, err)
	return res.StatusCode, body
}

// getCSV calls the API for CSV (Accept: text/csv) and returns its rows.
func (f *fixture) getCSV(t *testing.T, path string) [][]string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.URL+path, nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+f.Token)
	req.Header.Set("Accept", "text/csv")
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("GET %s as CSV: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(res.Body).ReadAll()
	must(t, err)
	return rows
}

// getJSON calls the API; it returns the status and decodes a 200 answer
// into v.
func (f *fixture) getJSON(t *testing.T, path string, v any) int {
	t.Helper()
	code, body := f.get(t, path)
	if code == http.StatusOK && v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: decode %s: %v", path, body, err)
		}
	}
	return code
}

// apiError is the API's error shape.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"fields"`
	} `json:"error"`
}

// getError calls the API where it must refuse, and returns its error.
func (f *fixture) getError(t *testing.T, path string) apiError {
	t.Helper()
	code, body := f.get(t, path)
	var e apiError
	if code < 400 || json.Unmarshal(body, &e) != nil || e.Error.Message == "" {
		t.Fatalf("GET %s: %d %s, want an error", path, code, body)
	}
	return e
}

// requireEndpoint fails the test when the API does not serve path (the
// page would only show an error).
func (f *fixture) requireEndpoint(t *testing.T, path string) {
	t.Helper()
	if code := f.getJSON(t, path, nil); code == http.StatusNotFound {
		t.Fatalf("GET %s answers 404: the page needs it", path)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	must(t, err)
	return v
}
