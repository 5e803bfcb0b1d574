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
//	rythme reset-password <email>  print a one-time password reset link
//	rythme keygen     print a new RYTHME_SECRET_KEY
//	rythme version
//
// Only wiring and configuration live here.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/rythmehq/rythme"
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
	if len(args) > 0 && isHelp(args[0]) {
		return usage(stdout, "")
	}
	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" {
		topic := ""
		if len(args) > 0 {
			topic = args[0]
		}
		return usage(stdout, topic)
	}
	c, ok := commandNamed(cmd)
	if !ok {
		return fmt.Errorf("unknown command %q (see `rythme help`)", cmd)
	}
	if !c.ownFlags && slices.ContainsFunc(args, isHelp) {
		return usage(stdout, cmd)
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "rythme", version)
		return nil
	case "keygen":
		fmt.Fprintln(stdout, newSecretKey())
		return nil
	case "bench":
		return runBench(ctx, getenv, args, stdout, stderr)
	case "bench-loadgen": // the load generator `bench` starts as a second process
		return runLoadgen(ctx, args, stdout, stderr)
	}
	var positional []string
	if cmd == "reset-password" { // rythme reset-password <email> [--name=value …]
		var flags []string
		for _, a := range args {
			if strings.HasPrefix(a, "-") {
				flags = append(flags, a)
			} else {
				positional = append(positional, a)
			}
		}
		args = flags
	}
	cfg, err := loadConfig(getenv, args)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if cfg.MetricsSchedule != nil { // one schedule per process
		rythme.MetricsSchedule = cfg.MetricsSchedule
	}
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
	case "reset-password":
		return runResetPassword(ctx, cfg, log, positional, stdout)
	}
	return fmt.Errorf("command %q has no runner", cmd)
}

// isHelp tells whether a command-line argument asks for help.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// command is one subcommand, as `rythme help` lists it.
type command struct {
	name, help string
	ownFlags   bool // parses its own -flags (and answers -h itself)
	hidden     bool // not listed by `rythme help`
}

var commands = []command{
	{name: "", help: "API, dashboard, workers and reconciler in one process, on embedded\ndefaults (SQLite + in-process Redis, data under ./rythme-data)"},
	{name: "serve", help: "the HTTP API and dashboard (any number of replicas; needs REDIS_URL)"},
	{name: "work", help: "publishing workers and the reconciler (any number; needs REDIS_URL)"},
	{name: "fakenet", help: "the local network simulator (FAKENET_ADDR)"},
	{name: "migrate", help: "apply the SQL migrations and exit"},
	{name: "rekey", help: "re-seal every stored secret with the first RYTHME_SECRET_KEY key\n(then the older keys can be dropped); prints N of M re-sealed"},
	{name: "bench", help: "measure lateness and throughput; writes docs/benchmarks.md (flags: -h)", ownFlags: true},
	{name: "bench-loadgen", help: "the load generator bench starts as a second process", ownFlags: true, hidden: true},
	{name: "reset-password", help: "print a one-time link that sets a member's password\n(rythme reset-password <email>; valid 1h)"},
	{name: "keygen", help: "print a new RYTHME_SECRET_KEY"},
	{name: "version", help: "print the version"},
	{name: "help", help: "print this help (`rythme help <command>` for one command)"},
}

func commandNamed(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usage prints the help of rythme, or of one command when cmd names one;
// help for an unknown command is an error.
func usage(w io.Writer, cmd string) error {
	var b strings.Builder
	if cmd != "" {
		c, ok := commandNamed(cmd)
		if !ok || c.name == "" {
			return fmt.Errorf("unknown command %q (see `rythme help`)", cmd)
		}
		if c.ownFlags {
			fmt.Fprintf(&b, "rythme %s: %s\n\nUsage: rythme %s [-flag=value …]\n", c.name, strings.ReplaceAll(c.help, "\n", " "), c.name)
			_, err := io.WriteString(w, b.String())
			return err
		}
		fmt.Fprintf(&b, "rythme %s: %s\n\nUsage: rythme %s [--name=value …]\n\n", c.name, strings.ReplaceAll(c.help, "\n", " "), c.name)
	} else {
		b.WriteString("rythme — schedule and publish posts to social networks\n\nUsage: rythme [command] [--name=value …]\n\nCommands:\n")
		for _, c := range commands {
			if c.hidden {
				continue
			}
			name := c.name
			if name == "" {
				name = "(none)"
			}
			for i, line := range strings.Split(c.help, "\n") {
				fmt.Fprintf(&b, "  %-9s %s\n", name, line)
				if i == 0 {
					name = ""
				}
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("Settings come from the environment; --name=value flags override them:\n")
	rows := make([][2]string, 0, len(envVars)+1)
	for _, v := range envVars {
		rows = append(rows, [2]string{v.name, v.help + orNone(v.def)})
	}
	names := make([]string, len(appNetworks))
	for i, n := range appNetworks {
		names[i] = strings.ToUpper(n.name)
	}
	rows = append(rows, [2]string{"RYTHME_<NETWORK>_CLIENT_ID", "The app credentials of a network registered on its developer site"},
		[2]string{"RYTHME_<NETWORK>_CLIENT_SECRET", "(<NETWORK>: " + strings.Join(names, ", ") + "); a network without them is not offered."})
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, r[0], r[1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// orNone says what a setting defaults to, as a suffix of its help.
func orNone(def string) string {
	if def == "" {
		return ""
	}
	return " (default: " + strings.TrimSuffix(strings.TrimPrefix(def, "("), ")") + ")"
}

// parseFlags parses the -flags of a command that has its own (bench): when
// they ask for help, it prints the command's usage and flags on stdout and
// reports done, so that the command returns nil (exit 0).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (done bool, err error) {
	if slices.ContainsFunc(args, isHelp) {
		if err := usage(stdout, fs.Name()); err != nil {
			return true, err
		}
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return true, nil
	}
	return false, fs.Parse(args)
}
