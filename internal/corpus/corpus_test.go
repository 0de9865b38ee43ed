package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/testenv"
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
	if !testenv.Skips(t, "load", func(tb testing.TB) { Load(tb) }) {
		t.Error("Load did not skip without a corpus")
	}
}

func TestTexts(t *testing.T) {
	c := Case{Name: "x", Call: []byte(`{"metadata":{"url":"skip me"},"request_body":{"z":"last","a":[1,"first",{"k":"second"}],` +
		`"m":"{\"output\":\"inner\",\"n\":2}"}}`)}
	got := strings.Join(c.Texts(t), "|")
	if want := `first|second|{"output":"inner","n":2}|inner|last`; got != want {
		t.Errorf("Texts = %q, want %q", got, want)
	}
}

// TestReadErrors: Read reports an empty directory as ErrEmpty and a bad
// meta file with its name, without a testing.TB.
func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty dir: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "x.hook.json"), []byte(`{}`), 0o600)
	os.WriteFile(filepath.Join(dir, "x.meta.json"), []byte(`{`), 0o600)
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "x.hook.json") {
		t.Errorf("bad meta: %v", err)
	}
}
