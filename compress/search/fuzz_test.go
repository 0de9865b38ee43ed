package search

import "testing"

// FuzzCompress checks, on any input, that Detect and Compress do not
// panic, and that a rewrite is shorter, keeps lines verbatim outside notes
// and is deterministic.
func FuzzCompress(f *testing.F) {
	kt.Fuzz(f,
		"a.go:1:x\na.go:2:y\n--\nb.go-3-z\nb.go:4:w\n",
		"x:1\ny:0\nz:12\n",
		"/p/q.js\n  1:2  error  m  r\n\n/p/r.js\n  3:4  warn  m  r\n",
		"1a2b3c4d5 (A B 2020-01-02 03:04:05 +0000  1) x\n1a2b3c4d5 (A B 2020-01-02 03:04:05 +0000  2) y\n",
	)
}
