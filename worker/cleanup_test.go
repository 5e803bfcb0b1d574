package worker_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/keyring"
	"github.com/rythmehq/rythme/media"
	"github.com/rythmehq/rythme/sqlstore"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// The cleanup sweep deletes media no post carries once their grace is
// over (record and file) and expired OAuth states; a carried file stays.
func TestCleanupSweep(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	ctx := context.Background()
	dir, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mk := func(age time.Duration) *rythme.Media {
		m := &rythme.Media{ID: rythme.NewID(rythme.PrefixMedia), WorkspaceID: e.ws.ID, Filename: "a.gif", CreatedAt: e.clock.Now().Add(-age)}
		saved, err := dir.Save(m.ID, bytes.NewReader([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		m.Size, m.SHA256, m.ContentType = saved.Size, saved.SHA256, saved.ContentType
		if err := e.store.CreateMedia(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	stale, fresh, carried := mk(25*time.Hour), mk(time.Hour), mk(48*time.Hour)
	p := e.post(t, "with a gif", e.clock.Now().Add(time.Hour))
	if _, err := e.store.UpdatePost(ctx, e.ws.ID, p.ID, func(p *rythme.Post) error { p.Media = []string{carried.ID}; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateOAuthState(ctx, &rythme.OAuthState{StateHash: []byte("old"), WorkspaceID: e.ws.ID, Network: "fake",
		Verifier: "v", RedirectURI: "r", CreatedAt: e.clock.Now().Add(-time.Hour), ExpiresAt: e.clock.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}

	c := &worker.Cleaner{Store: e.store, Media: dir, Clock: e.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	st, err := c.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st != (worker.CleanupStats{Media: 1, States: 1}) {
		t.Fatalf("sweep = %+v, want 1 media and 1 state", st)
	}
	if _, err := dir.Open(stale.ID); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the stale file is still there: %v", err)
	}
	for _, m := range []*rythme.Media{fresh, carried} {
		if f, err := dir.Open(m.ID); err != nil {
			t.Fatalf("a file still needed was removed: %v", err)
		} else {
			f.Close()
		}
		if _, err := e.store.GetMedia(ctx, e.ws.ID, m.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// The sweep re-seals what an older key sealed, so that a rotated key can
// be dropped without running `rythme rekey` by hand.
func TestCleanupSweepReseals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	oldKey, newKey := keyring.GenerateKey(), keyring.GenerateKey()
	open := func(keys string) *sqlstore.Store {
		kr, _ := keyring.Parse(keys)
		s, err := sqlstore.Open(t.Context(), sqlstore.Config{DataDir: dir, Sealer: kr, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open(oldKey)
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Acme", CreatedAt: time.Now()}
	if err := s.CreateWorkspace(t.Context(), ws); err != nil {
		t.Fatal(err)
	}
	acc := &rythme.Account{WorkspaceID: ws.ID, Network: "fake", InstanceURL: "https://f.test", ExternalID: "1", Username: "u",
		Token: rythme.Token{AccessToken: "at"}}
	if err := s.UpsertAccount(t.Context(), acc); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(newKey + "," + oldKey)
	c := &worker.Cleaner{Store: s, Clock: worker.RealClock, Logger: quiet}
	st, err := c.Run(t.Context())
	s.Close()
	if err != nil || st.Resealed != 1 || st.Unopened != 0 {
		t.Fatalf("sweep = %+v, %v; want 1 re-sealed", st, err)
	}
	s = open(newKey)
	defer s.Close()
	got, err := s.GetAccount(t.Context(), ws.ID, acc.ID)
	if err != nil || got.Token.AccessToken != "at" {
		t.Fatalf("after the sweep, without the old key: %+v %v", got, err)
	}
}

// The cleanup sweep keeps the readings in bounds: on PostgreSQL the months
// ahead get their partitions, and past the retention a month keeps each
// target's last reading of each day (on SQLite, the same rows go).
func TestCleanupSweepReadings(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Open(t)
			e := newEnv(t, s)
			ctx := context.Background()
			now := e.clock.Now()
			p := e.post(t, "read often", now.Add(time.Hour))
			tg := p.Targets[0]
			// Two readings on one day four months ago, one this month.
			old := time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, time.UTC).AddDate(0, -4, 0)
			for _, at := range []time.Time{old, old.Add(time.Hour), now} {
				if err := s.SaveReading(ctx, tg.ID, rythme.Metrics{At: at}); err != nil {
					t.Fatal(err)
				}
			}
			c := &worker.Cleaner{Store: s, Clock: e.clock, Logger: quiet, ReadingsRetention: 5}
			if st, err := c.Run(ctx); err != nil || st.Readings != 0 {
				t.Fatalf("sweep with 5 months kept = %+v, %v; want nothing compacted", st, err)
			}
			c.ReadingsRetention = 4
			st, err := c.Run(ctx)
			if err != nil || st.Readings != 1 {
				t.Fatalf("sweep with 4 months kept = %+v, %v; want 1 reading compacted away", st, err)
			}
			rs, err := s.PostReadings(ctx, e.ws.ID, p.ID, 0)
			if err != nil || len(rs) != 2 || !rs[0].At.Equal(old.Add(time.Hour)) {
				t.Fatalf("readings after the sweep: %+v, %v; want the old day's last and this month's", rs, err)
			}
			parts, err := s.ReadingPartitions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if b.Name == "postgres" {
				ahead := "metric_snapshots_p" + time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, worker.ReadingsAhead, 0).Format("200601")
				compacted := "metric_snapshots_p" + old.Format("200601") + "_daily"
				if !slices.Contains(parts, ahead) || !slices.Contains(parts, compacted) {
					t.Fatalf("partitions %v: want %s (ahead) and %s (compacted)", parts, ahead, compacted)
				}
			}
		})
	}
}
