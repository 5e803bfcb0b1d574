package fakenet

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server. The zero value is usable.
type Config struct {
	// Seed makes engagement deterministic: the same seed and the same
	// clock give the same counts. Default 0.
	Seed int64
	// Now is the clock used for created_at, engagement growth and rate
	// limit windows. Default time.Now.
	Now func() time.Time
	// Logger receives one line per fault applied and per control call.
	// Default: discard. Tokens and secrets are never logged.
	Logger *slog.Logger
	// RateLimit is how many API requests one account (or, unauthenticated,
	// one IP) may make per RateWindow. Default 300, as Mastodon documents
	// (https://docs.joinmastodon.org/api/rate-limits/); negative: no limit.
	RateLimit int
	// RateWindow is the rate limit period. Default 5 minutes.
	RateWindow time.Duration
	// GoToSocial makes the Mastodon API act as GoToSocial 0.20 does (see
	// ../shared/peers/README.md): it says it is GoToSocial, announces its
	// limits (5,000 characters, 6 media), ignores Idempotency-Key and
	// answers 405 to the batch GET /api/v1/statuses?id[]=.
	GoToSocial bool
}

func (c Config) withDefaults() Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.RateLimit == 0 {
		c.RateLimit = 300
	}
	if c.RateWindow <= 0 {
		c.RateWindow = 5 * time.Minute
	}
	return c
}

