// Package corpus finds and reads the shared development corpus of hook calls
// (../shared/corpus next to the repository) for tests, benchmarks and the
// load generator. The
// corpus is third-party text: it is read in place, never copied into the
// repository, and tests skip with a clear message where it is absent.
package corpus

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Case is one corpus entry: a hook call and what it must keep.
type Case struct {
	Name     string
	Call     []byte
	Kind     string   `json:"kind"`
	Shape    string   `json:"shape"`
	MustKeep []string `json:"must_keep"`
	Session  string   `json:"session"`
	Turn     int      `json:"turn"`
}

// Dir returns the corpus directory: $TSHEADROOM_CORPUS, else ../shared/corpus
// beside the module root found above the working directory. ok is false
// when there is none.
func Dir() (string, bool) {
	if d := os.Getenv("TSHEADROOM_CORPUS"); d != "" {
		return d, isDir(d)
	}
	root, ok := moduleRoot()
	if !ok {
		return "", false
	}
	c := filepath.Join(filepath.Dir(root), "shared", "corpus")
	return c, isDir(c)
}

// SamplesDir returns the repository's own testdata/samples, found as Dir
// finds the corpus: the load generator's fallback where there is none.
func SamplesDir() (string, bool) {
	root, ok := moduleRoot()
	if !ok {
		return "", false
	}
	s := filepath.Join(root, "testdata", "samples")
	return s, isDir(s)
}

// moduleRoot returns the directory of the go.mod at or above the working
// directory.
func moduleRoot() (string, bool) {
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// Load reads every case, sorted by name, or skips the test when the corpus
// is absent.
func Load(tb testing.TB) []Case {
	tb.Helper()
	dir, ok := Dir()
	if !ok {
		tb.Skipf("SKIP: development corpus not found (want ../shared/corpus beside the repository, or $TSHEADROOM_CORPUS); corpus-driven checks did not run")
	}
	cases, err := Read(dir)
	if errors.Is(err, ErrEmpty) {
		tb.Skipf("SKIP: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return cases
}

// ErrEmpty is Read's error for a directory without hook calls.
var ErrEmpty = errors.New("no *.hook.json files")

// Read reads every NAME.hook.json in dir, with its NAME.meta.json when
// there is one, sorted by name. It is Load for programs, such as the load
// generator, that read the corpus at run time.
func Read(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.hook.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: %w", dir, ErrEmpty)
	}
	sort.Strings(files)
	cases := make([]Case, 0, len(files))
	for _, f := range files {
		call, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		c := Case{Name: strings.TrimSuffix(filepath.Base(f), ".hook.json"), Call: call}
		if meta, err := os.ReadFile(strings.TrimSuffix(f, ".hook.json") + ".meta.json"); err == nil {
			if err := json.Unmarshal(meta, &c); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// Texts returns every string value of the case's request body, decoded,
// and, after a string that holds a JSON object (as Codex sends tool output),
// the strings inside it; object members come in name order. It is for tests
// of code that works on any text, such as a tokenizer: it knows nothing of
// conversations. Tests that need the blocks an engine is handed build them
// with the hook, above the engine.
func (c Case) Texts(tb testing.TB) []string {
	tb.Helper()
	var call struct {
		RequestBody any `json:"request_body"`
	}
	if err := json.Unmarshal(c.Call, &call); err != nil {
		tb.Fatalf("%s: %v", c.Name, err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
			var inner map[string]any
			if strings.HasPrefix(strings.TrimSpace(v), "{") && json.Unmarshal([]byte(v), &inner) == nil {
				walk(inner)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k])
			}
		}
	}
	walk(call.RequestBody)
	return out
}
