package storetest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(
		suiteCase{"Workspaces", testWorkspaces},
		suiteCase{"Bootstrap", testBootstrap},
		suiteCase{"BootstrapConcurrent", testBootstrapConcurrent},
		suiteCase{"APITokens", testAPITokens},
		suiteCase{"OAuthApps", testOAuthApps},
		suiteCase{"OAuthStates", testOAuthStates},
		suiteCase{"OAuthStateConcurrentConsume", testOAuthStateConcurrent},
		suiteCase{"OAuthStatesPurgeAndCount", testOAuthStatesPurge},
		suiteCase{"Accounts", testAccounts},
		suiteCase{"AccountTokenAndStatus", testAccountTokenAndStatus},
		suiteCase{"AccountMetaMergeAndSweepList", testAccountMeta},
		suiteCase{"AccountsExpiring", testAccountsExpiring},
		suiteCase{"SealedTokenBoundToItsRow", testSealedTokenBound},
		suiteCase{"AccountMetricsReads", testAccountMetricsReads},
		suiteCase{"Ping", func(t *testing.T, s rythme.Store) { must(t, s.Ping(ctx(t))) }},
	)
}

func testWorkspaces(t *testing.T, s rythme.Store) {
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Acme", CreatedAt: T0}
	must(t, s.CreateWorkspace(ctx(t), ws))
	got, err := s.GetWorkspace(ctx(t), ws.ID)
	must(t, err)
	deepEqual(t, "workspace", got, &rythme.Workspace{ID: ws.ID, Name: "Acme", CreatedAt: us(T0)})
	deepEqual(t, "caller's workspace normalised", ws, got)

	wantCode(t, s.CreateWorkspace(ctx(t), &rythme.Workspace{ID: ws.ID, Name: "again"}), rythme.ECONFLICT)
	_, err = s.GetWorkspace(ctx(t), rythme.NewID(rythme.PrefixWorkspace))
	wantCode(t, err, rythme.ENOTFOUND)
}

func bootstrapArgs(name string) (*rythme.Workspace, *rythme.APIToken) {
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: name, CreatedAt: T0}
	tok := &rythme.APIToken{ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: ws.ID, Name: "admin",
		Role: rythme.RoleAdmin, Hash: rythme.HashToken("rym_" + ws.ID), CreatedAt: T0}
	return ws, tok
}

func testBootstrap(t *testing.T, s rythme.Store) {
	ws, tok := bootstrapArgs("first")
	created, err := s.Bootstrap(ctx(t), ws, tok)
	must(t, err)
	if !created {
		t.Fatal("Bootstrap on an empty store reported false")
	}
	got, err := s.TokenByHash(ctx(t), tok.Hash)
	must(t, err)
	if got.WorkspaceID != ws.ID || got.Role != rythme.RoleAdmin {
		t.Fatalf("bootstrap token = %+v", got)
	}
	ws2, tok2 := bootstrapArgs("second")
	created, err = s.Bootstrap(ctx(t), ws2, tok2)
	must(t, err)
	if created {
		t.Fatal("second Bootstrap reported true")
	}
	_, err = s.GetWorkspace(ctx(t), ws2.ID)
	wantCode(t, err, rythme.ENOTFOUND)
	_, err = s.TokenByHash(ctx(t), tok2.Hash)
	wantCode(t, err, rythme.ENOTFOUND)
}

func testBootstrapConcurrent(t *testing.T, s rythme.Store) {
	const n = 6
	var wss [n]*rythme.Workspace
	created := make([]bool, n)
	errs := runConcurrently(n, func(i int) error {
		ws, tok := bootstrapArgs(fmt.Sprint("ws", i))
		wss[i] = ws
		var err error
		created[i], err = s.Bootstrap(ctx(t), ws, tok)
		return err
	})
	winners := 0
	for i, err := range errs {
		must(t, err)
		if created[i] {
			winners++
			if _, err := s.GetWorkspace(ctx(t), wss[i].ID); err != nil {
				t.Fatalf("winner's workspace: %v", err)
			}
		} else if _, err := s.GetWorkspace(ctx(t), wss[i].ID); rythme.ErrorCode(err) != rythme.ENOTFOUND {
			t.Fatalf("loser %d's workspace exists (err %v)", i, err)
		}
	}
	if winners != 1 {
		t.Fatalf("%d concurrent Bootstraps created, want exactly 1", winners)
	}
}

