package hook

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// checkFastTree checks fastTree against the decoder on src: whatever the
// fast parser accepts, the decoder accepts with the same tree.
func checkFastTree(t *testing.T, src []byte, maxValues int) (fast bool) {
	t.Helper()
	got, ok := fastTree(src, maxValues)
	want, err := decodeTree(src, maxValues)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("fastTree accepted what the decoder refuses (%v): %q", err, trim(src))
	}
	if !sameTree(got, want) {
		t.Fatalf("fastTree and the decoder disagree on %q", trim(src))
	}
	return true
}

func trim(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

func sameTree(a, b *node) bool {
	if a.kind != b.kind || a.start != b.start || a.end != b.end || !slices.Equal(a.keys, b.keys) || len(a.kids) != len(b.kids) {
		return false
	}
	for i := range a.kids {
		if !sameTree(a.kids[i], b.kids[i]) {
			return false
		}
	}
	return true
}

func TestFastTreeCases(t *testing.T) {
	deep := strings.Repeat("[", fastMaxDepth+1) + strings.Repeat("]", fastMaxDepth+1)
	var many []string // an object past the size from which names go in a map
	for i := range 40 {
		many = append(many, fmt.Sprintf(`"k%d":{"k%d":[%d]}`, i, i, i))
	}
	manyObj := "{" + strings.Join(many, ",") + "}"
	dupLate := "{" + strings.Join(many, ",") + `,"k3":0}`
	dupAt32 := "{" + strings.Join(many[:32], ",") + `,"k0":0}`
	for _, c := range []struct {
		src  string
		fast bool // whether the fast parser takes it (else the decoder decides)
	}{
		{`{}`, true}, {` [ ] `, true}, {`{"a":1,"b":[true,false,null,"x"]}`, true},
		{`-0.5e+10`, true}, {`0`, true}, {`"é\u00e9\n\"\\\/"`, true}, {`"12345678\"12345678"`, true},
		{`"` + strings.Repeat("abcdefgh", 9) + `é"`, true},
		{`{"a":1,"a":2}`, false}, {`{"\u0061":1,"a":2}`, false}, {`"\ud83d\ude00"`, false},
		{`01`, false}, {`1.`, false}, {`1e`, false}, {`-`, false}, {`.5`, false}, {`+1`, false},
		{`tru`, false}, {`truex`, false}, {`nul`, false}, {`[1,]`, false}, {`{"a":1,}`, false},
		{`{"a" 1}`, false}, {`{a:1}`, false}, {`[1 2]`, false}, {`1 2`, false}, {``, false}, {` `, false},
		{"\"a\tb\"", false}, {"\"a\x00b\"", false}, {"\"\xff\"", false}, {"\"\xed\xa0\x80\"", false},
		{`"\x"`, false}, {`"\u12"`, false}, {`"\u12g4"`, false}, {`"abc`, false}, {`"abcdefghijklmnop`, false},
		{"\ufeff{}", false}, {`{"a":[1,2,{"b":"c"}]`, false}, {deep, false},
		{strings.Repeat("[", fastMaxDepth) + strings.Repeat("]", fastMaxDepth), true},
		{manyObj, true}, {dupLate, false}, {dupAt32, false}, {`{"":1,"a":{"":2}}`, true}, {`{"":1,"":2}`, false},
	} {
		if got := checkFastTree(t, []byte(c.src), DefaultMaxValues); got != c.fast {
			t.Errorf("fastTree(%q) took it: %v, want %v", trim([]byte(c.src)), got, c.fast)
		}
	}
	// The bound on values is the decoder's, to the value.
	for _, max := range []int{3, 4, 5} {
		src := []byte(`[1,[2],3]`) // 5 values
		_, ok := fastTree(src, max)
		_, err := decodeTree(src, max)
		if ok != (err == nil) || ok != (max >= 5) {
			t.Errorf("max %d: fast %v, decoder %v", max, ok, err)
		}
	}
}

// TestFastTreeCorpus parses every call and every tool output document of
// the corpus and the samples both ways.
func TestFastTreeCorpus(t *testing.T) {
	srcs := sampleAndCorpusCalls(t)
	for _, src := range srcs {
		if !checkFastTree(t, src, DefaultMaxValues) {
			t.Errorf("fastTree refused a valid call: %q", trim(src))
			continue
		}
		root, _ := decodeTree(src, DefaultMaxValues)
		stringNodes(src, root, func(raw []byte) {
			if s, ok := (&node{kind: '"', end: len(raw)}).text(raw); ok && looksLikeJSONObject(s) {
				checkFastTree(t, []byte(s), DefaultMaxValues)
			}
			checkFastTree(t, raw, DefaultMaxValues)
		})
	}
}

func FuzzFastTree(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,"x\ny",true,null]}`, `"\u00e9é"`, `{"a":1,"a":2}`, `[[[]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkFastTree(t, src, DefaultMaxValues)
		checkFastTree(t, src, 4)
	})
}

