package diff

import (
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// FuzzCompress: on any text, Detect and Compress return without panicking
// and, when Compress changes the text, the output is shorter, every line
// outside notes is a line of the input, every hunk is a whole hunk of the
// input, no note sits before a hunk header, and the output is
// deterministic (checkOutput).
func FuzzCompress(f *testing.F) {
	for _, name := range []string{"log-p.txt", "log-stat.txt", "log-graph.txt", "mail.patch", "apply/changes.diff", "diff-u.txt"} {
		f.Add(fixture(f, name), "checkBookmarkURL export 38b7ed5", uint16(600))
	}
	f.Add("@@ -1,2 +1,2 @@\n-a\n+b\n c\n", "a", uint16(1))
	f.Add("--- a\n+++ b\n@@ -1 +1 @@\n-\n+\n\\ x\n@@@ -1 -1 +1 @@@\n", "", uint16(3))
	f.Add("commit 0123456789abcdef0123456789abcdef01234567\nAuthor: x\n\n    m\n", "0123456", uint16(2))
	f.Fuzz(func(t *testing.T, text, task string, budget uint16) {
		Detect(text)
		in := &fold.Input{Text: text, Query: relevance.Parse(task, ""), Budget: fold.Budget{Bytes: int(budget), Lossy: true}}
		out, ok := Compress(in)
		if !ok {
			return
		}
		if err := checkOutput(in, out); err != nil {
			t.Fatalf("%v\n--- input:\n%s\n--- output:\n%s", err, text, out)
		}
	})
}
