package compress

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// longRow is a process row carrying a long environment, with marker in
// the middle of it.
func longRow(pid int, marker string) string {
	var env strings.Builder
	for i := range 90 {
		fmt.Fprintf(&env, "VAR_%02d=value-%02d ", i, i)
		if i == 30 {
			env.WriteString(marker + " ")
		}
	}
	return fmt.Sprintf("svc %6d  0.0  0.1 runner --env %s--end", pid, env.String())
}

func TestClipLongLines(t *testing.T) {
	var sb strings.Builder
	for i := range 40 {
		sb.WriteString(longRow(100+i, fmt.Sprintf("TOKEN_%d", i)) + "\n")
	}
	out := sb.String()
	budget := len(out) / 4

	clipped := clipLongLines(out, relevance.Parse("which runner has TOKEN_17 set?", ""), budget)
	if len(clipped) >= len(out)/2 {
		t.Fatalf("clipped %d bytes of %d", len(clipped), len(out))
	}
	for i, l := range lines.Split(clipped).L {
		orig := lines.Split(out).L[i]
		if !strings.HasPrefix(l, orig[:clipHead]) || !strings.HasSuffix(l, orig[len(orig)-clipTail:]) {
			t.Errorf("line %d lost its head or tail: %q", i, l)
		}
		if !strings.Contains(l, "bytes of this line omitted") {
			t.Errorf("line %d has no note: %q", i, l)
		}
		lines.WithoutNotes(l, func(part string) {
			if !strings.Contains(orig, part) {
				t.Errorf("line %d keeps %q, which is not in the original", i, part)
			}
		})
	}
	if !strings.Contains(clipped, "TOKEN_17 ") {
		t.Error("the text around the task's term was cut")
	}

	// Within budget, nothing is cut; asked to quote a line, that line
	// stays whole.
	if got := clipLongLines(out, relevance.Parse("", ""), len(out)); got != out {
		t.Error("a block within budget was cut")
	}
	quoted := clipLongLines(out, relevance.Parse("Paste the exact row that sets TOKEN_17.", ""), budget)
	if !strings.Contains(quoted, longRow(117, "TOKEN_17")+"\n") {
		t.Error("the row asked for verbatim was cut")
	}
	if strings.Contains(quoted, longRow(118, "TOKEN_18")) {
		t.Error("rows not asked for were left whole")
	}
}

// A multi-byte character is never split by a cut.
func TestClipLineRuneBoundaries(t *testing.T) {
	line := strings.Repeat("é", 1500)
	got := clipLine(line, nil)
	lines.WithoutNotes(got, func(part string) {
		if !strings.Contains(line, part) || !strings.HasPrefix(part, "é") && part != "" {
			t.Fatalf("cut inside a rune: %q", part[:min(8, len(part))])
		}
	})
}
