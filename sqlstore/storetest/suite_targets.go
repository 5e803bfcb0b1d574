package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(
		suiteCase{"ClaimTarget", testClaimTarget},
		suiteCase{"ClaimRace", testClaimRace},
		suiteCase{"ClaimVersusCancel", testClaimVersusCancel},
		suiteCase{"FinishTarget", testFinishTarget},
		suiteCase{"DueTargetsAndMarkQueued", testDueTargets},
		suiteCase{"ExpiredLeases", testExpiredLeases},
		suiteCase{"HoldReleaseAccountTargets", testHoldRelease},
		suiteCase{"SecretsEncryptedAtRest", testSecretsAtRest},
	)
}

func testClaimTarget(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0, a)
	id := p.Targets[0].ID
	now, lease := T0.Add(time.Second), T0.Add(time.Minute)

	_, err := s.ClaimTarget(ctx(t), id, 2, now, lease)
	wantCode(t, err, rythme.ECONFLICT) // wrong version
	_, err = s.ClaimTarget(ctx(t), rythme.NewID(rythme.PrefixTarget), 1, now, lease)
	wantCode(t, err, rythme.ENOTFOUND)

	tg, err := s.ClaimTarget(ctx(t), id, 1, now, lease)
	must(t, err)
	l := us(lease)
	want := &rythme.Target{ID: id, PostID: p.ID, WorkspaceID: ws.ID, AccountID: a.ID, Network: "mastodon",
		Status: rythme.TargetPublishing, Version: 1, ScheduledAt: us(T0), Attempts: 1, LeaseUntil: &l,
		CreatedAt: us(T0), UpdatedAt: us(now), Text: p.Content}
	deepEqual(t, "claimed target", tg, want)
	stored, err := s.GetTarget(ctx(t), id)
	must(t, err)
	deepEqual(t, "stored claimed target", stored, want)

	_, err = s.ClaimTarget(ctx(t), id, 1, now, lease)
	wantCode(t, err, rythme.ECONFLICT) // already publishing
}

func testClaimRace(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0, a)
	const n = 8
	errs := runConcurrently(n, func(int) error {
		_, err := s.ClaimTarget(ctx(t), p.Targets[0].ID, 1, T0, T0.Add(time.Minute))
		return err
	})
	if c := countCodes(errs); c[""] != 1 || c[rythme.ECONFLICT] != n-1 {
		t.Fatalf("%d concurrent claims: %v, want exactly one winner and %d conflicts", n, c, n-1)
	}
	tg, err := s.GetTarget(ctx(t), p.Targets[0].ID)
	must(t, err)
	if tg.Attempts != 1 || tg.Status != rythme.TargetPublishing {
		t.Fatalf("after the race: %s with %d attempts", tg.Status, tg.Attempts)
	}
}

// testClaimVersusCancel races a worker's claim against a person's cancel:
// exactly one of them wins, whatever the interleaving.
func testClaimVersusCancel(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	claims := 0
	for round := 0; round < 12; round++ {
		p := newPost(t, s, ws.ID, T0, a)
		tid := p.Targets[0].ID
		errs := runConcurrently(2, func(i int) error {
			if i == 0 {
				_, err := s.ClaimTarget(ctx(t), tid, 1, T0, T0.Add(time.Minute))
				return err
			}
			_, err := s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error { return p.Cancel(T0) })
			return err
		})
		claimErr, cancelErr := errs[0], errs[1]
		tg, err := s.GetTarget(ctx(t), tid)
		must(t, err)
		switch {
		case claimErr == nil && rythme.ErrorCode(cancelErr) == rythme.ECONFLICT:
			claims++
			if tg.Status != rythme.TargetPublishing || tg.Version != 1 {
				t.Fatalf("round %d: claim won but target is %s v%d", round, tg.Status, tg.Version)
			}
		case cancelErr == nil && rythme.ErrorCode(claimErr) == rythme.ECONFLICT:
			if tg.Status != rythme.TargetCancelled || tg.Version != 2 || tg.Attempts != 0 {
				t.Fatalf("round %d: cancel won but target is %s v%d, %d attempts", round, tg.Status, tg.Version, tg.Attempts)
			}
		default:
			t.Fatalf("round %d: claim %v, cancel %v: want exactly one to succeed and the other ECONFLICT", round, claimErr, cancelErr)
		}
	}
	t.Logf("claim won %d of 12 rounds", claims)
}

