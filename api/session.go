package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/password"
	"github.com/rythmehq/rythme/people"
)

// Members sign in with an email and a password and get a session: a
// random secret in a cookie (HttpOnly, SameSite=Lax, Secure when the API
// is reached over TLS or its public URL is https), stored only as its
// SHA-256 hash, a new one at every sign-in (no fixation). A request
// authenticated by the cookie alone is checked against cross-origin
// forgery with net/http's CrossOriginProtection (Sec-Fetch-Site, then
// Origin against Host): a cross-site POST, PATCH, PUT or DELETE is 403.
// Every JSON body must also be declared application/json (415 otherwise),
// which a cross-origin form cannot do without a CORS preflight this API
// never grants. Bearer requests need no such check: a browser never adds
// an Authorization header by itself.
//
// A session works in one workspace at a time: the one chosen at sign-in
// or with PATCH /v1/session, or per request with the X-Rythme-Workspace
// header; the member's role there is checked by the same require() as a
// token's.

// WorkspaceHeader chooses, for one request of a member, the workspace it
// works in.
const WorkspaceHeader = "X-Rythme-Workspace"

// Mailer sends a plain-text mail (password reset and invitation links).
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

const (
	memberKey     = "rythme.member"
	sessionKey    = "rythme.session"
	workspacesKey = "rythme.workspaces"
	cookieSecure  = "__Host-rythme_session" // https: the prefix forbids Domain and requires Secure
	cookiePlain   = "rythme_session"
)

// Sign-in throttling: each attempt takes a token from the bucket of the
// account (the email asked for) and from that of the client address.
const (
	signInAccountBurst = 5
	signInAccountEvery = time.Minute
	signInAddressBurst = 20
	signInAddressEvery = 6 * time.Second
)

var (
	errBadCredentials = people.ErrBadCredentials
	errSignInLimited  = rythme.Errorf(rythme.ERATELIMITED, "too many sign-in attempts; wait for the time in Retry-After, or reset the password")
	errCrossOrigin    = rythme.Errorf(rythme.EFORBIDDEN, "cross-origin request refused: a signed-in browser may only call the API from the dashboard's own origin")
	errNoSession      = rythme.Errorf(rythme.EFORBIDDEN, "this needs a signed-in member; API tokens cannot do it")
)

// memberOf returns the signed-in member, or nil for a token's request.
func memberOf(c *gin.Context) *rythme.Member {
	v, _ := c.Get(memberKey)
	m, _ := v.(*rythme.Member)
	return m
}

func sessionOf(c *gin.Context) *rythme.Session {
	v, _ := c.Get(sessionKey)
	se, _ := v.(*rythme.Session)
	return se
}

func workspacesOf(c *gin.Context) []rythme.MemberWorkspace {
	v, _ := c.Get(workspacesKey)
	ws, _ := v.([]rythme.MemberWorkspace)
	return ws
}

// secureCookie reports whether cookies get the Secure attribute.
func (s *server) secureCookie(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://")
}

func (s *server) cookieName(r *http.Request) string {
	if s.secureCookie(r) {
		return cookieSecure
	}
	return cookiePlain
}

// sessionCookie returns the session secret the request carries, if any.
func (s *server) sessionCookie(r *http.Request) string {
	ck, err := r.Cookie(s.cookieName(r))
	if err != nil {
		return ""
	}
	return ck.Value
}

func (s *server) setSessionCookie(c *gin.Context, secret string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: s.cookieName(c.Request), Value: secret, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureCookie(c.Request), SameSite: http.SameSiteLaxMode,
	})
}

// checkOrigin refuses a cross-origin unsafe request (403).
func (s *server) checkOrigin(c *gin.Context) bool {
	if err := s.cop.Check(c.Request); err != nil {
		s.fail(c, errCrossOrigin)
		return false
	}
	return true
}

