package sim

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
	// HistoryDays gives every user, when first seen, posts published over
	// the days before (History: one every one to three days, with their
	// engagement grown), served by the networks' listings of an account's
	// posts. Default 0: none (a benchmark's thousands of users carry
	// nothing); `rythme fakenet` sets FAKENET_HISTORY_DAYS, default 90.
	HistoryDays int
	// Latency is how long each network takes to answer: every request to a
	// network waits a delay drawn from its distribution (deterministic from
	// Seed: the n-th request to a network waits the n-th draw) before any
	// fault and its handler. Default none; SetLatency changes it.
	Latency LatencyProfile
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
	// Poll is the options of the post's poll, when it has one, and
	// PollMinutes how long it takes votes.
	Poll        []string `json:"poll,omitempty"`
	PollMinutes int      `json:"poll_minutes,omitempty"`
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
	// InFlight is the network requests being answered now; PeakInFlight
	// the most at once since the start, a reset or ResetPeakInFlight.
	InFlight     int64 `json:"in_flight"`
	PeakInFlight int64 `json:"peak_in_flight"`
	// Created counts posts created; Deduplicated those answered from an
	// idempotency key instead.
	Created      int64 `json:"created"`
	Deduplicated int64 `json:"deduplicated"`
}

// Network is one simulated social network, mounted under /<Name>. Each
// lives in its own package under fakenet/ and is built by a Factory.
//
// A network may also implement FaultBody(Fault) []byte (its answer to an
// injected status fault without a body) and ErrorContentType() string (the
// Content-Type of its error answers, default JSON).
type Network interface {
	// Name is the network's name and path prefix ("mastodon").
	Name() string
	// Route resolves a request path (without the prefix) to an operation
	// name, a route pattern for stats, and its handler; h is nil for an
	// unknown route.
	Route(method, path string) (op, pattern string, h http.HandlerFunc)
	// NotFound answers an unknown route in the network's error shape.
	NotFound(w http.ResponseWriter, r *http.Request)
	// ErrorBody is the network's error shape for msg.
	ErrorBody(msg string) []byte
	// Revoke revokes every token of user (every user when empty) and
	// says how many.
	Revoke(user string) int
	// DeletePost deletes a post as its author would; it reports whether
	// the post existed.
	DeletePost(id string) bool
	// Reset forgets every app, user, token and post.
	Reset()
}

// Factory builds a network on the server it belongs to.
type Factory func(*Server) Network

// Server is the simulator's shared state: the networks, faults, recorded
// posts and counters. Create it with New; it is safe for concurrent use.
type Server struct {
	cfg      Config
	networks map[string]Network
	faults   *faultSet
	closing  chan struct{}
	closeOne sync.Once

	recMu sync.Mutex
	posts []Post

	latMu   sync.Mutex
	latency LatencyProfile
	draws   map[string]*latencyDraws

	inFlight, peakInFlight atomic.Int64

	statMu       sync.Mutex
	requests     map[string]int64
	operations   map[string]int64
	rateLimited  atomic.Int64
	faultsUsed   atomic.Int64
	created      atomic.Int64
	deduplicated atomic.Int64
}

// New returns a server with the networks the factories build, each served
// under the prefix /<Name>. It panics when two networks share a name.
func New(cfg Config, networks ...Factory) *Server {
	s := &Server{
		cfg:        cfg.withDefaults(),
		networks:   map[string]Network{},
		faults:     &faultSet{},
		closing:    make(chan struct{}),
		requests:   map[string]int64{},
		operations: map[string]int64{},
	}
	for _, build := range networks {
		n := build(s)
		if _, dup := s.networks[n.Name()]; dup {
			panic("fakenet: network registered twice: " + n.Name())
		}
		s.networks[n.Name()] = n
	}
	s.SetLatency(s.cfg.Latency)
	return s
}

// Config returns the server's configuration, defaults applied.
func (s *Server) Config() Config { return s.cfg }

// Network returns the network named name, or nil.
func (s *Server) Network(name string) Network { return s.networks[name] }