func testFinishTarget(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	at := T0.Add(5 * time.Second)
	for _, tc := range []struct {
		out                     rythme.Outcome
		wantVersion             int
		wantExt, wantURL, wantE string
		wantPublished           bool
	}{
		{rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "109", URL: "https://m.example/@a/109", At: at},
			1, "109", "https://m.example/@a/109", "", true},
		{rythme.Outcome{Status: rythme.TargetFailed, Error: "content rejected: too long", At: at},
			1, "", "", "content rejected: too long", false},
		{rythme.Outcome{Status: rythme.TargetUnconfirmed, Error: "timeout after sending", At: at},
			1, "", "", "timeout after sending", false},
		{rythme.Outcome{Status: rythme.TargetHeld, Error: "token revoked", At: at},
			1, "", "", "token revoked", false},
		{rythme.Outcome{Status: rythme.TargetScheduled, Error: "503 from the network", At: at},
			1, "", "", "503 from the network", false},
		{rythme.Outcome{Status: rythme.TargetScheduled, Error: "task lost", At: at, BumpVersion: true},
			2, "", "", "task lost", false},
	} {
		name := fmt.Sprintf("%s bump=%v", tc.out.Status, tc.out.BumpVersion)
		p := newPost(t, s, ws.ID, T0, a)
		id := p.Targets[0].ID
		_, err := s.FinishTarget(ctx(t), id, 1, tc.out)
		wantCode(t, err, rythme.ECONFLICT) // not publishing yet
		must(t, s.MarkQueued(ctx(t), []rythme.TargetRef{{ID: id, Version: 1}}))
		_, err = s.ClaimTarget(ctx(t), id, 1, T0, T0.Add(time.Minute))
		must(t, err)
		_, err = s.FinishTarget(ctx(t), id, 2, tc.out)
		wantCode(t, err, rythme.ECONFLICT) // wrong version
		got, err := s.FinishTarget(ctx(t), id, 1, tc.out)
		must(t, err)
		stored, err := s.GetTarget(ctx(t), id)
		must(t, err)
		deepEqual(t, name+": returned and stored", got, stored)
		if got.Status != tc.out.Status || got.Version != tc.wantVersion || got.ExternalID != tc.wantExt ||
			got.URL != tc.wantURL || got.LastError != tc.wantE || got.LeaseUntil != nil ||
			(got.PublishedAt != nil) != tc.wantPublished || got.QueuedVersion != 1 ||
			!got.UpdatedAt.Equal(us(at)) || got.Attempts != 1 || got.Text != p.Content {
			t.Fatalf("%s: target = %s", name, dump(got))
		}
		if tc.wantPublished && !got.PublishedAt.Equal(us(at)) {
			t.Fatalf("%s: published_at = %v", name, got.PublishedAt)
		}
		_, err = s.FinishTarget(ctx(t), id, got.Version, tc.out)
		wantCode(t, err, rythme.ECONFLICT) // finished already
	}
	p := newPost(t, s, ws.ID, T0, a)
	_, err := s.ClaimTarget(ctx(t), p.Targets[0].ID, 1, T0, T0.Add(time.Minute))
	must(t, err)
	_, err = s.FinishTarget(ctx(t), p.Targets[0].ID, 1, rythme.Outcome{Status: rythme.TargetCancelled})
	wantCode(t, err, rythme.EINVALID)
	_, err = s.FinishTarget(ctx(t), rythme.NewID(rythme.PrefixTarget), 1, rythme.Outcome{Status: rythme.TargetFailed})
	wantCode(t, err, rythme.ENOTFOUND)
}