// sessionAuth authenticates a request by its session cookie: false, with
// the answer written, when it cannot.
func (s *server) sessionAuth(c *gin.Context, secret string) bool {
	if !s.checkOrigin(c) {
		return false
	}
	ctx := c.Request.Context()
	se, err := s.store.SessionByHash(ctx, rythme.HashToken(secret), s.now())
	if rythme.ErrorCode(err) == rythme.ENOTFOUND {
		s.setSessionCookie(c, "", -1)
		s.fail(c, rythme.Errorf(rythme.EUNAUTHORIZED, "the session has ended: sign in again"))
		return false
	}
	if err != nil {
		s.fail(c, fmt.Errorf("api: look up session: %w", err))
		return false
	}
	m, err := s.store.GetMember(ctx, se.MemberID)
	if err != nil {
		s.fail(c, fmt.Errorf("api: session member: %w", err))
		return false
	}
	list, err := s.store.MemberWorkspaces(ctx, m.ID)
	if err != nil {
		s.fail(c, fmt.Errorf("api: member workspaces: %w", err))
		return false
	}
	want := se.WorkspaceID
	if h := c.GetHeader(WorkspaceHeader); h != "" {
		want = h
	}
	active, found := pickWorkspace(list, want)
	if c.GetHeader(WorkspaceHeader) != "" && !found {
		s.fail(c, rythme.Errorf(rythme.EFORBIDDEN, "you are not a member of the workspace %s asks for", WorkspaceHeader))
		return false
	}
	if s.limits != nil {
		if ok, wait := s.limits.allow(m.ID, time.Now()); !ok {
			c.Header("Retry-After", retryAfter(wait))
			s.fail(c, errRateLimited)
			return false
		}
	}
	// The member acts in its workspace as a token of its role would: the
	// same require() and the same workspace scope apply.
	c.Set(tokenKey, &rythme.APIToken{ID: m.ID, WorkspaceID: active.ID, Name: m.Name, Role: active.Role, CreatedAt: m.CreatedAt})
	c.Set(memberKey, m)
	c.Set(sessionKey, se)
	c.Set(workspacesKey, list)
	return true
}

// pickWorkspace returns the workspace of list with id want, or the first.
func pickWorkspace(list []rythme.MemberWorkspace, want string) (rythme.MemberWorkspace, bool) {
	for _, w := range list {
		if w.ID == want {
			return w, true
		}
	}
	if len(list) > 0 {
		return list[0], false
	}
	return rythme.MemberWorkspace{}, false
}

// memberOnly refuses a request not made by a signed-in member.
func (s *server) memberOnly(c *gin.Context) {
	if memberOf(c) == nil {
		s.fail(c, errNoSession)
		return
	}
	c.Next()
}

// SignInLimiter counts sign-in attempts across every API replica (cmd/rythme
// gives one on Redis, worker.NewSignInLimiter): with replicas counting
// each its own, N replicas would allow N times the attempts. Allow takes
// one attempt from key's bucket of burst attempts refilled one per every.
type SignInLimiter interface {
	Allow(ctx context.Context, key string, every time.Duration, burst int) (ok bool, retryAfter time.Duration, err error)
}

// localSignIn is the SignInLimiter of one replica: the default, and the
// fallback while the shared one cannot answer.
type localSignIn struct{ account, address *tokenLimits }

func newLocalSignIn() *localSignIn {
	return &localSignIn{account: newTokenLimits(1/signInAccountEvery.Seconds(), signInAccountBurst),
		address: newTokenLimits(1/signInAddressEvery.Seconds(), signInAddressBurst)}
}

func (l *localSignIn) allow(key string, account bool) (bool, time.Duration) {
	if account {
		return l.account.allow(key, time.Now())
	}
	return l.address.allow(key, time.Now())
}

// signInKey is the bucket of an address or an account: an email is hashed,
// so that a shared limiter never stores it.
func signInKey(kind, v string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(v))))
	return kind + ":" + hex.EncodeToString(sum[:16])
}

// takeSignIn takes one attempt from a bucket, from the shared limiter when
// there is one (falling back to this replica's count when it fails: a
// Redis outage slows sign-in down to per-replica limits, never lifts them).
func (s *server) takeSignIn(c *gin.Context, key string, account bool) (bool, time.Duration) {
	if s.cfg.SignInLimiter != nil {
		every, burst := signInAddressEvery, signInAddressBurst
		if account {
			every, burst = signInAccountEvery, signInAccountBurst
		}
		ok, wait, err := s.cfg.SignInLimiter.Allow(c.Request.Context(), key, every, burst)
		if err == nil {
			return ok, wait
		}
		s.log.Warn("api: the shared sign-in limiter failed; counting on this replica", slog.String("error", err.Error()))
	}
	return s.signInLocal.allow(key, account)
}

// throttleSignIn takes an attempt from the account's and the address's
// buckets; false, with a 429 written, when either is empty.
func (s *server) throttleSignIn(c *gin.Context, email string) bool {
	if err := s.signInThrottle(c)(email); err != nil {
		s.fail(c, err)
		return false
	}
	return true
}

// signInThrottle returns the throttle of c's sign-in attempts: it takes a
// token from the account's (email's) and the client address's buckets,
// and when either is empty sets Retry-After and returns errSignInLimited.
func (s *server) signInThrottle(c *gin.Context) func(email string) error {
	return func(email string) error {
		ok, wait := s.takeSignIn(c, signInKey("ip", c.RemoteIP()), false)
		if ok {
			ok, wait = s.takeSignIn(c, signInKey("email", email), true)
		}
		if !ok {
			c.Header("Retry-After", retryAfter(wait))
			return errSignInLimited
		}
		return nil
	}
}

