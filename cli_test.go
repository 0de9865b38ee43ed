package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// TestCompressSample is the README's first command: the bundled sample hook
// call compresses without any tailnet.
func TestCompressSample(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runCompress([]string{"testdata/sample.hook.json"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var reply struct {
		Action      string          `json:"action"`
		RequestBody json.RawMessage `json:"request_body"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &reply); err != nil {
		t.Fatalf("stdout is not a hook reply: %v", err)
	}
	if reply.Action != "modify" {
		t.Fatalf("action %q; stderr: %s", reply.Action, stderr.String())
	}
	body := string(reply.RequestBody)
	for _, keep := range []string{"--- FAIL: TestPaymentCase17", `Charge(order 4411) = \"declined\", want \"approved\"`, "FAIL\\texample.com/shop/payment"} {
		if !strings.Contains(body, keep) {
			t.Errorf("compressed sample lost %q", keep)
		}
	}
	if !strings.HasPrefix(stderr.String(), "modify: shape=anthropic") || !strings.Contains(stderr.String(), "saved") {
		t.Errorf("summary line: %q", stderr.String())
	}
}

// TestCompressBareBody: a bare request body (no hook envelope) works too.
func TestCompressBareBody(t *testing.T) {
	call, err := os.ReadFile("testdata/sample.hook.json")
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		RequestBody json.RawMessage `json:"request_body"`
	}
	if err := json.Unmarshal(call, &env); err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(bare, env.RequestBody, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := runCompress([]string{"-q", bare}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), `{"action":"modify","request_body":`) {
		t.Errorf("bare body not compressed: %.200s", stdout.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("-q still printed: %s", stderr.String())
	}
}

// TestCompressReport runs the corpus report and checks the engine's
// targets hold: every must_keep kept, no case inflated, at least 80% of
// the tokens of non-code tool output removed, and no non-code tool output
// of bigUntouched tokens left as it is unless a knob protects it.
func TestCompressReport(t *testing.T) {
	dir, ok := corpus.Dir()
	if !ok {
		t.Skip("SKIP: development corpus not found; the corpus report did not run")
	}
	var stdout, stderr bytes.Buffer
	if code := runCompress([]string{"-report", dir, "-json"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	dec := json.NewDecoder(&stdout)
	n, before, after := 0, 0, 0
	for dec.More() {
		var r reportRow
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		n++
		if r.Kept != r.Needles {
			t.Errorf("%s: kept %d of %d must_keep strings", r.Case, r.Kept, r.Needles)
		}
		if r.TokensAfter > r.TokensBefore {
			t.Errorf("%s: inflated %d -> %d", r.Case, r.TokensBefore, r.TokensAfter)
		}
		for i, b := range r.Tool {
			if b.Kind == "code" {
				continue
			}
			before += b.Before
			after += b.After
			if b.After == b.Before && b.Before >= bigUntouched && !b.Protected {
				t.Errorf("%s: tool block %d (%s, %d tokens) left untouched", r.Case, i, b.Kind, b.Before)
			}
		}
	}
	if n == 0 {
		t.Error("report has no rows")
	}
	if saved := pct(before, after); saved < 80 {
		t.Errorf("non-code tool output: %d -> %d tokens, %.1f%% saved, want at least 80%%", before, after, saved)
	}

	// The table form ends with the same accounting for people.
	stdout.Reset()
	if code := runCompress([]string{"-report", dir}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"tool output by detected kind", "all but code", "left untouched: "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table report lacks %q", want)
		}
	}
}

func TestFlags(t *testing.T) {
	if _, err := parseFlags([]string{"stray"}); err == nil || !strings.Contains(err.Error(), "compress") {
		t.Errorf("stray argument: %v", err)
	}
	o, err := parseFlags([]string{"-hook-tags", "tag:aperture, tag:ci", "-local-addr", "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if got := splitList(o.access.hookTags); len(got) != 2 || got[1] != "tag:ci" {
		t.Errorf("hook tags %q", got)
	}
}
