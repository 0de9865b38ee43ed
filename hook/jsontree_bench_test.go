package hook

import (
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// BenchmarkParseTree parses every corpus call with the hook's span tree and
// with compress/jsonspan, the tree the native engine reads tool output
// with. It is why the hook keeps a parser of its own (see jsontree.go):
// jsonspan sizes its node slice for dense tool-output JSON and copies the
// source, while a hook body is mostly a few long strings.
//
//	go test -run '^$' -bench ParseTree ./hook/
func BenchmarkParseTree(b *testing.B) {
	cs := corpus.Load(b)
	var total int64
	for _, c := range cs {
		total += int64(len(c.Call))
	}
	b.Run("hook", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range cs {
				if _, err := parseTree(c.Call); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("jsonspan", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range cs {
				if _, err := jsonspan.Parse(c.Call, jsonspan.Options{RejectDuplicateNames: true}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
