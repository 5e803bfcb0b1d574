package connectortest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Exchange is one request a connector made to fakenet and the answer it
// got, as the network saw them: Path has fakenet's network prefix
// (/x, /slack…) removed.
type Exchange struct {
	Method     string
	Path       string
	Query      url.Values
	Header     http.Header
	Body       []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
}

// String is the exchange's method and path, without its query.
func (x Exchange) String() string { return x.Method + " " + x.Path }

// Recorder is an http.Handler that records every exchange on one
// network's prefix of the handler it wraps.
type Recorder struct {
	next   http.Handler
	prefix string
	mu     sync.Mutex
	all    []Exchange
}

// NewRecorder wraps next, recording the exchanges under /network.
func NewRecorder(next http.Handler, network string) *Recorder {
	return &Recorder{next: next, prefix: "/" + network}
}

// Exchanges returns what was recorded so far.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.all...)
}

// Reset forgets what was recorded (what a test set up before the flow it
// checks).
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.all = nil
	r.mu.Unlock()
}

func (r *Recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if !strings.HasPrefix(req.URL.Path, r.prefix+"/") {
		r.next.ServeHTTP(w, req)
		return
	}
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	rw := &recordingWriter{ResponseWriter: w, status: http.StatusOK}
	r.next.ServeHTTP(rw, req)
	x := Exchange{Method: req.Method, Path: strings.TrimPrefix(req.URL.Path, r.prefix), Query: req.URL.Query(),
		Header: req.Header.Clone(), Body: body, Status: rw.status, RespHeader: w.Header().Clone(), RespBody: rw.body.Bytes()}
	r.mu.Lock()
	r.all = append(r.all, x)
	r.mu.Unlock()
}

type recordingWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *recordingWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// Flush lets a streaming handler flush through the recorder.
func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// StartRecorded is Start with every exchange on the harness's network
// recorded.
func StartRecorded(t *testing.T, h Harness) (*Env, *Recorder) {
	t.Helper()
	var rec *Recorder
	e := start(t, h, func(next http.Handler) http.Handler {
		rec = NewRecorder(next, h.Network)
		return rec
	})
	return e, rec
}
