package metrics

import (
	"bytes"
	"errors"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/promtest"
)

// docNameLint is every complaint promtool's linter makes about the scrape,
// and each one is about a name the README's Metrics section prescribes: the headroom_*
// names are kept for compatibility with headroom's exporter and dashboards,
// and the two native ones are the doc's. Any other complaint fails the test,
// and so does one of these disappearing (the list must stay exact).
var docNameLint = []string{
	`headroom_overhead_ms_count counter metrics should have "_total" suffix`,
	`headroom_overhead_ms_count metric names should not contain abbreviated units`,
	`headroom_overhead_ms_count non-histogram and non-summary metrics should not have "_count" suffix`,
	`headroom_overhead_ms_max metric names should not contain abbreviated units`,
	`headroom_overhead_ms_min metric names should not contain abbreviated units`,
	`headroom_overhead_ms_sum counter metrics should have "_total" suffix`,
	`headroom_overhead_ms_sum metric names should not contain abbreviated units`,
	`headroom_overhead_ms_sum non-histogram and non-summary metrics should not have "_sum" suffix`,
	`headroom_requests_by_model counter metrics should have "_total" suffix`,
	`headroom_requests_by_provider counter metrics should have "_total" suffix`,
	`tsheadroom_pool_slots_total non-counter metrics should not have "_total" suffix`,
	`tsheadroom_requests_by_outcome counter metrics should have "_total" suffix`,
}

// promtool exit codes (cmd/promtool): 0 clean, 1 failure (unparsable
// input), 3 lint problems only.
const promtoolLintExit = 3

// TestPromtoolCheckMetrics pipes a real scrape, with every family and
// label populated, into `promtool check metrics`: the exposition must parse,
// and the only lint complaints allowed are the ones about names the doc
// prescribes. With those families removed, the rest must pass clean (exit 0).
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := promtest.RequireBinary(t, "promtool")
	s := doScrape(t, populated(t).Handler(), "")

	code, problems := runPromtool(t, promtool, s.raw)
	if code != 0 && code != promtoolLintExit {
		t.Fatalf("promtool check metrics exited %d (not a lint result):\n%s", code, strings.Join(problems, "\n"))
	}
	if !slices.Equal(problems, docNameLint) {
		t.Fatalf("promtool lint complaints differ from the doc-prescribed names\n got:\n  %s\nwant:\n  %s",
			strings.Join(problems, "\n  "), strings.Join(docNameLint, "\n  "))
	}

	// Everything else, Go and process collectors included, lints clean.
	prescribed := map[string]bool{}
	for _, p := range docNameLint {
		prescribed[strings.Fields(p)[0]] = true
	}
	rest := dropFamilies(s.raw, prescribed)
	if strings.Contains(rest, "headroom_overhead_ms") || !strings.Contains(rest, "headroom_requests_total ") {
		t.Fatalf("family filter is wrong:\n%s", rest)
	}
	if code, problems := runPromtool(t, promtool, rest); code != 0 {
		t.Fatalf("promtool check metrics on the other families exited %d:\n%s", code, strings.Join(problems, "\n"))
	}
}

// populated returns Metrics with every family and every labelled series in
// use, "other" values included.
func populated(t testing.TB) *Metrics {
	t.Helper()
	pool := &fakePool{}
	pool.set(PoolStats{Total: 4, Busy: 2, Waiting: 1})
	hv := &fakeVersion{}
	hv.set("0.5.1")
	m := watched(t, pool, &fakeCache{}, hv)
	for i, o := range append(slices.Clone(testOutcomes), "unlisted") {
		m.ObserveCall(Call{
			Provider: []string{"anthropic", "openai", ""}[i%3], Model: []string{"claude-x", "gpt-y", ""}[i%3],
			Outcome: o, Duration: time.Duration(i+1) * 3 * time.Millisecond,
			TokensBefore: 1000, TokensAfter: 400, BytesIn: 9000, BytesOut: 4000,
			Kinds:    append(slices.Clone(testKinds), "unlisted"),
			Restores: append(slices.Clone(testReasons), "unlisted"), RestoredTokens: 50, Pressured: i%2 == 0,
		})
	}
	m.InboundStarted()()
	m.InboundStarted()
	for _, e := range append(slices.Clone(testEndpoints), "unlisted") {
		m.AccessDenied(e)
	}
	for _, r := range append(DefaultRestartReasons(), "unlisted") {
		m.WorkerRestart(r)
	}
	m.ConfigUpdated()
	m.PoolWait(4 * time.Millisecond)
	m.AffinityHit()
	m.AffinitySpill()
	m.ColdStart()
	return m
}

// runPromtool feeds text to `promtool check metrics` and returns its exit
// code and its complaint lines, sorted.
func runPromtool(t *testing.T, promtool, text string) (int, []string) {
	t.Helper()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run promtool: %v", err)
	}
	var lines []string
	for l := range strings.Lines(out.String()) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	return code, lines
}

// dropFamilies removes the HELP, TYPE and sample lines of the named
// families from a text exposition.
func dropFamilies(text string, names map[string]bool) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		name := ""
		if f := strings.Fields(line); len(f) >= 3 && (f[1] == "HELP" || f[1] == "TYPE") {
			name = f[2]
		} else if len(f) > 0 {
			name, _, _ = strings.Cut(f[0], "{")
		}
		if !names[name] {
			b.WriteString(line)
		}
	}
	return b.String()
}
