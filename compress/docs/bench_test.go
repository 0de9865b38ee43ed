package docs

import (
	"fmt"
	"strings"
	"testing"
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

// BenchmarkCompress measures throughput at kindtest.BenchSizes, with the
// engine's budget for the kind (see kindtest.Compressor.Bench).
func BenchmarkCompress(b *testing.B) {
	const task = "what does --option-7-3 change about the queue?"
	kt.Bench(b, "manual/", synthManual, task)
	kt.Bench(b, "markdown/", synthMarkdown, task)
}
