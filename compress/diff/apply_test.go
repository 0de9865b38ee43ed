package diff

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/internal/testenv"
)

// The output of a lossy pass is still a patch: real patch tools accept
// it against the tree the original diff was made from, and applying it
// makes exactly the changes of the hunks it kept.

// tree copies testdata/apply/before into a new directory.
func tree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", "apply", "before")
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// run runs a command in dir and fails the test with its output on error.
func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func TestKeptHunksStillApply(t *testing.T) {
	for _, tool := range []string{"git", "patch"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, tool, "apt-get install "+tool)
		}
	}
	text := kindtest.Fixture(t, "apply/changes.diff")
	for _, task := range []string{
		"Where is checkBookmarkURL defined and where is it called?",
		"what changed in the README?",
		"",
	} {
		out := compress(t, kt.LossyInput(text, task, 2500))
		if strings.Count(out, "\n@@ ") >= strings.Count(text, "\n@@ ") || !strings.Contains(out, "[... ") {
			t.Fatalf("task %q: no hunk was dropped:\n%s", task, out)
		}
		dir := tree(t)
		patch := filepath.Join(t.TempDir(), "kept.diff")
		if err := os.WriteFile(patch, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, dir, "git", "apply", "--check", patch)
		run(t, dir, "patch", "--dry-run", "-p1", "-i", patch)
		// Applied, the tree holds the added lines of every kept hunk.
		run(t, dir, "git", "apply", patch)
		d := parse(lines.Split(out))
		for _, h := range d.hunks {
			p := d.parts[h.part]
			f := d.files[d.parts[h.part].file]
			b, err := os.ReadFile(filepath.Join(dir, f.path))
			if err != nil {
				t.Fatalf("task %q: %v", task, err)
			}
			for _, l := range d.b.L[p.from+1 : p.to] {
				if strings.HasPrefix(l, "+") && !strings.Contains(string(b), l[1:]+"\n") {
					t.Errorf("task %q: %s lacks the kept line %q", task, f.path, l)
				}
			}
		}
	}
}