// Post is one publish request that reached a network's handler: created,
// deduplicated by its idempotency key (Created false, ID of the first), or
// refused (Error set, no ID).
type Post struct {
	Network        string    `json:"network"`
	Account        string    `json:"account"` // the username
	ID             string    `json:"id,omitempty"`
	Text           string    `json:"text"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	ReceivedAt     time.Time `json:"received_at"` // RFC 3339 with nanoseconds
	Created        bool      `json:"created"`
	Error          string    `json:"error,omitempty"` // the network's refusal
	// Media lists the media attached (ids or URLs, as the network took
	// them); ReplyTo is the post this one answers (threads).
	Media   []string `json:"media,omitempty"`
	ReplyTo string   `json:"reply_to,omitempty"`
}

// Stats counts what the server saw since it started or was reset.
type Stats struct {
	// Requests counts requests by "METHOD /prefix/route", with path
	// parameters written :id.
	Requests map[string]int64 `json:"requests"`
	// Operations counts requests by "network.operation".
	Operations map[string]int64 `json:"operations"`
	// RateLimited counts 429 answers (from the limiter or a fault).
	RateLimited int64 `json:"rate_limited"`
	// FaultsApplied counts requests a fault changed.
	FaultsApplied int64 `json:"faults_applied"`
	// Created counts posts created; Deduplicated those answered from an
	// idempotency key instead.
	Created      int64 `json:"created"`
	Deduplicated int64 `json:"deduplicated"`
}

// network is one simulated social network, mounted under /<name>.
type network interface {
	name() string
	// route resolves a request path (without the prefix) to an operation
	// name, a route pattern for stats, and its handler; h is nil for an
	// unknown route.
	route(method, path string) (op, pattern string, h http.HandlerFunc)
	// notFound answers an unknown route in the network's error shape.
	notFound(w http.ResponseWriter, r *http.Request)
	// errorBody is the network's error shape for msg.
	errorBody(msg string) []byte
	revoke(user string) int
	deletePost(id string) bool
	reset()
}

// Server is the simulator. Create it with New; it is safe for concurrent
// use.
type Server struct {
	cfg      Config
	networks map[string]network
	mast     *mastodon
	faults   *faultSet
	closing  chan struct{}
	closeOne sync.Once

	recMu sync.Mutex
	posts []Post

	statMu       sync.Mutex
	requests     map[string]int64
	operations   map[string]int64
	rateLimited  atomic.Int64
	faultsUsed   atomic.Int64
	created      atomic.Int64
	deduplicated atomic.Int64
}

// New returns a server with every supported network.
func New(cfg Config) *Server {
	s := &Server{
		cfg:        cfg.withDefaults(),
		networks:   map[string]network{},
		faults:     &faultSet{},
		closing:    make(chan struct{}),
		requests:   map[string]int64{},
		operations: map[string]int64{},
	}
	s.mast = newMastodon(s)
	s.networks[s.mast.name()] = s.mast
	for name, build := range networkFactories {
		s.networks[name] = build(s)
	}
	return s
}

// networkFactories builds the simulated networks other than Mastodon. Each
// network's file registers itself from init (registerNetwork), so that
// networks are added side by side without touching this file.
var networkFactories = map[string]func(*Server) network{}

// registerNetwork adds a network served under the prefix /<name>.
func registerNetwork(name string, build func(*Server) network) {
	if _, dup := networkFactories[name]; dup || name == mastodonName {
		panic("fakenet: network registered twice: " + name)
	}
	networkFactories[name] = build
}

// MastodonURL returns the base URL of the simulated Mastodon instance for a
// server reachable at base (such as an httptest.Server's URL):
// base + "/mastodon".
func (s *Server) MastodonURL(base string) string {
	return strings.TrimSuffix(base, "/") + "/" + mastodonName
}

// Networks returns the names (and path prefixes) of the simulated networks.
func (s *Server) Networks() []string {
	out := make([]string, 0, len(s.networks))
	for n := range s.networks {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Handler returns the HTTP handler serving every network and the control
// endpoints.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Close releases requests held by timeout faults (their connections are
// dropped) and makes latency faults return at once. The handler keeps
// serving other requests.
func (s *Server) Close() { s.closeOne.Do(func() { close(s.closing) }) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/_fakenet/") {
		s.serveControl(w, r)
		return
	}
	name, rest, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	n, ok := s.networks[name]
	if !ok {
		if p == "/" {
			s.serveIndex(w, r)
			return
		}
		http.NotFound(w, r)
		return
	}
	op, pattern, h := n.route(r.Method, "/"+rest)
	if h == nil {
		s.count(r.Method+" /"+name+"/*", name+".unknown")
		n.notFound(w, r)
		return
	}
	s.count(r.Method+" /"+name+pattern, name+"."+op)
	s.dispatch(w, r, n, op, h)
}

func (s *Server) count(route, op string) {
	s.statMu.Lock()
	s.requests[route]++
	s.operations[op]++
	s.statMu.Unlock()
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	base := requestBase(r)
	nets := map[string]string{}
	for _, n := range s.Networks() {
		nets[n] = base + "/" + n
	}
	writeJSON(w, http.StatusOK, map[string]any{"fakenet": true, "networks": nets, "control": base + "/_fakenet/"})
}

// requestBase is the scheme and host the client used.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) record(p Post) {
	s.recMu.Lock()
	s.posts = append(s.posts, p)
	s.recMu.Unlock()
	if p.Created {
		s.created.Add(1)
	} else if p.ID != "" {
		s.deduplicated.Add(1)
	}
}

// Posts returns every publish request that reached a handler, in the order
// received.
func (s *Server) Posts() []Post {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	st := Stats{
		Requests:      map[string]int64{},
		Operations:    map[string]int64{},
		RateLimited:   s.rateLimited.Load(),
		FaultsApplied: s.faultsUsed.Load(),
		Created:       s.created.Load(),
		Deduplicated:  s.deduplicated.Load(),
	}
	s.statMu.Lock()
	defer s.statMu.Unlock()
	for k, v := range s.requests {
		st.Requests[k] = v
	}
	for k, v := range s.operations {
		st.Operations[k] = v
	}
	return st
}

// DeletePost deletes a post as if its author had: it answers 404
// afterwards. It reports whether the post existed.
func (s *Server) DeletePost(network, id string) bool {
	n, ok := s.networks[network]
	return ok && n.deletePost(id)
}

// Reset forgets every app, user, token, post, fault and counter.
func (s *Server) Reset() {
	for _, n := range s.networks {
		n.reset()
	}
	s.faults.clear()
	s.recMu.Lock()
	s.posts = nil
	s.recMu.Unlock()
	s.statMu.Lock()
	s.requests = map[string]int64{}
	s.operations = map[string]int64{}
	s.statMu.Unlock()
	s.rateLimited.Store(0)
	s.faultsUsed.Store(0)
	s.created.Store(0)
	s.deduplicated.Store(0)
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	switch r.Method + " " + r.URL.Path {
	case "GET /_fakenet/posts":
		posts := s.Posts()
		q := r.URL.Query()
		out := make([]Post, 0, len(posts))
		for _, p := range posts {
			if (q.Get("network") == "" || q.Get("network") == p.Network) && (q.Get("account") == "" || q.Get("account") == p.Account) {
				out = append(out, p)
			}
		}
		writeJSON(w, http.StatusOK, out)
	case "GET /_fakenet/stats":
		writeJSON(w, http.StatusOK, s.Stats())
	case "GET /_fakenet/faults":
		writeJSON(w, http.StatusOK, s.faults.list())
	case "POST /_fakenet/faults":
		var f Fault
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "fault: " + err.Error()})
			return
		}
		if err := s.InjectFault(f); err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusCreated, f)
	case "DELETE /_fakenet/faults":
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case "POST /_fakenet/reset":
		s.Reset()
		s.cfg.Logger.Info("fakenet: reset")
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown control endpoint " + r.Method + " " + r.URL.Path})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