// CountRateLimited counts a 429 a network answered by its own limits.
func (s *Server) CountRateLimited() { s.rateLimited.Add(1) }

// IgnoreIdempotency reports whether an ignore_idempotency fault applies to
// this request of network; consume counts it against the fault's Count.
func (s *Server) IgnoreIdempotency(network, op, path string, consume bool) bool {
	return s.faults.ignoreIdempotency(network, op, path, consume)
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

// Closing is closed by Close: long-lived answers (a network's streaming
// connections) end then.
func (s *Server) Closing() <-chan struct{} { return s.closing }

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
	// A WebSocket (a stream) lives for hours: it is not a request in
	// flight, whose count measures the load of calls.
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.enter()
		defer s.inFlight.Add(-1)
	}
	if d := s.delay(name); d > 0 && !s.wait(r, d) {
		return
	}
	op, pattern, h := n.Route(r.Method, "/"+rest)
	if h == nil {
		s.count(r.Method+" /"+name+"/*", name+".unknown")
		n.NotFound(w, r)
		return
	}
	s.count(r.Method+" /"+name+pattern, name+"."+op)
	s.dispatch(w, r, n, op, h)
}

// enter counts a network request in flight and raises the peak.
func (s *Server) enter() {
	n := s.inFlight.Add(1)
	for {
		p := s.peakInFlight.Load()
		if n <= p || s.peakInFlight.CompareAndSwap(p, n) {
			return
		}
	}
}

// ResetPeakInFlight starts the peak of requests in flight again from those
// in flight now.
func (s *Server) ResetPeakInFlight() { s.peakInFlight.Store(s.inFlight.Load()) }

func (s *Server) count(route, op string) {
	s.statMu.Lock()
	s.requests[route]++
	s.operations[op]++
	s.statMu.Unlock()
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	base := RequestBase(r)
	nets := map[string]string{}
	for _, n := range s.Networks() {
		nets[n] = base + "/" + n
	}
	WriteJSON(w, http.StatusOK, map[string]any{"fakenet": true, "networks": nets, "control": base + "/_fakenet/"})
}

// RequestBase is the scheme and host the client used.
func RequestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// Record keeps a publish request that reached a network's handler.
func (s *Server) Record(p Post) {
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
		InFlight:      s.inFlight.Load(),
		PeakInFlight:  s.peakInFlight.Load(),
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
	return ok && n.DeletePost(id)
}

// Reset forgets every app, user, token, post, fault and counter.
func (s *Server) Reset() {
	for _, n := range s.networks {
		n.Reset()
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
	s.ResetPeakInFlight()
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
		WriteJSON(w, http.StatusOK, out)
	case "GET /_fakenet/stats":
		WriteJSON(w, http.StatusOK, s.Stats())
	case "GET /_fakenet/faults":
		WriteJSON(w, http.StatusOK, s.faults.list())
	case "POST /_fakenet/faults":
		var f Fault
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "fault: " + err.Error()})
			return
		}
		if err := s.InjectFault(f); err != nil {
			WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
			return
		}
		WriteJSON(w, http.StatusCreated, f)
	case "GET /_fakenet/latency":
		WriteJSON(w, http.StatusOK, map[string]string{"latency": s.Latency().String()})
	case "PUT /_fakenet/latency":
		var body struct {
			Latency string `json:"latency"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "latency: " + err.Error()})
			return
		}
		p, err := ParseLatency(body.Latency)
		if err != nil {
			WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
			return
		}
		s.SetLatency(p)
		s.cfg.Logger.Info("fakenet: latency set", slog.String("latency", p.String()))
		WriteJSON(w, http.StatusOK, map[string]string{"latency": p.String()})
	case "DELETE /_fakenet/faults":
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case "POST /_fakenet/reset":
		s.Reset()
		s.cfg.Logger.Info("fakenet: reset")
		w.WriteHeader(http.StatusNoContent)
	default:
		WriteJSON(w, http.StatusNotFound, map[string]string{"error": "unknown control endpoint " + r.Method + " " + r.URL.Path})
	}
}

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
