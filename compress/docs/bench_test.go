package docs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// synthManual writes a manual page of about n bytes: sections of option
// entries with wrapped descriptions.
func synthManual(n int) string {
	var sb strings.Builder
	sb.WriteString("TOOL(1)                     User Commands                     TOOL(1)\n\nNAME\n       tool - does things\n\n")
	for s := 0; sb.Len() < n; s++ {
		fmt.Fprintf(&sb, "SECTION %d\n", s)
		for e := 0; e < 20 && sb.Len() < n; e++ {
			fmt.Fprintf(&sb, "       --option-%d-%d\n", s, e)
			for l := 0; l < 3; l++ {
				fmt.Fprintf(&sb, "              The option %d of section %d changes how the walker orders its queue, line %d.\n", e, s, l)
			}
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

// synthMarkdown writes a markdown document of about n bytes.
func synthMarkdown(n int) string {
	var sb strings.Builder
	sb.WriteString("# Tool\n\nTool walks trees.\n\n")
	for s := 0; sb.Len() < n; s++ {
		fmt.Fprintf(&sb, "## Part %d\n\n", s)
		for p := 0; p < 4; p++ {
			fmt.Fprintf(&sb, "Paragraph %d of part %d explains how the planner\norders work by cost so that slow disks do not stall.\n\n", p, s)
		}
		sb.WriteString("```sh\n$ tool --part " + fmt.Sprint(s) + "\n```\n\n- an item\n- another item\n\n")
	}
	return sb.String()
}

func BenchmarkCompress(b *testing.B) {
	q := relevance.Parse("what does --option-7-3 change about the queue?", "")
	for _, gen := range []struct {
		name string
		f    func(int) string
	}{{"manual", synthManual}, {"markdown", synthMarkdown}} {
		for _, size := range []int{64 << 10, 256 << 10, 1 << 20, 4 << 20} {
			text := gen.f(size)
			b.Run(fmt.Sprintf("%s/%dKiB", gen.name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					in := &fold.Input{Text: text, Query: q, Budget: fold.Budget{Bytes: 2048 + len(text)/10, Lossy: true}}
					if _, ok := Compress(in); !ok {
						b.Fatal("not compressed")
					}
				}
			})
		}
	}
}
