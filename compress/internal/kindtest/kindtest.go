// Package kindtest holds what the tests of the native engine's kind
// compressors share: reading a fixture and building inputs, the checks
// every compressed output must pass (shorter, kept text or lines verbatim,
// no retrieval markers, the same bytes twice), fuzz targets built on them,
// a run over the development corpus, and throughput benchmarks at four
// sizes.
package kindtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
	"github.com/tsheadroom/tsheadroom/compress/wrapper"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// Compressor is a kind's entry points.
type Compressor struct {
	Detect   func(text string) bool
	Compress func(in *fold.Input) (string, bool)
	// Share is the kind's budget share beyond the first 2 KiB (the
	// engine's keep share).
	Share float64
}

// Budget is the engine's budget for a block of n bytes of this kind.
func (k Compressor) Budget(n int) fold.Budget {
	return fold.Budget{Bytes: 2048 + int(k.Share*float64(max(0, n-2048))), Lossy: n > 3072}
}

// Input builds an Input for text with the task as the latest request.
func Input(text, task string, b fold.Budget) *fold.Input {
	return &fold.Input{Text: text, Query: relevance.Parse(task, ""), Budget: b}
}

// Fixture reads testdata/name.
func Fixture(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// LossyInput builds an Input for text with the task as the latest request
// and a lossy budget of bytes or, when bytes is not positive, the kind's
// share of the text beyond 2 KiB on top of 2 KiB. Unlike Budget it does
// not hold a short text's budget at the 2 KiB floor, and it is lossy
// whatever the size: the tests that use it ask for a cut.
func (k Compressor) LossyInput(text, task string, bytes int) *fold.Input {
	if bytes <= 0 {
		bytes = 2048 + int(k.Share*float64(len(text)-2048))
	}
	return Input(text, task, fold.Budget{Bytes: bytes, Lossy: true})
}

// CheckOutput fails tb unless out is shorter than in, every part of out
// outside notes is a substring of in, and out holds no retrieval marker in
// did not.
func CheckOutput(tb testing.TB, in, out string) {
	tb.Helper()
	if len(out) >= len(in) {
		tb.Fatalf("output (%d bytes) not shorter than input (%d)", len(out), len(in))
	}
	CheckParts(tb, in, out, false)
	if m := Marker(in, out); m != "" {
		tb.Fatalf("output holds retrieval marker %q", m)
	}
}

// CheckParts fails tb unless every part of out outside notes is a
// substring of in. With spaces set a part of white space alone passes: a
// kind that re-renders what it keeps (text drawn out of markup) may join
// parts with white space of its own.
func CheckParts(tb testing.TB, in, out string, spaces bool) {
	tb.Helper()
	for l := range strings.SplitSeq(out, "\n") {
		lines.WithoutNotes(l, func(part string) {
			if part == "" || (spaces && strings.TrimSpace(part) == "") {
				return
			}
			if !strings.Contains(in, part) {
				tb.Fatalf("kept text is not in the input: %q", part)
			}
		})
	}
}

// CheckLines fails tb unless out is shorter than in and every line of out
// but the notes is a whole line of in: the check for kinds that keep or
// drop lines and never cut one.
func CheckLines(tb testing.TB, in, out string) {
	tb.Helper()
	if len(out) >= len(in) {
		tb.Fatalf("output (%d bytes) not shorter than input (%d)", len(out), len(in))
	}
	have := map[string]bool{}
	for _, l := range lines.Split(in).L {
		have[l] = true
	}
	for _, l := range lines.Split(out).L {
		if !lines.IsNote(l) && !have[l] {
			tb.Fatalf("output line %q is not a line of the input", l)
		}
	}
}

// Marker returns the first retrieval marker that out holds and in does
// not, or "": the native engine's outputs never point at a retrieval
// service.
func Marker(in, out string) string {
	for _, m := range []string{"<<ccr:", "_ccr_dropped", "Retrieve more", "hash="} {
		if strings.Contains(out, m) && !strings.Contains(in, m) {
			return m
		}
	}
	return ""
}

// MustContain fails tb, going on, for each of wants that out lacks.
func MustContain(tb testing.TB, out string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			tb.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// LineWith returns the first line of text that holds sub; it fails tb
// when none does.
func LineWith(tb testing.TB, text, sub string) string {
	tb.Helper()
	for _, l := range lines.Split(text).L {
		if strings.Contains(l, sub) {
			return l
		}
	}
	tb.Fatalf("no line with %q", sub)
	return ""
}

// CheckDetect fails t for each named testdata fixture that Detect does not
// claim and each of the texts of not (by name) that it does.
func (k Compressor) CheckDetect(t *testing.T, fixtures []string, not map[string]string) {
	t.Helper()
	for _, name := range fixtures {
		if !k.Detect(Fixture(t, name)) {
			t.Errorf("Detect(%s) = false", name)
		}
	}
	for name, text := range not {
		if k.Detect(text) {
			t.Errorf("Detect(%s) = true", name)
		}
	}
}

// Rewrite compresses in, which must be rewritten to fewer bytes, and
// returns the output; the test checks the rest.
func (k Compressor) Rewrite(tb testing.TB, in *fold.Input) string {
	tb.Helper()
	out, ok := k.Compress(in)
	if !ok {
		tb.Fatalf("not compressed (%d bytes)", len(in.Text))
	}
	if len(out) >= len(in.Text) {
		tb.Fatalf("output %d bytes, input %d", len(out), len(in.Text))
	}
	return out
}

// Run compresses in, which must be rewritten, checks the output and that
// a second run gives the same bytes, and returns it.
func (k Compressor) Run(tb testing.TB, in *fold.Input) string {
	tb.Helper()
	out, ok := k.Compress(in)
	if !ok {
		tb.Fatalf("Compress: not ok on %d bytes", len(in.Text))
	}
	CheckOutput(tb, in.Text, out)
	if again, _ := k.Compress(&fold.Input{Text: in.Text, Query: in.Query, Budget: in.Budget}); again != out {
		tb.Fatalf("Compress is not deterministic")
	}
	return out
}

// Fuzz adds the testdata fixtures (cut to 4 KiB) and the given inputs as
// seeds, and checks on any input that Detect and Compress do not panic,
// and that a rewrite passes CheckOutput and is deterministic.
func (k Compressor) Fuzz(f *testing.F, seeds ...string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		s := string(b[:min(len(b), 4096)])
		f.Add(s, uint16(len(s)/4), "which one is the largest?")
	}
	for _, s := range seeds {
		f.Add(s, uint16(len(s)/3), "quote the first one")
	}
	f.Fuzz(func(t *testing.T, text string, size uint16, task string) {
		in := &fold.Input{
			Text:   text,
			Query:  relevance.Parse(task, ""),
			Budget: fold.Budget{Bytes: int(size), Lossy: true, Aggressive: size%2 == 1},
		}
		_ = k.Detect(text)
		out, ok := k.Compress(in)
		if !ok {
			return
		}
		CheckOutput(t, text, out)
		if again, _ := k.Compress(&fold.Input{Text: text, Query: in.Query, Budget: in.Budget}); again != out {
			t.Fatalf("not deterministic:\n%s\n---\n%s", out, again)
		}
	})
}

// StopMidway runs Compress on text with the kind's budget and the task,
// with a Stop that reports true from its second call on, and fails t
// unless Compress then declines or its output passes CheckOutput: a
// caller giving up midway leaves the rest of the block as it was.
func (k Compressor) StopMidway(t *testing.T, text, task string) {
	t.Helper()
	in := Input(text, task, k.Budget(len(text)))
	calls := 0
	in.Stop = func() bool { calls++; return calls > 1 }
	if out, ok := k.Compress(in); ok {
		CheckOutput(t, text, out)
	}
}

// Seed is a fuzz seed: a text, a task asked about it and, for
// FuzzBudget, a budget in bytes.
type Seed struct {
	Text, Task string
	Bytes      int
}

// Fixtures returns the named testdata fixtures as seeds, each with task
// and a budget of bytes (0 for FuzzTask, which sets its own).
func Fixtures(tb testing.TB, task string, bytes int, names ...string) []Seed {
	tb.Helper()
	seeds := make([]Seed, len(names))
	for i, name := range names {
		seeds[i] = Seed{Fixture(tb, name), task, bytes}
	}
	return seeds
}

// FuzzBudget adds the seeds and checks, on any text, task and lossy budget
// of bytes, that Detect and Compress do not panic and that a rewrite
// passes check: the kinds whose output has a structure to check (a
// diff's hunks, JSON) check it all there.
func (k Compressor) FuzzBudget(f *testing.F, seeds []Seed, check func(t *testing.T, in *fold.Input, out string)) {
	for _, s := range seeds {
		f.Add(s.Text, s.Task, s.Bytes)
	}
	f.Fuzz(func(t *testing.T, text, task string, bytes int) {
		k.Detect(text)
		in := Input(text, task, fold.Budget{Bytes: bytes, Lossy: true})
		if out, ok := k.Compress(in); ok {
			check(t, in, out)
		}
	})
}

// FuzzTask adds the seeds and checks, on any text and task with a lossy
// budget of a fifth of the text, that Detect and Compress do not panic,
// that Compress answers the same twice (rewriting or not), and that a
// rewrite is shorter and passes check, the kind's test of what it kept.
func (k Compressor) FuzzTask(f *testing.F, seeds []Seed, check func(t *testing.T, text, out string)) {
	for _, s := range seeds {
		f.Add(s.Text, s.Task)
	}
	f.Fuzz(func(t *testing.T, text, task string) {
		in := Input(text, task, fold.Budget{Bytes: len(text) / 5, Lossy: true})
		out, ok := k.Compress(in)
		again, ok2 := k.Compress(Input(text, task, in.Budget))
		if ok != ok2 || out != again {
			t.Fatal("not deterministic")
		}
		k.Detect(text)
		if !ok {
			return
		}
		if len(out) >= len(text) {
			t.Fatalf("output %d bytes, input %d", len(out), len(text))
		}
		check(t, text, out)
	})
}

// Corpus runs the compressor on every tool output of the development
// corpus (strings of 2,000 bytes or more, wrappers peeled) that Detect
// claims, checks each rewrite like Run, and returns how many blocks it
// claimed and their bytes before and after. It skips when the corpus is
// absent.
func (k Compressor) Corpus(t *testing.T) (blocks, before, after int) {
	for _, c := range corpus.Load(t) {
		for _, s := range c.Texts(t) {
			if len(s) < 2000 {
				continue
			}
			payload := wrapper.Peel(s).Payload
			if !k.Detect(payload) {
				continue
			}
			blocks++
			before += len(payload)
			in := Input(payload, "", k.Budget(len(payload)))
			out, ok := k.Compress(in)
			if !ok {
				after += len(payload)
				continue
			}
			after += len(out)
			CheckOutput(t, payload, out)
			if again, _ := k.Compress(Input(payload, "", in.Budget)); again != out {
				t.Errorf("%s: not deterministic", c.Name)
			}
		}
	}
	return blocks, before, after
}

// BenchSizes are the input sizes kind benchmarks run at: throughput should
// stay within 2x across them (linear time).
var BenchSizes = []int{64 << 10, 256 << 10, 1 << 20, 4 << 20}

// Bench measures Compress on texts of BenchSizes made by gen, with the
// task as the query and the kind's budget, as sub-benchmarks named
// prefix+size; and Detect on the largest.
func (k Compressor) Bench(b *testing.B, prefix string, gen func(n int) string, task string) {
	q := relevance.Parse(task, "")
	for _, size := range BenchSizes {
		text := gen(size)
		budget := k.Budget(len(text))
		b.Run(fmt.Sprintf("%s%dKiB", prefix, size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := k.Compress(&fold.Input{Text: text, Query: q, Budget: budget}); !ok {
					b.Fatal("not compressed")
				}
			}
		})
	}
	text := gen(BenchSizes[len(BenchSizes)-1])
	b.Run(prefix+"Detect", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			if !k.Detect(text) {
				b.Fatal("not detected")
			}
		}
	})
}
