package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Every way of asking for help prints usage on stdout and returns nil
// (exit 0), never "flag --help: use --name=value".
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"-help"}, {"help"}, {"--addr=127.0.0.1:1", "--help"},
		{"help", "serve"}, {"serve", "--help"}, {"serve", "-h"}, {"work", "--help"}, {"fakenet", "-h"},
		{"migrate", "--help"}, {"keygen", "-h"}, {"version", "--help"},
		{"bench", "--help"}, {"bench", "-h"}, {"bench", "-posts=10", "-h"}, {"bench-loadgen", "-h"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, env(nil), &stdout, &stderr); err != nil {
			t.Errorf("rythme %s: %v (want exit 0)", strings.Join(args, " "), err)
			continue
		}
		if !strings.Contains(stdout.String(), "Usage: rythme") {
			t.Errorf("rythme %s printed no usage on stdout:\n%s", strings.Join(args, " "), stdout.String())
		}
		if args[0] == "bench" && !strings.Contains(stdout.String(), "-posts") {
			t.Errorf("rythme %s does not list bench's flags:\n%s", strings.Join(args, " "), stdout.String())
		}
	}
}

func TestHelpUnknownCommandFails(t *testing.T) {
	for _, args := range [][]string{{"nope"}, {"nope", "--help"}, {"help", "nope"}} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, env(nil), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), `unknown command "nope"`) {
			t.Errorf("rythme %s: %v, want unknown command", strings.Join(args, " "), err)
		}
	}
}

// `rythme help` lists every setting, the networks' app credentials
// included, each description starting in the same column.
func TestHelpListsSettingsAligned(t *testing.T) {
	var out bytes.Buffer
	if err := usage(&out, ""); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	_, settings, ok := strings.Cut(s, "flags override them:\n")
	if !ok {
		t.Fatalf("no settings section:\n%s", s)
	}
	names := []string{"RYTHME_<NETWORK>_CLIENT_ID", "RYTHME_<NETWORK>_CLIENT_SECRET"}
	for _, v := range envVars {
		names = append(names, v.name)
	}
	col := -1
	for _, line := range strings.Split(strings.TrimRight(settings, "\n"), "\n") {
		name := strings.Fields(line)[0]
		i := strings.Index(line, name) + len(name)
		start := i + len(line[i:]) - len(strings.TrimLeft(line[i:], " "))
		if col == -1 {
			col = start
		} else if start != col {
			t.Errorf("row %s: description starts at column %d, others at %d", name, start, col)
		}
		if line[i:start] == " " || start-i < 2 {
			t.Errorf("row %s: name and description run together", name)
		}
	}
	for _, n := range names {
		if !strings.Contains(settings, "  "+n+" ") {
			t.Errorf("rythme help does not list %s", n)
		}
	}
	for _, n := range appNetworks {
		if !strings.Contains(settings, strings.ToUpper(n.name)) {
			t.Errorf("rythme help does not name network %s for the client credentials", n.name)
		}
	}
}
