package connectortest

import (
	"sort"
	"testing"
)

// MustLoadSpec is LoadSpec failing t.
func MustLoadSpec(t testing.TB, path string) *Spec {
	t.Helper()
	s, err := LoadSpec(path)
	if err != nil {
		t.Fatalf("load the network's spec: %v", err)
	}
	return s
}

// Checked is what CheckExchanges saw: how many exchanges each operation
// ("POST /2/tweets", by the spec's path template) had, and the statuses
// answered.
type Checked struct {
	Ops      map[string]int
	Statuses map[int]bool
}

// CheckExchanges reports, as errors of t, every problem check finds in
// the exchanges (check is spec.Check, or a network's own around it),
// skipping those whose path is in outside (paths the spec does not
// describe, with the reason). Problems show the request's body and the
// answer, never its path or query, which may hold a credential (a
// Discord webhook's token).
func CheckExchanges(t testing.TB, spec *Spec, xs []Exchange, outside map[string]string, check func(Exchange) []Problem) Checked {
	t.Helper()
	c := Checked{Ops: map[string]int{}, Statuses: map[int]bool{}}
	for _, x := range xs {
		if _, ok := outside[x.Path]; ok {
			continue
		}
		tmpl, _ := spec.Match(x.Path)
		c.Ops[x.Method+" "+tmpl]++
		c.Statuses[x.Status] = true
		for _, p := range check(x) {
			t.Errorf("%v\n  request body: %.300s\n  answer: %d %s %.500s", p, x.Body, x.Status, x.RespHeader.Get("Content-Type"), x.RespBody)
		}
	}
	return c
}

// Require fails t for every operation ("GET /2/users/me") and status
// that no checked exchange had, so that a flow that stopped early
// cannot pass for a clean one.
func (c Checked) Require(t testing.TB, ops []string, statuses ...int) {
	t.Helper()
	for _, op := range ops {
		if c.Ops[op] == 0 {
			t.Errorf("%s was never checked (checked: %v)", op, sortedOps(c.Ops))
		}
	}
	for _, st := range statuses {
		if !c.Statuses[st] {
			t.Errorf("no %d answer was checked (checked: %v)", st, c.Statuses)
		}
	}
}

func sortedOps(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SpecCase is an exchange a checker must find valid, or not.
type SpecCase struct {
	Name  string
	X     Exchange
	Valid bool
}

// CheckCases makes sure check can fail: each invalid case must give a
// problem, each valid one none.
func CheckCases(t testing.TB, check func(Exchange) []Problem, cases []SpecCase) {
	t.Helper()
	for _, tc := range cases {
		probs := check(tc.X)
		if tc.Valid && len(probs) > 0 {
			t.Errorf("%s: %v", tc.Name, probs)
		}
		if !tc.Valid && len(probs) == 0 {
			t.Errorf("%s: no problem found", tc.Name)
		}
	}
}
