package fakenet_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

// Every request to a network waits its latency (here an hour: the requests
// stay in flight until Close releases them), control endpoints do not, and
// the peak of requests in flight is counted.
func TestLatencyHoldsEveryNetworkRequest(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := fntest.Connect(t, e, "alice")
	e.Srv.SetLatency(fakenet.LatencyProfile{"mastodon": {P50: time.Hour, P99: time.Hour}})
	const n = 3
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, _ = fntest.Publish(t, e, tok, "held", "")
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st fakenet.Stats
		resp, err := http.Get(e.HTTP.URL + "/_fakenet/stats") // a control endpoint: never delayed
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if st.InFlight == n {
			if len(e.Srv.Posts()) != 0 {
				t.Fatal("a delayed request reached its handler before its latency ran out")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("in flight: %d, want %d", st.InFlight, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.Srv.Close() // latency returns at once from now on
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("request %d: %d", i, c)
		}
	}
	st := e.Srv.Stats()
	if st.PeakInFlight != n || st.InFlight != 0 || len(e.Srv.Posts()) != n {
		t.Fatalf("peak %d, in flight %d, posts %d", st.PeakInFlight, st.InFlight, len(e.Srv.Posts()))
	}
	e.Srv.ResetPeakInFlight()
	if p := e.Srv.Stats().PeakInFlight; p != 0 {
		t.Fatalf("peak after reset: %d", p)
	}
}

// A request waits at least the delay drawn for it.
func TestLatencyDelaysTheAnswer(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{Latency: fakenet.LatencyProfile{"": {P50: 50 * time.Millisecond, P99: 50 * time.Millisecond}}})
	t0 := time.Now()
	resp, err := http.Get(e.Base + "/api/v1/instance")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := time.Since(t0); d < 50*time.Millisecond || resp.StatusCode != 200 {
		t.Fatalf("answered %d after %s, before its 50ms latency", resp.StatusCode, d)
	}
}

func TestLatencyControlEndpoint(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	put := func(body string) (int, map[string]string) {
		req, _ := http.NewRequest(http.MethodPut, e.HTTP.URL+"/_fakenet/latency", bytes.NewBufferString(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if code, out := put(`{"latency":"mastodon=250ms/800ms"}`); code != 200 || out["latency"] != "mastodon=250ms/800ms" {
		t.Fatalf("%d %v", code, out)
	}
	if l := e.Srv.Latency()["mastodon"]; l.P50 != 250*time.Millisecond || l.P99 != 800*time.Millisecond {
		t.Fatalf("latency in force: %v", e.Srv.Latency())
	}
	if code, out := put(`{"latency":"800ms/250ms"}`); code != http.StatusUnprocessableEntity || out["error"] == "" {
		t.Fatalf("a p99 under the median: %d %v", code, out)
	}
	if code, _ := put(`{"delay":"1s"}`); code != http.StatusBadRequest {
		t.Fatalf("an unknown field: %d", code)
	}
	if code, _ := put(`{"latency":"off"}`); code != 200 || len(e.Srv.Latency()) != 0 {
		t.Fatalf("off: %d %v", code, e.Srv.Latency())
	}
	resp, err := http.Get(e.HTTP.URL + "/_fakenet/latency")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if out["latency"] != "off" {
		t.Fatalf("GET: %v", out)
	}
}
