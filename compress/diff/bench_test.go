package diff

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
)

// bigLog repeats the log -p fixture to about n bytes, renumbering the
// functions of each copy so that the copies are not identical.
func bigLog(b *testing.B, n int) string {
	base := kindtest.Fixture(b, "log-p.txt")
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString(strings.ReplaceAll(base, "helper", "helper"+strconv.Itoa(i)+"x"))
	}
	return sb.String()
}

// BenchmarkCompress measures throughput on git log -p output at four
// sizes; the time per byte should stay flat (linear time).
func BenchmarkCompress(b *testing.B) {
	for _, size := range []int{64 << 10, 256 << 10, 1 << 20, 4 << 20} {
		text := bigLog(b, size)
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			const task = "When was the /export endpoint added, and which files did that commit change?"
			budget := 2048 + len(text)*12/100 // the engine's share for diffs
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := Compress(kt.LossyInput(text, task, budget)); !ok {
					b.Fatal("no change")
				}
			}
		})
	}
}

// BenchmarkDetect measures detection, which reads a bounded sample.
func BenchmarkDetect(b *testing.B) {
	text := bigLog(b, 1<<20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if !Detect(text) {
			b.Fatal("not detected")
		}
	}
}