type signInRequest struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	WorkspaceID string `json:"workspace_id"`
}

func (s *server) signIn(c *gin.Context) {
	if !s.checkOrigin(c) {
		return
	}
	var req signInRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	email, ok := rythme.NormalizeEmail(req.Email)
	var fe fieldErrors
	if !ok {
		fe.add("email", "must be an email address such as ada@example.com")
	}
	if req.Password == "" || len(req.Password) > 4*rythme.MaxPasswordLength {
		fe.add("password", "is required")
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	if !s.throttleSignIn(c, email) {
		return
	}
	m, err := s.store.MemberByEmail(c.Request.Context(), email)
	if err != nil && rythme.ErrorCode(err) != rythme.ENOTFOUND {
		s.fail(c, fmt.Errorf("api: sign in: %w", err))
		return
	}
	if !s.people.CheckPassword(m, req.Password) {
		s.fail(c, errBadCredentials)
		return
	}
	if err := s.startSession(c, m, req.WorkspaceID); err != nil {
		s.fail(c, err)
		return
	}
	s.writeMe(c)
}

// startSession ends the session the browser had, if any, and starts a new
// one for m (fixation: a session id set before sign-in never becomes a
// signed-in one), working in workspaceID if m belongs to it.
func (s *server) startSession(c *gin.Context, m *rythme.Member, workspaceID string) error {
	ctx := c.Request.Context()
	if old := s.sessionCookie(c.Request); old != "" {
		if err := s.store.DeleteSession(ctx, rythme.HashToken(old)); err != nil {
			return fmt.Errorf("api: end the old session: %w", err)
		}
	}
	list, err := s.store.MemberWorkspaces(ctx, m.ID)
	if err != nil {
		return fmt.Errorf("api: member workspaces: %w", err)
	}
	active, _ := pickWorkspace(list, workspaceID)
	secret, err := randomToken()
	if err != nil {
		return fmt.Errorf("api: random session: %w", err)
	}
	now := s.now()
	se := &rythme.Session{ID: rythme.NewID(rythme.PrefixSession), Hash: rythme.HashToken(secret), MemberID: m.ID,
		WorkspaceID: active.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.store.CreateSession(ctx, se); err != nil {
		return fmt.Errorf("api: create session: %w", err)
	}
	s.setSessionCookie(c, secret, int(s.cfg.SessionTTL.Seconds()))
	c.Set(tokenKey, &rythme.APIToken{ID: m.ID, WorkspaceID: active.ID, Name: m.Name, Role: active.Role, CreatedAt: m.CreatedAt})
	c.Set(memberKey, m)
	c.Set(sessionKey, se)
	c.Set(workspacesKey, list)
	return nil
}

// meJSON is who the caller is: a member (with its workspaces) or a token.
type meJSON struct {
	Member     *rythme.Member           `json:"member"`
	Token      *meToken                 `json:"token"`
	Workspace  *rythme.MemberWorkspace  `json:"workspace"`
	Workspaces []rythme.MemberWorkspace `json:"workspaces"`
}

type meToken struct {
	ID   string      `json:"id"`
	Name string      `json:"name"`
	Role rythme.Role `json:"role"`
}

func (s *server) me(c *gin.Context) { s.writeMe(c) }

func (s *server) writeMe(c *gin.Context) {
	tok := tokenOf(c)
	out := meJSON{Workspaces: []rythme.MemberWorkspace{}}
	if m := memberOf(c); m != nil {
		out.Member = m
		out.Workspaces = workspacesOf(c)
		if w, ok := pickWorkspace(out.Workspaces, tok.WorkspaceID); ok {
			out.Workspace = &w
		}
	} else {
		ws, err := s.store.GetWorkspace(c.Request.Context(), tok.WorkspaceID)
		if err != nil {
			s.fail(c, fmt.Errorf("api: me: %w", err))
			return
		}
		w := rythme.MemberWorkspace{ID: ws.ID, Name: ws.Name, Role: tok.Role}
		out.Token = &meToken{ID: tok.ID, Name: tok.Name, Role: tok.Role}
		out.Workspace, out.Workspaces = &w, []rythme.MemberWorkspace{w}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

type switchRequest struct {
	WorkspaceID string `json:"workspace_id"`
}

// switchWorkspace makes the session work in another of the member's
// workspaces.
func (s *server) switchWorkspace(c *gin.Context) {
	var req switchRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	w, ok := pickWorkspace(workspacesOf(c), req.WorkspaceID)
	if !ok {
		s.fail(c, rythme.Errorf(rythme.ENOTFOUND, "workspace not found among yours"))
		return
	}
	se := sessionOf(c)
	if err := s.store.SetSessionWorkspace(c.Request.Context(), se.ID, w.ID); err != nil {
		s.fail(c, fmt.Errorf("api: switch workspace: %w", err))
		return
	}
	tok := *tokenOf(c)
	tok.WorkspaceID, tok.Role = w.ID, w.Role
	c.Set(tokenKey, &tok)
	s.writeMe(c)
}

// signOut ends this session.
func (s *server) signOut(c *gin.Context) {
	if err := s.store.DeleteSession(c.Request.Context(), sessionOf(c).Hash); err != nil {
		s.fail(c, fmt.Errorf("api: sign out: %w", err))
		return
	}
	s.setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// signOutEverywhere ends every session of the member, this one included.
func (s *server) signOutEverywhere(c *gin.Context) {
	if _, err := s.store.DeleteMemberSessions(c.Request.Context(), memberOf(c).ID); err != nil {
		s.fail(c, fmt.Errorf("api: sign out everywhere: %w", err))
		return
	}
	s.setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// ResetLink makes a one-time password reset link for the member with
// that email, valid for ttl: `rythme reset-password` prints it, and the
// API mails it where a Mailer is configured. ENOTFOUND for no such member.
func ResetLink(ctx context.Context, st rythme.PeopleStore, publicURL, email string, now time.Time, ttl time.Duration) (string, error) {
	e, ok := rythme.NormalizeEmail(email)
	if !ok {
		return "", rythme.Errorf(rythme.EINVALID, "%q is not an email address", email)
	}
	m, err := st.MemberByEmail(ctx, e)
	if err != nil {
		return "", err
	}
	secret, err := randomToken()
	if err != nil {
		return "", fmt.Errorf("api: random reset: %w", err)
	}
	now = now.UTC()
	if err := st.CreatePasswordReset(ctx, &rythme.PasswordReset{Hash: rythme.HashToken(secret), MemberID: m.ID,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
		return "", err
	}
	return strings.TrimSuffix(publicURL, "/") + "/#reset=" + secret, nil
}

type resetRequest struct {
	Email string `json:"email"`
}

// requestReset mails a reset link to a member who asks; the answer is the
// same whether the email is a member's or not.
func (s *server) requestReset(c *gin.Context) {
	if !s.checkOrigin(c) {
		return
	}
	var req resetRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	email, ok := rythme.NormalizeEmail(req.Email)
	if !ok {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "email", Message: "must be an email address such as ada@example.com"}))
		return
	}
	if s.cfg.Mailer == nil {
		s.fail(c, unavailable("password reset by mail is not configured here: ask an administrator to run `rythme reset-password <email>`",
			errors.New("no mailer")))
		return
	}
	if !s.throttleSignIn(c, email) {
		return
	}
	link, err := ResetLink(c.Request.Context(), s.store, s.cfg.PublicURL, email, s.now(), s.cfg.ResetTTL)
	switch {
	case rythme.ErrorCode(err) == rythme.ENOTFOUND:
	case err != nil:
		s.fail(c, fmt.Errorf("api: reset link: %w", err))
		return
	default:
		body := "Someone asked to reset your rythme password. If it was you, open this link within " +
			s.cfg.ResetTTL.String() + " (it works once):\n\n" + link + "\n\nIf it was not you, ignore this mail.\n"
		if err := s.cfg.Mailer.Send(c.Request.Context(), email, "Reset your rythme password", body); err != nil {
			s.log.WarnContext(c.Request.Context(), "api: reset mail not sent", slog.String("error", err.Error()))
		}
	}
	c.JSON(http.StatusAccepted, gin.H{"message": "if this email is a member's, a reset link is on its way"})
}

type confirmResetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// confirmReset sets a new password with a reset link's token, once; every
// session of the member ends.
func (s *server) confirmReset(c *gin.Context) {
	if !s.checkOrigin(c) {
		return
	}
	var req confirmResetRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	var fe fieldErrors
	if req.Token == "" || len(req.Token) > 200 {
		fe.add("token", "is required: the part of the link after #reset=")
	}
	if msg := rythme.CheckPassword(req.Password); msg != "" {
		fe.add("password", "%s", msg)
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	hash, err := password.Hash(req.Password, s.cfg.PasswordParams)
	if err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.store.ResetPassword(c.Request.Context(), rythme.HashToken(req.Token), s.now(), hash); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// initPeople sets up what sign-in needs.
func (s *server) initPeople() error {
	s.cop = http.NewCrossOriginProtection()
	if u, err := url.Parse(s.cfg.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		// Behind a proxy that rewrites Host, the public origin is still ours.
		if err := s.cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return fmt.Errorf("api: config: PublicURL: %w", err)
		}
	}
	s.signInLocal = newLocalSignIn()
	return nil
}
