package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const samplesDir = "testdata/samples"

// TestSamplesReport runs the README's `compress -report testdata/samples`
// over the bundled samples (no corpus needed). It checks the structure of
// the report, not the savings, which move with the engine: one row per
// case, the shape detected as the meta file says, every must_keep string
// kept, nothing inflated.
func TestSamplesReport(t *testing.T) {
	metas, err := filepath.Glob(filepath.Join(samplesDir, "*.meta.json"))
	if err != nil || len(metas) < 6 {
		t.Fatalf("want at least 6 samples in %s, found %d (%v)", samplesDir, len(metas), err)
	}
	want := map[string]caseMeta{}
	for _, f := range metas {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m caseMeta
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want[strings.TrimSuffix(filepath.Base(f), ".meta.json")] = m
	}

	var stdout, stderr bytes.Buffer
	if code := runCompress([]string{"-report", samplesDir, "-json"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	dec := json.NewDecoder(&stdout)
	shapes := map[string]bool{}
	for dec.More() {
		var r reportRow
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		m, ok := want[r.Case]
		if !ok {
			t.Errorf("report row %q has no meta file", r.Case)
			continue
		}
		delete(want, r.Case)
		shapes[r.Shape] = true
		if r.Shape != m.Shape || r.Kind != m.Kind {
			t.Errorf("%s: shape %q kind %q, meta says %q %q", r.Case, r.Shape, r.Kind, m.Shape, m.Kind)
		}
		if r.Outcome != "modify" {
			t.Errorf("%s: outcome %q, want modify (every sample has bulky tool output)", r.Case, r.Outcome)
		}
		if r.Needles == 0 || r.Needles != len(m.MustKeep) || r.Kept != r.Needles {
			t.Errorf("%s: kept %d of %d must_keep strings (meta lists %d)", r.Case, r.Kept, r.Needles, len(m.MustKeep))
		}
		if r.TokensBefore == 0 || r.TokensAfter > r.TokensBefore {
			t.Errorf("%s: tokens %d -> %d", r.Case, r.TokensBefore, r.TokensAfter)
		}
	}
	for name := range want {
		t.Errorf("sample %s has no report row", name)
	}
	for _, s := range []string{"anthropic", "openai-chat", "openai-responses", "gemini", "bedrock-converse"} {
		if !shapes[s] {
			t.Errorf("no sample of shape %s", s)
		}
	}

	// The table form: a row per case, then the totals.
	stdout.Reset()
	if code := runCompress([]string{"-report", samplesDir}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("table: exit %d: %s", code, stderr.String())
	}
	table := stdout.String()
	for _, f := range metas {
		if name := strings.TrimSuffix(filepath.Base(f), ".meta.json"); !strings.Contains(table, name+"  ") {
			t.Errorf("table lacks a row for %s", name)
		}
	}
	if !strings.Contains(table, "TOTAL ") || !strings.Contains(table, "must_keep") {
		t.Errorf("table lacks its header or totals:\n%s", table)
	}
}

// TestSamplesGenerated: the committed samples are what gen.go writes, so
// an edit to either cannot drift from the other.
func TestSamplesGenerated(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH to run testdata/samples/gen.go")
	}
	dir := t.TempDir()
	if out, err := exec.Command(goBin, "run", filepath.Join(samplesDir, "gen.go"), "-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("gen.go: %v\n%s", err, out)
	}
	generated, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	committed, _ := filepath.Glob(filepath.Join(samplesDir, "*.json"))
	if len(generated) != len(committed) {
		t.Errorf("gen.go writes %d files, %s holds %d", len(generated), samplesDir, len(committed))
	}
	for _, g := range generated {
		name := filepath.Base(g)
		want, err := os.ReadFile(filepath.Join(samplesDir, name))
		if err != nil {
			t.Errorf("%s: generated but not committed (go run %s/gen.go)", name, samplesDir)
			continue
		}
		if got, _ := os.ReadFile(g); !bytes.Equal(got, want) {
			t.Errorf("%s differs from what gen.go writes; regenerate with go run %s/gen.go", name, samplesDir)
		}
	}
}
