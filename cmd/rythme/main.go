// Command rythme schedules posts on an editorial calendar and publishes
// them to a content team's social-network accounts on time.
//
//	rythme            everything in one process on embedded defaults
//	rythme serve      the HTTP API and dashboard
//	rythme work       the publishing workers and the reconciler
//	rythme fakenet    the local network simulator
//	rythme migrate    apply the SQL migrations and exit
//	rythme rekey      re-seal every secret with the newest key, then exit
//	rythme bench      measure publishing lateness and throughput
//	rythme keygen     print a new RYTHME_SECRET_KEY
//	rythme version
//
// Only wiring and configuration live here.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "rythme:", err)
		os.Exit(1)
	}
}

// run is the whole program, so that tests can start it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "rythme", version)
		return nil
	case "help", "-h", "--help":
		return usage(stdout)
	case "keygen":
		fmt.Fprintln(stdout, newSecretKey())
		return nil
	case "bench":
		return runBench(ctx, getenv, args, stdout, stderr)
	case "bench-loadgen": // the load generator `bench` starts as a second process
		return runLoadgen(ctx, args, stdout, stderr)
	}
	cfg, err := loadConfig(getenv, args)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "":
		return runAll(ctx, cfg, log)
	case "serve":
		return runServe(ctx, cfg, log)
	case "work":
		return runWork(ctx, cfg, log)
	case "fakenet":
		return runFakenet(ctx, cfg, log)
	case "migrate":
		return runMigrate(ctx, cfg, log)
	case "rekey":
		return runRekey(ctx, cfg, log, stdout)
	}
	return fmt.Errorf("unknown command %q (see `rythme help`)", cmd)
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func usage(w io.Writer) error {
	_, err := fmt.Fprint(w, `rythme — schedule and publish posts to social networks

Usage: rythme [command] [--name=value …]

Commands:
  (none)    API, dashboard, workers and reconciler in one process, on embedded
            defaults (SQLite + in-process Redis, data under ./rythme-data)
  serve     the HTTP API and dashboard (any number of replicas; needs REDIS_URL)
  work      publishing workers and the reconciler (any number; needs REDIS_URL)
  fakenet   the local network simulator (FAKENET_ADDR)
  migrate   apply the SQL migrations and exit
  rekey     re-seal every stored secret with the first RYTHME_SECRET_KEY key
            (then the older keys can be dropped); prints N of M re-sealed
  bench     measure lateness and throughput; writes docs/benchmarks.md
  keygen    print a new RYTHME_SECRET_KEY
  version   print the version

Settings come from the environment; --name=value flags override them:
`)
	if err != nil {
		return err
	}
	for _, v := range envVars {
		if _, err := fmt.Fprintf(w, "  %-26s %s (default %s)\n", v.name, v.help, orNone(v.def)); err != nil {
			return err
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
