package tokens

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/tiktoken-go/tokenizer"
)

// checkCountsMatchLibrary fails unless the direct o200k and cl100k counts
// agree with the tokenizer library's: every piece of every text merges to
// as many tokens as the library makes of it (from a cold and from a warm
// piece cache), and every text counts what the library counts.
//
// Two known differences are left out, where the library departs from
// OpenAI's tiktoken and this package follows tiktoken
// (TestCountMatchesTiktoken checks those counts against tiktoken itself):
// the library splits a run of blank lines that holds other whitespace
// ("\n \n") at each line break, where tiktoken keeps the run up to its
// last line break as one piece (libSplitsBlankLines), and it drops DEL
// (libDropsDEL).
func checkCountsMatchLibrary(t *testing.T, texts []string) {
	t.Helper()
	for _, enc := range []struct {
		e   *encoding
		lib tokenizer.Codec
	}{{o200k(), libO200k()}, {cl100k(), libCl100k()}} {
		libCount := func(s string) int {
			n, err := enc.lib.Count(s)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		memo := map[string]int{}
		for i, s := range texts {
			if libDropsDEL(s) {
				continue
			}
			deviates := false
			pretokenize(s, enc.e.o200k, func(p string) {
				if !utf8.ValidString(p) {
					p = replaceInvalid(p)
				}
				if libSplitsBlankLines(p) {
					deviates = true
					return
				}
				want, ok := memo[p]
				if !ok {
					want = libCount(p)
					memo[p] = want
				}
				for pass := range 2 {
					if got := enc.e.pieceTokens(p); got != want {
						t.Errorf("%s text %d: piece %q (pass %d): %d tokens, library says %d", enc.e.name, i, p, pass, got, want)
					}
				}
			})
			if deviates {
				continue
			}
			if got, want := (bpeCounter{enc.e}).Count(s), libCount(s); got != want {
				t.Errorf("%s text %d (%d bytes, starts %.60q): Count = %d, library says %d",
					enc.e.name, i, len(s), s, got, want)
			}
		}
	}
}

// libSplitsBlankLines reports whether p is a piece of whitespace with a line
// break, then whitespace other than line breaks, then a line break: the
// tokenizer library cuts it after the first line breaks ("\n \n" as "\n",
// " \n"), OpenAI's tiktoken does not.
func libSplitsBlankLines(p string) bool {
	if strings.TrimSpace(p) != "" {
		return false
	}
	i := strings.IndexAny(p, "\r\n")
	if i < 0 {
		return false
	}
	rest := strings.TrimLeft(p[i:], "\r\n")
	return rest != "" && strings.ContainsAny(rest, "\r\n")
}

// TestCountMatchesLibrary: the direct count equals the library's on
// generated and hand-picked texts; TestCountMatchesLibraryCorpus does the
// corpus.
func TestCountMatchesLibrary(t *testing.T) {
	texts := []string{
		genMixed(300),
		"Ünïcödé 日本語 don't \xff  \n\n x",
		"", "a", " ", "\xff", "\xe2\x82", "a\xffb\xfe\xfdc  \xc3",
		// Pieces past the stack merge (64 bytes) and past the cache (1 KB).
		strings.Repeat("a", 63), strings.Repeat("a", 65), strings.Repeat("ab", 700),
		strings.Repeat("-", 200), strings.Repeat("=+", 3000),
		" " + strings.Repeat("Zq", 40) + strings.Repeat("xy", 40),
		strings.Repeat("日本語", 50), strings.Repeat("😀", 40),
		strings.Repeat("\xff", 100),
		base64ish(5000),
	}
	checkCountsMatchLibrary(t, texts)
}

// base64ish returns n bytes of letters, digits and +/ in a fixed
// pseudo-random order (hashes, keys, blobs: long runs the merges work on).
func base64ish(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func FuzzCount(f *testing.F) {
	for _, s := range genSamples(3) {
		f.Add(s)
	}
	f.Add("a\xffb  \t\r\n don't 123456 ü 日本 \x01")
	f.Add(strings.Repeat("xY", 50))
	f.Fuzz(func(t *testing.T, s string) {
		checkCountsMatchLibrary(t, []string{s})
	})
}

// TestMergeHeapMatchesScan: the heap merge (long pieces) gives the scan's
// counts on random pieces short enough for both.
func TestMergeHeapMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabets := []string{"ab", "abc ", "etaoinshrdlu", "0123456789abcdef", "-=_*#", "ÄÖÜäöü日本"}
	for _, e := range []*encoding{o200k(), cl100k()} {
		for i := range 3000 {
			alpha := alphabets[i%len(alphabets)]
			n := 2 + r.IntN(smallPiece-1)
			var sb strings.Builder
			for sb.Len() < n {
				sb.WriteByte(alpha[r.IntN(len(alpha))])
			}
			p := sb.String()
			if len(p) > smallPiece {
				p = p[:smallPiece]
			}
			if got, want := e.mergeHeap(p), e.merge(p); got != want {
				t.Fatalf("%s: %q: heap merge %d, scan %d", e.name, p, got, want)
			}
		}
	}
}

func TestEncodingTable(t *testing.T) {
	for _, tc := range []struct {
		e    *encoding
		size int
	}{{o200k(), 199998}, {cl100k(), 100256}} {
		if got := len(tc.e.starts) - 1; got != tc.size {
			t.Errorf("%s: %d ranks, want %d", tc.e.name, got, tc.size)
		}
		lib := libO200k()
		if !tc.e.o200k {
			lib = libCl100k()
		}
		// Every token's bytes must find its own rank.
		for r := range uint32(len(tc.e.starts) - 1) {
			if got, ok := tc.e.rank(tc.e.token(r)); !ok || got != r {
				t.Fatalf("%s: token %d %q looks up as %d, %v", tc.e.name, r, tc.e.token(r), got, ok)
			}
		}
		for _, w := range []string{" the", "hello", " world", "ing", "\n\n"} {
			ids, _, _ := lib.Encode(w)
			if got, ok := tc.e.rank(w); len(ids) != 1 || !ok || uint(got) != ids[0] {
				t.Errorf("%s: rank(%q) = %d, %v; library ids %v", tc.e.name, w, got, ok, ids)
			}
		}
		if _, ok := tc.e.rank("no such token, surely"); ok {
			t.Errorf("%s: a sentence is one token", tc.e.name)
		}
	}
}

func TestReplaceInvalid(t *testing.T) {
	for in, want := range map[string]string{
		"abc":        "abc",
		"\xff":       "\uFFFD",
		"a\xe2\x82b": "a\uFFFD\uFFFDb",
		"ü\xc3":      "ü\uFFFD",
	} {
		if got := replaceInvalid(in); got != want || !utf8.ValidString(got) {
			t.Errorf("replaceInvalid(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPieceCacheBoundedAndKeepsHotEntries(t *testing.T) {
	c := newPieceCache(cacheConfig{Entries: cacheShards * 4, Bytes: cacheShards * 64})
	hash := func(p string) uint64 { return uint64(len(p))<<58 | uint64(p[0]) } // all in shard len(p)
	hot := "hot0"
	c.put(hash(hot), hot, 7)
	for i := range 1000 {
		p := fmt.Sprintf("k%03d", i) // same length: same shard as hot
		c.put(hash(p)+uint64(i), p, i)
		if n, ok := c.get(hash(hot), hot); !ok || n != 7 {
			t.Fatalf("after %d inserts the hot entry is %d, %v", i, n, ok)
		}
		s := c.shard(hash(hot))
		if len(s.cur.index) > c.maxEntries || len(s.old.index) > c.maxEntries {
			t.Fatalf("shard holds %d+%d entries, bound %d", len(s.cur.index), len(s.old.index), c.maxEntries)
		}
	}
	// A colliding hash with other bytes is a miss, not a wrong count.
	if _, ok := c.get(hash(hot), "hot1"); ok {
		t.Error("a different piece with the same hash hit")
	}
	// Too long to cache, and a disabled cache.
	long := strings.Repeat("x", maxCachedPiece+1)
	c.put(1, long, 3)
	if _, ok := c.get(1, long); ok {
		t.Error("a piece over maxCachedPiece was cached")
	}
	off := newPieceCache(cacheConfig{})
	off.put(1, "ab", 2)
	off.putShort(packShort("ab"), 2)
	if _, ok := off.get(1, "ab"); ok {
		t.Error("a disabled cache hit")
	}
	if _, ok := off.getShort(packShort("ab")); ok {
		t.Error("a disabled short cache hit")
	}
}

func TestCacheShardsOnSeparateLines(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the padding is sized for 64-bit words")
	}
	if n := unsafe.Sizeof(cacheShard{}); n%64 != 0 {
		t.Errorf("cacheShard is %d bytes, not a multiple of a cache line", n)
	}
}

func TestShortCache(t *testing.T) {
	c := newPieceCache(cacheConfig{Short: 3}) // rounds up to 4 slots
	if len(c.short) != 4 {
		t.Fatalf("%d short slots, want 4", len(c.short))
	}
	// Every piece of up to maxShort bytes, its count up to maxShort,
	// comes back, or (after a colliding put) misses: never a wrong count.
	pieces := []string{"ab", "\x00\x00", "\xff\xff\xff\xff\xff\xff\xff", "abcdefg", "a\x00", "zz"}
	for i, p := range pieces {
		c.putShort(packShort(p), 2+i%6)
		if n, ok := c.getShort(packShort(p)); !ok || n != 2+i%6 {
			t.Errorf("%q: got %d, %v right after put", p, n, ok)
		}
		for j, q := range pieces {
			if n, ok := c.getShort(packShort(q)); ok && n != 2+j%6 {
				t.Errorf("%q: wrong count %d", q, n)
			}
		}
	}
	if packShort("a") == packShort("a\x00") || packShort("") == packShort("\x00") {
		t.Error("packShort maps two strings to one key")
	}
}

// TestCountConcurrent counts from many goroutines through a small cache
// that rotates constantly (run with -race).
func TestCountConcurrent(t *testing.T) {
	e := *cl100k()
	e.cache = newPieceCache(cacheConfig{Short: 64, Entries: 256, Bytes: 4 << 10})
	texts := genSamples(100)
	want := map[string]int{}
	for k, s := range texts {
		n, _ := libCl100k().Count(s)
		want[k] = n
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				k := []string{"log", "json", "table", "markup", "prose"}[(g+i)%5]
				if got := e.count(texts[k]); got != want[k] {
					t.Errorf("%s: %d, want %d", k, got, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}
