package compress

import (
	"fmt"
	"strings"
	"testing"
)

// Linearity benchmarks: the inputs that made compressors superlinear (a
// JSON array of objects with many distinct keys; a log read against a task
// of hundreds of terms), at growing sizes. Run with
//
//	go test ./compress/ -run '^$' -bench '^BenchmarkLinear' -cpu 1 -benchmem
//
// ns/MB (cpu-MB/s) should stay within 2x across sizes.

// genManyKeyJSON returns about size bytes of a JSON array of objects whose
// keys are mostly distinct: each object has a few shared keys and several
// of its own, as a map of per-id attributes dumped as records would.
func genManyKeyJSON(size int) string {
	var sb strings.Builder
	sb.Grow(size + 256)
	sb.WriteString("[")
	for i := 0; sb.Len() < size; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"id":%d,"kind":"item","attr_%d_name":"value %d",`+
			`"attr_%d_size":%d,"attr_%d_owner":"user-%d","metric_%d":%d.%d}`,
			i, i, i, i, 100+i%977, i, i%311, i, i%1000, i%10)
	}
	sb.WriteString("]")
	return sb.String()
}

// genTaskTerms returns a task naming n distinct terms: words, identifiers
// and numbers, a few of which occur in genLog's lines.
func genTaskTerms(n int) string {
	var sb strings.Builder
	sb.WriteString("why did the upload fail?")
	for i := 1; i < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&sb, " worker-%d", i)
		case 1:
			fmt.Fprintf(&sb, " batch%dx", i)
		case 2:
			fmt.Fprintf(&sb, " shard-%d.%d", i, i%7)
		default:
			fmt.Fprintf(&sb, " term%sword", strings.Repeat("q", 1+i%5))
		}
	}
	return sb.String()
}

var linearSizes = []int{200 << 10, 800 << 10, 3400 << 10, 13 << 20}

func BenchmarkLinearJSON(b *testing.B) {
	const task = "which attr_1234_owner is user-17?"
	for _, size := range linearSizes {
		text := genManyKeyJSON(size)
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			benchPipeline(b, text, task)
		})
	}
}

func BenchmarkLinearLogTerms(b *testing.B) {
	text := genKind(KindLog, 1<<20)
	for _, n := range []int{1, 50, 700} {
		task := genTaskTerms(n)
		b.Run(fmt.Sprintf("terms=%d", n), func(b *testing.B) {
			benchPipeline(b, text, task)
		})
	}
}
