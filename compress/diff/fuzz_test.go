package diff

import (
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
)

// FuzzCompress: on any text, Detect and Compress return without panicking
// and, when Compress changes the text, the output is shorter, every line
// outside notes is a line of the input, every hunk is a whole hunk of the
// input, no note sits before a hunk header, and the output is
// deterministic (checkOutput).
func FuzzCompress(f *testing.F) {
	seeds := kindtest.Fixtures(f, "checkBookmarkURL export 38b7ed5", 600, "log-p.txt", "log-stat.txt", "log-graph.txt", "mail.patch", "apply/changes.diff", "diff-u.txt")
	seeds = append(seeds,
		kindtest.Seed{Text: "@@ -1,2 +1,2 @@\n-a\n+b\n c\n", Task: "a", Bytes: 1},
		kindtest.Seed{Text: "--- a\n+++ b\n@@ -1 +1 @@\n-\n+\n\\ x\n@@@ -1 -1 +1 @@@\n", Bytes: 3},
		kindtest.Seed{Text: "commit 0123456789abcdef0123456789abcdef01234567\nAuthor: x\n\n    m\n", Task: "0123456", Bytes: 2},
	)
	kt.FuzzBudget(f, seeds, func(t *testing.T, in *fold.Input, out string) {
		if err := checkOutput(in, out); err != nil {
			t.Fatalf("%v\n--- input:\n%s\n--- output:\n%s", err, in.Text, out)
		}
	})
}
