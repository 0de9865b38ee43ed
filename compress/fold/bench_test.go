package fold

import (
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// BenchmarkText measures the generic fold on a generated access log at
// four sizes (MB/s on one core: go test -bench Text -cpu 1).
func BenchmarkText(b *testing.B) {
	base := accessLog()
	for _, n := range []int{1, 10, 50, 200} {
		text := strings.Repeat(base, n)
		b.Run(sizeName(len(text)), func(b *testing.B) {
			q := relevance.Parse("why did the checkout request fail, and which was slowest?", "")
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				in := &Input{Text: text, Query: q, Budget: Budget{Bytes: 2048 + len(text)/30, Lossy: true}}
				Text(in)
			}
		})
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return strings.TrimSuffix(strings.TrimSuffix(fmtInt(n>>20)+"MB", ""), "")
	default:
		return fmtInt(n>>10) + "KB"
	}
}

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
