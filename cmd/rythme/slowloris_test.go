package main

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A client that trickles its headers (slowloris) is cut off by the
// server's header timeout instead of holding a connection forever; one
// with oversized headers gets 431.
func TestSlowAndOversizedRequestsAreBounded(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := newHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }), log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	// One header byte a second, never finishing; the server must close
	// the connection well before this loop ends (it runs for 60s).
	closed := false
	for i := 0; i < 60 && !closed; i++ {
		if _, err := io.WriteString(conn, "X"); err != nil {
			closed = true
			break
		}
		conn.SetReadDeadline(time.Now().Add(time.Second))
		var b [512]byte
		n, err := conn.Read(b[:])
		if n > 0 && strings.Contains(string(b[:n]), "408") || err != nil && !isTimeout(err) {
			closed = true
		}
	}
	if !closed {
		t.Fatal("a client trickling its headers for 60s kept its connection")
	}

	// Oversized headers.
	c2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	go io.WriteString(c2, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 1<<20)+"\r\n\r\n")
	c2.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("1 MiB of headers: status %d, want 431", res.StatusCode)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
