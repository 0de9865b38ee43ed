package compress

import (
	"strings"
	"testing"
)

// Fuzz tests of the log, search, listing and diff compressors: whatever
// the input and task, they never panic, never return output that is not
// shorter, keep every line with an error signal (and every line with a
// rare task term) whole, introduce no retrieval marker, and are
// deterministic (see checkOutput). Run one at a time, e.g.
//
//	go test ./compress/ -run '^$' -fuzz FuzzCompressLog -fuzztime 60s

// fuzzKind runs checkOutput on one fuzz input. mode picks the profile:
// default, agent-90 or a keep ratio.
func fuzzKind(t *testing.T, comp contentCompressor, text, term string, mode byte) {
	h := &hints{}
	if t := strings.ToLower(strings.TrimSpace(term)); len(t) >= 3 && !strings.Contains(t, "\n") {
		h.taskTerms = []string{t}
	}
	switch mode % 3 {
	case 1:
		h.aggressive = true
	case 2:
		h.keepRatio = 0.3
	}
	checkOutput(t, "fuzz", comp, text, h)
}

func addSeeds(f *testing.F, texts ...string) {
	for i, s := range texts {
		f.Add(s, "needle", byte(i))
	}
	f.Add("", "", byte(0))
	f.Add("\n\n\n", "x", byte(1))
	f.Add("error\nerror\nerror\n", "error", byte(2))
}

func FuzzCompressLog(f *testing.F) {
	addSeeds(f, genServiceLog(6<<10), genGoTestOutput(2), "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n",
		"Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nValueError: bad\n")
	for _, name := range []string{"log_gotest.txt", "log_panic.txt", "log_traceback.txt"} {
		f.Add(readFixture(f, name), "indexed", byte(0))
	}
	f.Fuzz(func(t *testing.T, text, term string, mode byte) {
		fuzzKind(t, compressLog, text, term, mode)
		_ = looksLikeLog(text)
	})
}

func FuzzCompressSearch(f *testing.F) {
	addSeeds(f, genGrepHits(30, 5), "a.go:1:x\n--\nb.go-2-y\nb.go:3:z\n", "Exit code: 0\nOutput:\na:1:b\na:2:c\n")
	for _, name := range []string{"search_grep.txt", "search_context.txt"} {
		f.Add(readFixture(f, name), "store", byte(0))
	}
	f.Fuzz(func(t *testing.T, text, term string, mode byte) {
		fuzzKind(t, compressSearch, text, term, mode)
		_ = looksLikeSearch(text)
	})
}

func FuzzCompressListing(f *testing.F) {
	addSeeds(f, genFindPaths(200), genTree(6, 8), genLsLa(2, 30), "dir:\ntotal 0\ncrw-rw-rw- 1 root root 1, 3 Jan  1 00:00 null\n")
	for _, name := range []string{"listing_paths.txt", "listing_tree.txt"} {
		f.Add(readFixture(f, name), "resume", byte(0))
	}
	f.Fuzz(func(t *testing.T, text, term string, mode byte) {
		fuzzKind(t, compressListing, text, term, mode)
		_ = looksLikeListing(text)
	})
}