func testDueTargets(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a, b := newAccount(t, s, ws.ID, "mastodon"), newAccount(t, s, ws.ID, "bluesky")
	p1 := newPost(t, s, ws.ID, T0.Add(2*time.Minute), a)
	p2 := newPost(t, s, ws.ID, T0.Add(1*time.Minute), a, b)
	p3 := newPost(t, s, ws.ID, T0.Add(time.Hour), a) // not due
	ref := func(tg *rythme.Target, v int) rythme.TargetRef {
		return rythme.TargetRef{ID: tg.ID, Version: v, Network: tg.Network, ScheduledAt: us(tg.ScheduledAt)}
	}
	until := T0.Add(2 * time.Minute) // inclusive
	due, err := s.DueTargets(ctx(t), until, false, 0)
	must(t, err)
	// Oldest first; p2's two targets share a time, so they come by id.
	want := []rythme.TargetRef{ref(p2.Targets[0], 1), ref(p2.Targets[1], 1), ref(p1.Targets[0], 1)}
	if p2.Targets[1].ID < p2.Targets[0].ID {
		want[0], want[1] = want[1], want[0]
	}
	deepEqual(t, "due", due, want)
	due, err = s.DueTargets(ctx(t), until, false, 2)
	must(t, err)
	deepEqual(t, "due with limit 2", due, want[:2])

	must(t, s.MarkQueued(ctx(t), []rythme.TargetRef{want[0], {ID: p1.Targets[0].ID, Version: 7}}))
	due, err = s.DueTargets(ctx(t), until, false, 0)
	must(t, err)
	deepEqual(t, "due after MarkQueued (one stale ref)", due, []rythme.TargetRef{want[1], want[2]})
	due, err = s.DueTargets(ctx(t), until, true, 0)
	must(t, err)
	deepEqual(t, "all due", due, want)

	// A claimed target is not due; a retry with a new version is due again.
	_, err = s.ClaimTarget(ctx(t), want[0].ID, 1, T0, T0.Add(time.Minute))
	must(t, err)
	due, err = s.DueTargets(ctx(t), until, true, 0)
	must(t, err)
	deepEqual(t, "all due while one publishes", due, want[1:])
	_, err = s.FinishTarget(ctx(t), want[0].ID, 1, rythme.Outcome{Status: rythme.TargetScheduled, BumpVersion: true, At: T0})
	must(t, err)
	due, err = s.DueTargets(ctx(t), until, false, 0)
	must(t, err)
	bumped := want[0]
	bumped.Version = 2
	if len(due) != 3 || !containsRef(due, bumped) {
		t.Fatalf("after a bumped retry, due = %s; want it back at version 2", dump(due))
	}

	// MarkQueued in batches larger than one statement.
	var many []rythme.TargetRef
	for i := 0; i < 130; i++ {
		pi := newPost(t, s, ws.ID, T0.Add(-time.Hour), a)
		many = append(many, ref(pi.Targets[0], 1))
	}
	must(t, s.MarkQueued(ctx(t), many))
	must(t, s.MarkQueued(ctx(t), nil))
	due, err = s.DueTargets(ctx(t), until, false, 0)
	must(t, err)
	if len(due) != 3 {
		t.Fatalf("after MarkQueued of 130, %d due, want the 3 earlier ones", len(due))
	}
	_ = p3
}

func containsRef(refs []rythme.TargetRef, r rythme.TargetRef) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}

func testExpiredLeases(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	p1, p2, p3 := newPost(t, s, ws.ID, T0, a), newPost(t, s, ws.ID, T0, a), newPost(t, s, ws.ID, T0, a)
	_, err := s.ClaimTarget(ctx(t), p1.Targets[0].ID, 1, T0, T0.Add(2*time.Minute))
	must(t, err)
	_, err = s.ClaimTarget(ctx(t), p2.Targets[0].ID, 1, T0, T0.Add(1*time.Minute))
	must(t, err)
	_, err = s.ClaimTarget(ctx(t), p3.Targets[0].ID, 1, T0, T0.Add(10*time.Minute))
	must(t, err)

	got, err := s.ExpiredLeases(ctx(t), T0.Add(5*time.Minute), 0)
	must(t, err)
	if len(got) != 2 || got[0].ID != p2.Targets[0].ID || got[1].ID != p1.Targets[0].ID || got[0].Text != p2.Content {
		t.Fatalf("expired leases = %s", dump(got))
	}
	got, err = s.ExpiredLeases(ctx(t), T0.Add(5*time.Minute), 1)
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("limit 1: %d leases", len(got))
	}
	// A lease ending exactly now has not ended before now.
	got, err = s.ExpiredLeases(ctx(t), T0.Add(time.Minute), 0)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("lease ending at now listed: %s", dump(got))
	}
}

