package jsonspan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/cputime"
)

// Parse throughput on one core (wall-clock and CPU time), indented and
// compact JSON:
//
//	go test ./compress/jsonspan/ -run '^$' -bench . -cpu 1 -benchmem

func genDoc(n int, indent bool) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		if indent {
			fmt.Fprintf(&b, "\n  {\n    \"id\": %d,\n    \"name\": \"pkg-%d\",\n    \"version\": \"1.%d.%d\",\n    \"size\": %d.5,\n    \"tags\": [\"a\", \"b\"],\n    \"ok\": true\n  }", i, i, i%13, i%7, i*37)
		} else {
			fmt.Fprintf(&b, `{"id":%d,"name":"pkg-%d","version":"1.%d.%d","size":%d.5,"tags":["a","b"],"ok":true}`, i, i, i%13, i%7, i*37)
		}
	}
	b.WriteString("\n]\n")
	return b.String()
}

func BenchmarkParse(b *testing.B) {
	for _, indent := range []bool{true, false} {
		for _, n := range []int{1000, 10000, 100000} {
			s := genDoc(n, indent)
			b.Run(fmt.Sprintf("indent=%v/%dKB", indent, len(s)>>10), func(b *testing.B) {
				b.SetBytes(int64(len(s)))
				b.ReportAllocs()
				cpu := cputime.Now()
				for b.Loop() {
					if _, err := ParseString(s, Options{}); err != nil {
						b.Fatal(err)
					}
				}
				cputime.ReportMBps(b, cpu, len(s))
			})
		}
	}
}