// TestStrMemo parses each call three times (filling the shared memo as
// texts are read, then hitting it) and checks every string's text against the
// decoder's tree decoded without the memo.
func TestStrMemo(t *testing.T) {
	var srcs [][]byte
	files, _ := filepath.Glob("testdata/*.hook.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, b)
	}
	long := `{"a":"` + strings.Repeat(`line \"q\" é\n`, 100) + `","b":"` + strings.Repeat("x", 600) + `"}`
	srcs = append(srcs, []byte(long))
	if _, ok := corpus.Dir(); ok {
		for _, c := range corpus.Load(t) {
			srcs = append(srcs, c.Call)
		}
	}
	hits := 0
	for _, src := range srcs {
		want, err := decodeTree(src, DefaultMaxValues)
		if err != nil {
			t.Fatal(err)
		}
		var wantTexts []string
		collectTexts(src, want, func(n *node) {
			s, ok := n.decode(src)
			if !ok {
				t.Fatal("string does not decode")
			}
			wantTexts = append(wantTexts, s)
		})
		for round := range 3 {
			got, ok := fastTree(src, DefaultMaxValues)
			if !ok || !sameTree(got, want) {
				t.Fatalf("round %d: tree differs", round)
			}
			i := 0
			collectTexts(src, got, func(n *node) {
				if round == 2 && n.memo != nil && n.memo.ok {
					hits++
				}
				if s, _ := n.text(src); s != wantTexts[i] {
					t.Fatalf("round %d: text %d differs", round, i)
				}
				i++
			})
		}
	}
	if hits == 0 {
		t.Fatal("no string came from the memo")
	}
}

func collectTexts(src []byte, n *node, fn func(*node)) {
	if n.isString() {
		fn(n)
	}
	for _, k := range n.kids {
		collectTexts(src, k, fn)
	}
}

func TestStrMemoBounds(t *testing.T) {
	const bound = 3 * (100 + memoEntryOverhead)
	m := newStrMemo(bound, 10)
	for i := range 5 {
		m.put([2]uint64{uint64(i)}, strings.Repeat("x", 100))
	}
	if n, b := m.c.Len(); n != 3 || b > bound {
		t.Fatalf("%d entries, %d bytes", n, b)
	}
	if _, ok := m.get([2]uint64{4}); !ok {
		t.Fatal("newest entry evicted")
	}
	if _, ok := m.get([2]uint64{0}); ok {
		t.Fatal("oldest entry kept")
	}
	m.put([2]uint64{9}, strings.Repeat("x", bound)) // larger than the bound: not kept
	if _, ok := m.get([2]uint64{9}); ok {
		t.Fatal("entry over the bound kept")
	}
}

func TestStringEnd(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{{`"ab"x`, 4}, {`"a\"b"`, 6}, {`"a\\"b`, 5}, {`"a\\\"b"`, 8}, {`"ab`, -1}, {`"\\\\"`, 6}} {
		if got := stringEnd([]byte(c.s), 0); got != c.want {
			t.Errorf("stringEnd(%s) = %d, want %d", c.s, got, c.want)
		}
	}
}

// TestStrMemoAnswers checks that answers do not depend on the memo: each
// call answered with the memo emptied first and again with its strings
// in the memo, the engine's result cache off both times.
func TestStrMemoAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses every corpus call twice")
	}
	calls := sampleAndCorpusCalls(t)
	// Without the result cache the strings come from the memo; with it,
	// the second answer also splices the cached results' remembered quotes.
	for _, cfg := range []compress.NativeConfig{{CacheEntries: -1}, {}} {
		h := newTestHook(t, newNative(t, cfg))
		for _, call := range calls {
			texts.clear()
			quotes.clear()
			first := h.Process(context.Background(), call)
			again := h.Process(context.Background(), call)
			if first.Outcome != again.Outcome || !bytes.Equal(first.Response, again.Response) {
				t.Fatalf("answer changed with the memos: %s then %s", first.Outcome, again.Outcome)
			}
		}
	}
}

func TestQuoteMemo(t *testing.T) {
	m := newQuoteMemo(1<<20, 2)
	long := []string{strings.Repeat("a\"é\n", 200), strings.Repeat("b<>&\u2028", 100), strings.Repeat("c", 600)}
	for range 2 {
		for _, s := range append(long, "short \"one\"") {
			got, err := m.quote(s)
			want, _ := quote(s)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("quote(%.20q) = %.20q, want %.20q", s, got, want)
			}
		}
	}
	if n, _ := m.c.Len(); n != 2 {
		t.Fatalf("%d entries, bound 2", n)
	}
	// An equal text elsewhere in memory is quoted again, to the same bytes.
	c := strings.Clone(long[2])
	if got, _ := m.quote(c); !bytes.Equal(got, []byte(`"`+c+`"`)) {
		t.Fatal("copy quoted wrong")
	}
}

// sampleAndCorpusCalls returns the bodies of the package's sample calls and,
// where it is present, of every corpus case.
func sampleAndCorpusCalls(t *testing.T) [][]byte {
	t.Helper()
	var calls [][]byte
	files, _ := filepath.Glob("testdata/*.hook.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, b)
	}
	if _, ok := corpus.Dir(); ok {
		for _, c := range corpus.Load(t) {
			calls = append(calls, c.Call)
		}
	}
	return calls
}
