// Package corpus finds and reads the shared development corpus of hook calls
// (../shared/corpus next to the repository) for tests and benchmarks. The
// corpus is third-party text: it is read in place, never copied into the
// repository, and tests skip with a clear message where it is absent.
package corpus

import (
	_ "embed"
	"encoding/json"
	"os"
	"path/filepath"
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
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			c := filepath.Join(filepath.Dir(d), "shared", "corpus")
			return c, isDir(c)
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
	files, err := filepath.Glob(filepath.Join(dir, "*.hook.json"))
	if err != nil || len(files) == 0 {
		tb.Skipf("SKIP: no *.hook.json in %s", dir)
	}
	sort.Strings(files)
	cases := make([]Case, 0, len(files))
	for _, f := range files {
		call, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		c := Case{Name: strings.TrimSuffix(filepath.Base(f), ".hook.json"), Call: call}
		if meta, err := os.ReadFile(strings.TrimSuffix(f, ".hook.json") + ".meta.json"); err == nil {
			if err := json.Unmarshal(meta, &c); err != nil {
				tb.Fatalf("%s: %v", f, err)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

//go:embed known-failures.txt
var knownFailures string

// KnownFailure reports whether the named case is on the list of cases the
// native engine is known to fail (known-failures.txt, shared with .ci/run).
// Tests report such a case's lost strings instead of failing on them; the
// list only ever shrinks.
func KnownFailure(name string) bool {
	for _, l := range strings.Split(knownFailures, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && l == name {
			return true
		}
	}
	return false
}

// KnownFailure reports whether c is on the known-failures list.
func (c Case) KnownFailure() bool { return KnownFailure(c.Name) }
