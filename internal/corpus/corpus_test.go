package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadReadsCasesAndMeta(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("b.t2.hook.json", `{"metadata":{},"request_body":{}}`)
	write("b.t2.meta.json", `{"kind":"session","shape":"anthropic","must_keep":["x"],"session":"b","turn":2}`)
	write("a.hook.json", `{"request_body":{}}`)
	t.Setenv("TSHEADROOM_CORPUS", dir)
	if d, ok := Dir(); !ok || d != dir {
		t.Fatalf("Dir() = %q, %v", d, ok)
	}
	cases := Load(t)
	if len(cases) != 2 || cases[0].Name != "a" || cases[1].Name != "b.t2" {
		t.Fatalf("cases %+v", cases)
	}
	if c := cases[1]; c.Kind != "session" || c.Turn != 2 || c.Session != "b" || len(c.MustKeep) != 1 || string(c.Call) != `{"metadata":{},"request_body":{}}` {
		t.Errorf("case b.t2: %+v", c)
	}
}

func TestLoadSkipsWithoutCorpus(t *testing.T) {
	t.Setenv("TSHEADROOM_CORPUS", filepath.Join(t.TempDir(), "absent"))
	var skipped bool
	t.Run("load", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Load(t)
	})
	if !skipped {
		t.Error("Load did not skip without a corpus")
	}
}

func TestStringsFindsNestedOutputs(t *testing.T) {
	c := Case{Call: []byte(`{"request_body":{"input":[{"type":"function_call_output","output":"{\"output\":\"a tool output long enough to count\",\"metadata\":{}}"},{"text":"short"}]}}`)}
	got := c.Strings(25)
	if len(got) != 1 || got[0] != "a tool output long enough to count" {
		t.Errorf("Strings = %q", got)
	}
}