func testHoldRelease(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a, b := newAccount(t, s, ws.ID, "mastodon"), newAccount(t, s, ws.ID, "bluesky")
	p1, p2 := newPost(t, s, ws.ID, T0, a, b), newPost(t, s, ws.ID, T0.Add(time.Hour), a)
	publishing := newPost(t, s, ws.ID, T0, a)
	_, err := s.ClaimTarget(ctx(t), publishing.Targets[0].ID, 1, T0, T0.Add(time.Minute))
	must(t, err)

	n, err := s.HoldAccountTargets(ctx(t), a.ID, "account needs reconnecting", T0.Add(time.Second))
	must(t, err)
	if n != 2 {
		t.Fatalf("held %d targets, want 2 (the publishing one and b's stay)", n)
	}
	for _, id := range []string{p1.Targets[0].ID, p2.Targets[0].ID} {
		tg, err := s.GetTarget(ctx(t), id)
		must(t, err)
		if tg.Status != rythme.TargetHeld || tg.Version != 2 || tg.LastError != "account needs reconnecting" ||
			!tg.UpdatedAt.Equal(us(T0.Add(time.Second))) {
			t.Fatalf("held target = %s", dump(tg))
		}
	}
	if tg, _ := s.GetTarget(ctx(t), p1.Targets[1].ID); tg.Status != rythme.TargetScheduled || tg.Version != 1 {
		t.Fatalf("another account's target was held: %s", dump(tg))
	}
	if n, err := s.HoldAccountTargets(ctx(t), a.ID, "again", T0); err != nil || n != 0 {
		t.Fatalf("holding again moved %d, %v", n, err)
	}

	n, err = s.ReleaseAccountTargets(ctx(t), a.ID, T0.Add(time.Minute))
	must(t, err)
	if n != 2 {
		t.Fatalf("released %d targets, want 2", n)
	}
	tg, err := s.GetTarget(ctx(t), p1.Targets[0].ID)
	must(t, err)
	if tg.Status != rythme.TargetScheduled || tg.Version != 3 || tg.LastError != "" {
		t.Fatalf("released target = %s", dump(tg))
	}
	if n, err := s.ReleaseAccountTargets(ctx(t), rythme.NewID(rythme.PrefixAccount), T0); err != nil || n != 0 {
		t.Fatalf("release of an unknown account moved %d, %v", n, err)
	}
}

// testSecretsAtRest writes every kind of secret and then reads every
// column of every table through the raw-access hook: no plaintext.
func testSecretsAtRest(t *testing.T, s rythme.Store) {
	raw, ok := s.(RawDB)
	if !ok {
		t.Skip("store has no raw-access hook (DB() *sql.DB)")
	}
	ws := newWorkspace(t, s)
	secrets := []string{"access-PLAINTEXT-1", "refresh-PLAINTEXT-2", "client-secret-PLAINTEXT-3", "verifier-PLAINTEXT-4"}
	a := &rythme.Account{WorkspaceID: ws.ID, Network: "mastodon", InstanceURL: "https://m.example",
		ExternalID: "1", Username: "alice", Token: rythme.Token{AccessToken: secrets[0], RefreshToken: secrets[1]}}
	must(t, s.UpsertAccount(ctx(t), a))
	must(t, s.UpdateAccountToken(ctx(t), a.ID, rythme.Token{AccessToken: secrets[0], RefreshToken: secrets[1]}))
	must(t, s.SaveOAuthApp(ctx(t), &rythme.OAuthApp{Network: "mastodon", InstanceURL: "https://m.example",
		RedirectURI: "https://r/cb", ClientID: "cid", ClientSecret: secrets[2]}))
	must(t, s.CreateOAuthState(ctx(t), &rythme.OAuthState{StateHash: []byte("h"), WorkspaceID: ws.ID,
		Network: "mastodon", Verifier: secrets[3], ExpiresAt: T0}))

	must(t, s.CreateWebhook(ctx(t), &rythme.Webhook{WorkspaceID: ws.ID, URL: "https://hooks.example/in",
		Events: []string{rythme.EventPostPublished}, Secret: "whsec-PLAINTEXT-5"}))

	// And they read back.
	got, err := s.AccountByID(ctx(t), a.ID)
	must(t, err)
	if got.Token.AccessToken != secrets[0] || got.Token.RefreshToken != secrets[1] {
		t.Fatal("token does not read back")
	}

	checked := 0
	for _, table := range []string{"workspaces", "api_tokens", "oauth_apps", "oauth_states", "accounts", "posts", "targets", "webhooks"} {
		rows, err := raw.DB().QueryContext(ctx(t), `SELECT * FROM `+table)
		must(t, err)
		cols, err := rows.Columns()
		must(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, rows.Scan(ptrs...))
			for i, v := range vals {
				var b []byte
				switch x := v.(type) {
				case []byte:
					b = x
				case string:
					b = []byte(x)
				default:
					continue
				}
				checked++
				for _, sec := range secrets {
					if bytes.Contains(b, []byte(sec)) || bytes.Contains(b, []byte("PLAINTEXT")) {
						t.Fatalf("%s.%s holds a secret in plaintext", table, cols[i])
					}
				}
			}
		}
		must(t, rows.Err())
		rows.Close()
	}
	if checked < 10 {
		t.Fatalf("only %d values checked: the raw read did not see the tables", checked)
	}
}