func testAPITokens(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	used := us(T0.Add(time.Minute))
	tok := &rythme.APIToken{ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: ws.ID, Name: "ci",
		Role: rythme.RoleEditor, Hash: rythme.HashToken("rym_a"), CreatedAt: T0, LastUsedAt: &used}
	must(t, s.CreateAPIToken(ctx(t), tok))
	tok2 := &rythme.APIToken{WorkspaceID: ws.ID, Name: "viewer", Role: rythme.RoleViewer,
		Hash: rythme.HashToken("rym_b"), CreatedAt: T0.Add(time.Second)}
	must(t, s.CreateAPIToken(ctx(t), tok2))
	if !rythme.ValidID(rythme.PrefixToken, tok2.ID) {
		t.Fatalf("CreateAPIToken did not fill the id: %q", tok2.ID)
	}

	got, err := s.TokenByHash(ctx(t), rythme.HashToken("rym_a"))
	must(t, err)
	deepEqual(t, "token by hash", got, &rythme.APIToken{ID: tok.ID, WorkspaceID: ws.ID, Name: "ci",
		Role: rythme.RoleEditor, Hash: rythme.HashToken("rym_a"), CreatedAt: us(T0), LastUsedAt: &used})
	_, err = s.TokenByHash(ctx(t), rythme.HashToken("rym_nope"))
	wantCode(t, err, rythme.ENOTFOUND)

	dup := &rythme.APIToken{WorkspaceID: other.ID, Name: "dup", Role: rythme.RoleAdmin, Hash: rythme.HashToken("rym_a"), CreatedAt: T0}
	wantCode(t, s.CreateAPIToken(ctx(t), dup), rythme.ECONFLICT)

	list, err := s.ListAPITokens(ctx(t), ws.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != tok.ID || list[1].ID != tok2.ID {
		t.Fatalf("ListAPITokens = %s", dump(list))
	}
	if list, err := s.ListAPITokens(ctx(t), other.ID); err != nil || len(list) != 0 {
		t.Fatalf("other workspace's tokens = %s, %v", dump(list), err)
	}

	wantCode(t, s.RevokeAPIToken(ctx(t), other.ID, tok.ID, T0), rythme.ENOTFOUND)
	if _, err := s.TokenByHash(ctx(t), tok.Hash); err != nil {
		t.Fatalf("revoke from another workspace took effect: %v", err)
	}
	revokedAt := T0.Add(time.Hour)
	must(t, s.RevokeAPIToken(ctx(t), ws.ID, tok.ID, revokedAt))
	must(t, s.RevokeAPIToken(ctx(t), ws.ID, tok.ID, revokedAt.Add(time.Hour))) // idempotent
	_, err = s.TokenByHash(ctx(t), tok.Hash)
	wantCode(t, err, rythme.ENOTFOUND)
	list, err = s.ListAPITokens(ctx(t), ws.ID)
	must(t, err)
	if list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(us(revokedAt)) {
		t.Fatalf("revoked_at = %v, want the first revocation %v", list[0].RevokedAt, us(revokedAt))
	}
	wantCode(t, s.RevokeAPIToken(ctx(t), ws.ID, rythme.NewID(rythme.PrefixToken), T0), rythme.ENOTFOUND)
}

func testOAuthApps(t *testing.T, s rythme.Store) {
	_, err := s.GetOAuthApp(ctx(t), "mastodon", "https://m.example", "https://r.example/cb")
	wantCode(t, err, rythme.ENOTFOUND)
	app := &rythme.OAuthApp{Network: "mastodon", InstanceURL: "https://m.example",
		RedirectURI: "https://r.example/cb", ClientID: "cid", ClientSecret: "csecret-1", CreatedAt: T0}
	must(t, s.SaveOAuthApp(ctx(t), app))
	got, err := s.GetOAuthApp(ctx(t), "mastodon", "https://m.example", "https://r.example/cb")
	must(t, err)
	deepEqual(t, "oauth app", got, &rythme.OAuthApp{Network: "mastodon", InstanceURL: "https://m.example",
		RedirectURI: "https://r.example/cb", ClientID: "cid", ClientSecret: "csecret-1", CreatedAt: us(T0)})

	app2 := *app
	app2.ClientID, app2.ClientSecret = "cid2", "csecret-2"
	must(t, s.SaveOAuthApp(ctx(t), &app2))
	got, err = s.GetOAuthApp(ctx(t), "mastodon", "https://m.example", "https://r.example/cb")
	must(t, err)
	if got.ClientID != "cid2" || got.ClientSecret != "csecret-2" {
		t.Fatalf("SaveOAuthApp did not replace: %+v", got)
	}
	_, err = s.GetOAuthApp(ctx(t), "mastodon", "https://other.example", "https://r.example/cb")
	wantCode(t, err, rythme.ENOTFOUND)
}

func newState(t *testing.T, s rythme.Store, wsID string, expires time.Time) *rythme.OAuthState {
	t.Helper()
	st := &rythme.OAuthState{StateHash: rythme.HashToken(rythme.NewID("st")), WorkspaceID: wsID,
		Network: "mastodon", Params: map[string]string{"instance_url": "https://m.example"},
		Verifier: "verifier-" + rythme.NewID("v"), RedirectURI: "https://r.example/cb",
		CreatedAt: T0, ExpiresAt: expires}
	must(t, s.CreateOAuthState(ctx(t), st))
	return st
}

func testOAuthStates(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	st := newState(t, s, ws.ID, T0.Add(10*time.Minute))
	got, err := s.ConsumeOAuthState(ctx(t), st.StateHash, T0.Add(time.Minute))
	must(t, err)
	deepEqual(t, "consumed state", got, &rythme.OAuthState{StateHash: st.StateHash, WorkspaceID: ws.ID,
		Network: "mastodon", Params: map[string]string{"instance_url": "https://m.example"},
		Verifier: st.Verifier, RedirectURI: "https://r.example/cb", CreatedAt: us(T0),
		ExpiresAt: us(T0.Add(10 * time.Minute))})
	_, err = s.ConsumeOAuthState(ctx(t), st.StateHash, T0.Add(time.Minute))
	wantCode(t, err, rythme.ENOTFOUND)

	expired := newState(t, s, ws.ID, T0.Add(10*time.Minute))
	_, err = s.ConsumeOAuthState(ctx(t), expired.StateHash, T0.Add(11*time.Minute))
	wantCode(t, err, rythme.ENOTFOUND)
	_, err = s.ConsumeOAuthState(ctx(t), expired.StateHash, T0)
	wantCode(t, err, rythme.ENOTFOUND) // an expired state is gone for good

	_, err = s.ConsumeOAuthState(ctx(t), []byte("never created"), T0)
	wantCode(t, err, rythme.ENOTFOUND)
}

func testOAuthStateConcurrent(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	st := newState(t, s, ws.ID, T0.Add(time.Hour))
	errs := runConcurrently(8, func(int) error {
		got, err := s.ConsumeOAuthState(ctx(t), st.StateHash, T0)
		if err == nil && got.Verifier != st.Verifier {
			return fmt.Errorf("wrong verifier")
		}
		return err
	})
	if c := countCodes(errs); c[""] != 1 || c[rythme.ENOTFOUND] != 7 {
		t.Fatalf("8 concurrent consumers: %v, want exactly one success and 7 not_found", c)
	}
}

func testAccounts(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	if !rythme.ValidID(rythme.PrefixAccount, a.ID) {
		t.Fatalf("UpsertAccount did not fill the id: %q", a.ID)
	}
	got, err := s.GetAccount(ctx(t), ws.ID, a.ID)
	must(t, err)
	deepEqual(t, "account", got, a)
	got, err = s.AccountByID(ctx(t), a.ID)
	must(t, err)
	deepEqual(t, "account by id", got, a)

	// Reconnecting the same network account updates it in place.
	must(t, s.SetAccountStatus(ctx(t), a.ID, rythme.AccountNeedsReconnect, "token refused"))
	again := &rythme.Account{WorkspaceID: ws.ID, Network: "mastodon", InstanceURL: a.InstanceURL,
		ExternalID: a.ExternalID, Username: "alice2", DisplayName: "Alice B", ProfileURL: a.ProfileURL,
		Meta: map[string]string{"v": "2"}, Token: rythme.Token{AccessToken: "new-access", RefreshToken: "new-refresh",
			Expiry: us(T0.Add(time.Hour))}, CreatedAt: T0.Add(time.Hour), UpdatedAt: T0.Add(time.Hour)}
	must(t, s.UpsertAccount(ctx(t), again))
	if again.ID != a.ID || !again.CreatedAt.Equal(a.CreatedAt) || again.Status != rythme.AccountConnected {
		t.Fatalf("upsert of an existing account: id %s created %v status %s, want %s %v connected",
			again.ID, again.CreatedAt, again.Status, a.ID, a.CreatedAt)
	}
	got, err = s.GetAccount(ctx(t), ws.ID, a.ID)
	must(t, err)
	want := *again
	want.UpdatedAt = us(T0.Add(time.Hour))
	deepEqual(t, "reconnected account", got, &want)

	// The same network account in another workspace is another account.
	b := &rythme.Account{WorkspaceID: other.ID, Network: "mastodon", InstanceURL: a.InstanceURL,
		ExternalID: a.ExternalID, Username: "alice"}
	must(t, s.UpsertAccount(ctx(t), b))
	if b.ID == a.ID {
		t.Fatal("an account of another workspace took over the first one")
	}
	if got, err := s.AccountByID(ctx(t), b.ID); err != nil || got.Meta != nil || got.Token != (rythme.Token{}) ||
		got.Status != rythme.AccountConnected {
		t.Fatalf("minimal account = %s, %v", dump(got), err)
	}

	_, err = s.GetAccount(ctx(t), other.ID, a.ID)
	wantCode(t, err, rythme.ENOTFOUND)
	_, err = s.AccountByID(ctx(t), rythme.NewID(rythme.PrefixAccount))
	wantCode(t, err, rythme.ENOTFOUND)

	// Many at once, across workspaces, those that exist.
	many, err := s.AccountsByID(ctx(t), []string{a.ID, b.ID, rythme.NewID(rythme.PrefixAccount), a.ID})
	must(t, err)
	if len(many) != 2 || (many[0].ID != a.ID && many[1].ID != a.ID) || (many[0].ID != b.ID && many[1].ID != b.ID) {
		t.Fatalf("AccountsByID = %s", dump(many))
	}
	for _, m := range many {
		if m.ID == a.ID && m.Token.AccessToken != "new-access" {
			t.Fatalf("AccountsByID does not open the token: %s", dump(m))
		}
	}

	c := newAccount(t, s, ws.ID, "bluesky")
	list, err := s.ListAccounts(ctx(t), ws.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != c.ID {
		t.Fatalf("ListAccounts = %s", dump(list))
	}
	if list, err := s.ListAccounts(ctx(t), rythme.NewID(rythme.PrefixWorkspace)); err != nil || len(list) != 0 {
		t.Fatalf("accounts of an unknown workspace = %d, %v", len(list), err)
	}
	wantCode(t, s.UpsertAccount(ctx(t), &rythme.Account{WorkspaceID: rythme.NewID(rythme.PrefixWorkspace),
		Network: "x", ExternalID: "1"}), rythme.EINVALID)
}

func testAccountTokenAndStatus(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	tok := rythme.Token{AccessToken: "rotated", RefreshToken: "r2", TokenType: "Bearer",
		Expiry: us(T0.Add(2 * time.Hour)), Scope: "write"}
	must(t, s.UpdateAccountToken(ctx(t), a.ID, tok))
	got, err := s.AccountByID(ctx(t), a.ID)
	must(t, err)
	deepEqual(t, "token", got.Token, tok)
	if got.UpdatedAt.Equal(a.UpdatedAt) {
		t.Fatalf("UpdateAccountToken left updated_at at %v", got.UpdatedAt)
	}
	wantCode(t, s.UpdateAccountToken(ctx(t), rythme.NewID(rythme.PrefixAccount), tok), rythme.ENOTFOUND)

	must(t, s.SetAccountStatus(ctx(t), a.ID, rythme.AccountNeedsReconnect, "401 from the network"))
	got, err = s.AccountByID(ctx(t), a.ID)
	must(t, err)
	if got.Status != rythme.AccountNeedsReconnect || got.StatusReason != "401 from the network" || got.Token != tok {
		t.Fatalf("needs_reconnect: status %s reason %q token kept %v", got.Status, got.StatusReason, got.Token == tok)
	}
	must(t, s.SetAccountStatus(ctx(t), a.ID, rythme.AccountDisconnected, "removed"))
	got, err = s.AccountByID(ctx(t), a.ID)
	must(t, err)
	if got.Status != rythme.AccountDisconnected || got.Token != (rythme.Token{}) {
		t.Fatalf("disconnected: status %s, token wiped %v", got.Status, got.Token == rythme.Token{})
	}
	if raw, ok := s.(RawDB); ok {
		var token []byte
		must(t, raw.DB().QueryRowContext(ctx(t), `SELECT token FROM accounts WHERE id = $1`, a.ID).Scan(&token))
		if len(token) != 0 || bytes.Contains(token, []byte("rotated")) {
			t.Fatalf("disconnected account still has a stored token of %d bytes", len(token))
		}
	}
	wantCode(t, s.SetAccountStatus(ctx(t), a.ID, "bogus", ""), rythme.EINVALID)
	wantCode(t, s.SetAccountStatus(ctx(t), rythme.NewID(rythme.PrefixAccount), rythme.AccountConnected, ""), rythme.ENOTFOUND)
}

func testAccountMetricsReads(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	other := newAccount(t, s, ws.ID, "x")
	got, err := s.AccountByID(ctx(t), a.ID)
	must(t, err)
	if got.LastMetricsAt != nil || got.LastMetricsError != "" || got.LastMetricsErrorAt != nil || got.MetricsFailures != 0 {
		t.Fatalf("a new account has read state %v %q %v %d", got.LastMetricsAt, got.LastMetricsError, got.LastMetricsErrorAt, got.MetricsFailures)
	}
	read, failed := T0.Add(time.Hour), T0.Add(2*time.Hour)
	must(t, s.RecordMetricsRead(ctx(t), a.ID, read))
	must(t, s.RecordMetricsError(ctx(t), a.ID, "HTTP 500: try later", failed, 3))
	list, err := s.ListAccounts(ctx(t), ws.ID)
	must(t, err)
	var seen *rythme.Account
	for _, x := range list {
		if x.ID == a.ID {
			seen = x
		} else if x.LastMetricsAt != nil || x.MetricsFailures != 0 {
			t.Fatalf("another account got the read state: %+v", x)
		}
	}
	if seen == nil || seen.LastMetricsAt == nil || !seen.LastMetricsAt.Equal(us(read)) || seen.LastMetricsError != "HTTP 500: try later" ||
		seen.LastMetricsErrorAt == nil || !seen.LastMetricsErrorAt.Equal(us(failed)) || seen.MetricsFailures != 3 {
		t.Fatalf("after a read and a failure: %s", dump(seen))
	}
	// The next success clears the error and keeps the new time.
	again := T0.Add(3 * time.Hour)
	must(t, s.RecordMetricsRead(ctx(t), a.ID, again))
	got, err = s.GetAccount(ctx(t), ws.ID, a.ID)
	must(t, err)
	if got.LastMetricsAt == nil || !got.LastMetricsAt.Equal(us(again)) || got.LastMetricsError != "" || got.LastMetricsErrorAt != nil || got.MetricsFailures != 0 {
		t.Fatalf("after a success: %s", dump(got))
	}
	if o, _ := s.AccountByID(ctx(t), other.ID); o.LastMetricsAt != nil {
		t.Fatal("RecordMetricsRead touched another account")
	}
	wantCode(t, s.RecordMetricsRead(ctx(t), rythme.NewID(rythme.PrefixAccount), again), rythme.ENOTFOUND)
	wantCode(t, s.RecordMetricsError(ctx(t), rythme.NewID(rythme.PrefixAccount), "x", again, 1), rythme.ENOTFOUND)
}

func testAccountsExpiring(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	never := newAccount(t, s, ws.ID, "mastodon") // no expiry
	soon := newAccount(t, s, ws.ID, "x")
	later := newAccount(t, s, ws.ID, "linkedin")
	sooner := newAccount(t, s, ws.ID, "tiktok")
	for a, exp := range map[*rythme.Account]time.Time{soon: T0.Add(30 * time.Minute), later: T0.Add(48 * time.Hour), sooner: T0.Add(5 * time.Minute)} {
		must(t, s.UpdateAccountToken(ctx(t), a.ID, rythme.Token{AccessToken: "a", RefreshToken: "r", Expiry: exp}))
	}
	got, err := s.AccountsExpiring(ctx(t), T0.Add(time.Hour), 10)
	must(t, err)
	var ids []string
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	deepEqual(t, "accounts expiring within the hour, soonest first", ids, []string{sooner.ID, soon.ID})
	if got[0].Token.RefreshToken != "r" {
		t.Errorf("the listed account lacks its token")
	}
	// Not connected: not listed. A token without expiry: never listed.
	must(t, s.SetAccountStatus(ctx(t), sooner.ID, rythme.AccountNeedsReconnect, "refused"))
	got, err = s.AccountsExpiring(ctx(t), T0.Add(100*time.Hour), 10)
	must(t, err)
	ids = nil
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	deepEqual(t, "connected accounts with an expiry", ids, []string{soon.ID, later.ID})
	_ = never
	// Reconnecting with a token that never expires drops it from the list.
	soon.Token = rythme.Token{AccessToken: "forever"}
	must(t, s.UpsertAccount(ctx(t), soon))
	got, err = s.AccountsExpiring(ctx(t), T0.Add(100*time.Hour), 10)
	must(t, err)
	if len(got) != 1 || got[0].ID != later.ID {
		t.Fatalf("after reconnecting without expiry: %d accounts", len(got))
	}
}

func testAccountMeta(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	network := "net" + strings.ToLower(rythme.NewID("n"))
	a := newAccount(t, s, ws.ID, network)
	b := newAccount(t, s, ws.ID, network)
	c := newAccount(t, s, ws.ID, network)
	must(t, s.SetAccountStatus(ctx(t), c.ID, rythme.AccountNeedsReconnect, "401"))
	newAccount(t, s, ws.ID, network+"x") // another network: not listed

	must(t, s.MergeAccountMeta(ctx(t), a.ID, map[string]string{"max_characters": "5000", "idempotency": ""}))
	got, err := s.AccountByID(ctx(t), a.ID)
	must(t, err)
	deepEqual(t, "meta", got.Meta, map[string]string{"max_characters": "5000"})
	deepEqual(t, "token", got.Token, a.Token)
	if got.Status != rythme.AccountConnected {
		t.Fatalf("status %s after a meta merge", got.Status)
	}
	wantCode(t, s.MergeAccountMeta(ctx(t), rythme.NewID(rythme.PrefixAccount), map[string]string{"k": "v"}), rythme.ENOTFOUND)

	var seen []string
	after := ""
	for {
		page, err := s.ConnectedAccounts(ctx(t), network, after, 1)
		must(t, err)
		if len(page) == 0 {
			break
		}
		for _, acc := range page {
			seen = append(seen, acc.ID)
			after = acc.ID
		}
	}
	want := []string{a.ID, b.ID}
	if a.ID > b.ID {
		want = []string{b.ID, a.ID}
	}
	deepEqual(t, "connected accounts", seen, want)
}

// A sealed token copied to another account's row does not open there: the
// account shows as needs_reconnect with a reason, and listing still works.
func testSealedTokenBound(t *testing.T, s rythme.Store) {
	raw, ok := s.(RawDB)
	if !ok {
		t.Skip("the store gives no raw access")
	}
	ws := newWorkspace(t, s)
	victim, thief := newAccount(t, s, ws.ID, "mastodon"), newAccount(t, s, ws.ID, "x")
	var blob []byte
	must(t, raw.DB().QueryRowContext(ctx(t), `SELECT token FROM accounts WHERE id = $1`, victim.ID).Scan(&blob))
	if _, err := raw.DB().ExecContext(ctx(t), `UPDATE accounts SET token = $1 WHERE id = $2`, blob, thief.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAccount(ctx(t), ws.ID, thief.ID)
	must(t, err)
	if got.Token != (rythme.Token{}) {
		t.Fatal("a token copied from another account opened")
	}
	if got.Status != rythme.AccountNeedsReconnect || got.StatusReason == "" {
		t.Fatalf("account with an unopenable token: status %q, reason %q", got.Status, got.StatusReason)
	}
	list, err := s.ListAccounts(ctx(t), ws.ID)
	must(t, err)
	if len(list) != 2 {
		t.Fatalf("listed %d accounts, want 2", len(list))
	}
	orig, err := s.GetAccount(ctx(t), ws.ID, victim.ID)
	must(t, err)
	if orig.Token != victim.Token {
		t.Fatal("the original account's token no longer opens")
	}
}

func testOAuthStatesPurge(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	for i := range 3 {
		newState(t, s, ws.ID, T0.Add(time.Duration(i+1)*10*time.Minute))
	}
	newState(t, s, other.ID, T0.Add(time.Hour))
	bound := &rythme.OAuthState{StateHash: []byte("bound-" + ws.ID), WorkspaceID: ws.ID, Network: "x",
		Verifier: "v", RedirectURI: "r", BindingHash: []byte("nonce-hash"), CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}
	must(t, s.CreateOAuthState(ctx(t), bound))
	n, err := s.OpenOAuthStates(ctx(t), ws.ID, T0.Add(15*time.Minute))
	must(t, err)
	if n != 3 {
		t.Fatalf("open states at +15m = %d, want 3", n)
	}
	purged, err := s.PurgeOAuthStates(ctx(t), T0.Add(25*time.Minute))
	must(t, err)
	if purged != 2 {
		t.Fatalf("purged %d, want the 2 expired", purged)
	}
	peek, err := s.OAuthStateByHash(ctx(t), bound.StateHash, T0)
	must(t, err)
	if string(peek.BindingHash) != "nonce-hash" || peek.WorkspaceID != ws.ID || peek.Verifier != "" {
		t.Fatalf("peeked state = %+v", peek)
	}
	_, err = s.OAuthStateByHash(ctx(t), bound.StateHash, T0.Add(time.Hour))
	wantCode(t, err, rythme.ENOTFOUND) // expired
	got, err := s.ConsumeOAuthState(ctx(t), bound.StateHash, T0)
	must(t, err) // peeking did not consume it
	if string(got.BindingHash) != "nonce-hash" {
		t.Fatalf("binding hash = %q", got.BindingHash)
	}
}
