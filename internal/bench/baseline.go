package bench

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// What the services themselves can do, measured by their own tools in the
// same run as rythme: pgbench's TPC-B-like transactions per second on the
// PostgreSQL, redis-benchmark's operations per second on the Redis.

type pgbenchResult struct {
	tps    float64
	params string
	err    string // why there is no figure
}

func (r pgbenchResult) figure() string {
	if r.err != "" {
		return "not measured: " + r.err
	}
	return fmt.Sprintf("%.0f", r.tps)
}

type redisBenchResult struct {
	set, get float64
	params   string
	err      string
}

func (r redisBenchResult) figure() string {
	if r.err != "" {
		return "not measured: " + r.err
	}
	return fmt.Sprintf("%.0f / %.0f", r.set, r.get)
}

// pgbenchMissing says where pgbench comes from.
const pgbenchMissing = "pgbench is not installed (Debian: apt-get install postgresql-contrib, or postgresql-client-15)"

// runPgbench runs pgbench's built-in TPC-B-like script on the PostgreSQL
// at dbURL, in a schema of its own (dropped after), with 8 clients for d.
func runPgbench(ctx context.Context, dbURL string, d time.Duration) pgbenchResult {
	const clients, scale = 8, 8
	res := pgbenchResult{params: fmt.Sprintf("scale %d, %d clients, 2 threads, %s", scale, clients, d)}
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		res.err = pgbenchMissing
		return res
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		res.err = err.Error()
		return res
	}
	defer db.Close()
	schema := fmt.Sprintf("pgbench_%d", time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		res.err = "create schema: " + err.Error()
		return res
	}
	defer db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	conn := pgbenchConn(dbURL)
	env := append(os.Environ(), "PGOPTIONS=-c search_path="+schema)
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, append(args, conn)...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	if out, err := run("-i", "-q", "-s", strconv.Itoa(scale)); err != nil {
		res.err = "pgbench -i: " + lastLine(out, err)
		return res
	}
	out, err := run("-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(int(d.Seconds())))
	if err != nil {
		res.err = "pgbench: " + lastLine(out, err)
		return res
	}
	tps, ok := parsePgbenchTPS(out)
	if !ok {
		res.err = "no tps in pgbench's output: " + lastLine(out, nil)
		return res
	}
	res.tps = tps
	return res
}

// pgbenchConn is the database URL as libpq takes it: without the
// parameters only pgx knows.
func pgbenchConn(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	q := u.Query()
	for k := range q {
		if k != "sslmode" && k != "connect_timeout" && k != "application_name" {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

var pgbenchTPS = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \((without initial connection time|excluding connections establishing)\)`)

// parsePgbenchTPS reads "tps = 2842.1 (without initial connection time)".
func parsePgbenchTPS(out string) (float64, bool) {
	m := pgbenchTPS.FindStringSubmatch(out)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// runRedisBenchmark runs redis-benchmark's SET and GET on the Redis at
// redisURL (its own DB, which the bench flushes anyway).
func runRedisBenchmark(ctx context.Context, redisURL string) redisBenchResult {
	const requests, clients = 200000, 50
	res := redisBenchResult{params: fmt.Sprintf("%d requests, %d clients, no pipelining", requests, clients)}
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		res.err = "redis-benchmark is not installed (Debian: apt-get install redis-tools)"
		return res
	}
	u, err := url.Parse(redisURL)
	if err != nil {
		res.err = err.Error()
		return res
	}
	args := []string{"-h", u.Hostname(), "-p", cmpOr(u.Port(), "6379"), "-n", strconv.Itoa(requests), "-c", strconv.Itoa(clients), "-t", "set,get", "-q"}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		args = append(args, "--dbnum", db)
	}
	if p, ok := u.User.Password(); ok {
		args = append(args, "-a", p)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		res.err = "redis-benchmark: " + lastLine(out.String(), err)
		return res
	}
	set, okSet := parseRedisBench(out.String(), "SET")
	get, okGet := parseRedisBench(out.String(), "GET")
	if !okSet || !okGet {
		res.err = "no figures in redis-benchmark's output: " + lastLine(out.String(), nil)
		return res
	}
	res.set, res.get = set, get
	return res
}

// parseRedisBench reads "SET: 98039.22 requests per second, p50=0.255 msec"
// (the -q output; its progress lines end in \r).
func parseRedisBench(out, op string) (float64, bool) {
	re := regexp.MustCompile(`(?m)(?:^|\r)` + op + `: ([0-9.]+) requests per second`)
	ms := re.FindAllStringSubmatch(out, -1)
	if ms == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(ms[len(ms)-1][1], 64)
	return v, err == nil
}

func lastLine(out string, err error) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	s := strings.TrimSpace(lines[len(lines)-1])
	if s == "" && err != nil {
		return err.Error()
	}
	return s
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
