package compress_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/wrapper"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
	"github.com/tsheadroom/tsheadroom/internal/cputime"
)

// Corpus-driven checks of the native engine, kind by kind: every text of
// the development corpus (corpus.Texts) of minKindsText bytes or more is
// compressed as a tool output without a task, and the result must be
// shorter, keep every line outside notes verbatim (HTML text extraction
// excepted: it says so in its note), carry no retrieval marker, and come
// out the same on a second run. Per-kind savings are logged (go test -v);
// with TSH_KINDS_DUMP=DIR each compressed text is also written to DIR.
// That must_keep strings survive, which depends on the conversation around
// each block, is checked above the engine, on the requests the hook builds
// (hook/native_corpus_test.go).

// minKindsText is the size from which a corpus text is bulky enough to be
// tool output worth compressing.
const minKindsText = 1000

// savedPct is the share of tokens removed, in percent.
func savedPct(before, after int) float64 {
	if before == 0 {
		return 0
	}
	return 100 * float64(before-after) / float64(before)
}

func compressText(t testing.TB, n *compress.Native, text string) compress.BlockResult {
	t.Helper()
	req := &compress.Request{Model: "claude-sonnet-4-5", Config: compress.DefaultConfig(),
		Blocks: []compress.Block{{Text: text, Source: compress.ToolOutput, Role: "tool"}}}
	res, err := n.Compress(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res.Blocks[0]
}

// jsonNote matches the notes of the JSON kind: an "_omitted" member, or an
// {"_omitted": ...} element.
var jsonNote = regexp.MustCompile(`\{?"_omitted"\s*:\s*"(?:[^"\\]|\\.)*"\}?`)

// keptVerbatim fails unless every part of out outside notes is in in. The
// separators a container needs around what it kept (a comma after what was
// its last element) are structure, not kept text.
func keptVerbatim(t *testing.T, name, in, out string) {
	t.Helper()
	for l := range strings.Lines(out) {
		l = strings.TrimSuffix(l, "\n")
		bad := ""
		lines.WithoutNotes(l, func(part string) {
			for _, p := range jsonNote.Split(part, -1) {
				p = strings.Trim(p, ", \t")
				if bad == "" && p != "" && !strings.Contains(in, p) {
					bad = p
				}
			}
		})
		if bad != "" {
			t.Errorf("%s: kept text %.120q is not in the input", name, bad)
			return
		}
	}
}

// keptJSONVerbatim fails unless every scalar of a compressed JSON block
// (outside notes) is copied byte for byte from the input: compact JSON has
// one line for many items, so the unit of verbatim there is the item.
func keptJSONVerbatim(t *testing.T, name, in, out string) {
	t.Helper()
	payload := wrapper.Peel(out).Payload
	tr, err := jsonspan.ParseString(payload, jsonspan.Options{Stream: true})
	if err != nil {
		tr, err = jsonspan.ParseString(payload, jsonspan.Options{Stream: true, TextLines: true})
	}
	if err != nil {
		keptVerbatim(t, name, in, out) // not one document: check its lines
		return
	}
	for i := 0; i < tr.Len(); i++ {
		if tr.Kind(i).IsContainer() || tr.IsMember(i) && tr.Key(i) == "_omitted" {
			continue
		}
		raw := tr.Raw(i)
		if strings.Contains(raw, lines.NoteOpen) {
			continue // a string cut with a note
		}
		if !strings.Contains(in, raw) {
			t.Errorf("%s: kept value %.120q is not in the input", name, raw)
			return
		}
	}
}

func TestKindsCorpus(t *testing.T) {
	n, err := compress.NewNative(compress.NativeConfig{CacheEntries: -1})
	if err != nil {
		t.Fatal(err)
	}
	type tally struct{ before, after, blocks, changed int }
	per := map[compress.Kind]*tally{}
	for _, c := range corpus.Load(t) {
		for bi, text := range c.Texts(t) {
			if len(text) < minKindsText {
				continue
			}
			name := fmt.Sprintf("%s text %d", c.Name, bi)
			r := compressText(t, n, text)
			if r.Changed {
				if len(r.Text) >= len(text) || r.TokensAfter >= r.TokensBefore {
					t.Errorf("%s: not shorter", name)
				}
				if compress.IntroducesRetrievalMarker(text, r.Text) {
					t.Errorf("%s: retrieval marker introduced", name)
				}
				switch r.Kind {
				case compress.KindHTML:
					// Text extraction re-renders by design; its note says so.
				case compress.KindJSON:
					keptJSONVerbatim(t, name, text, r.Text)
				default:
					keptVerbatim(t, name, text, r.Text)
				}
				if again := compressText(t, n, text); again.Text != r.Text {
					t.Errorf("%s: second run differs", name)
				}
			}
			if dir := os.Getenv("TSH_KINDS_DUMP"); dir != "" && r.Changed {
				// Inspection aid: the compressed block, beside its kind.
				file := fmt.Sprintf("%s.%d.%s.txt", c.Name, bi, r.Kind)
				if err := os.WriteFile(filepath.Join(dir, file), []byte(r.Text), 0o644); err != nil {
					t.Fatalf("dump: %v", err)
				}
			}
			ty := per[r.Kind]
			if ty == nil {
				ty = &tally{}
				per[r.Kind] = ty
			}
			ty.before += r.TokensBefore
			ty.after += r.TokensAfter
			ty.blocks++
			if r.Changed {
				ty.changed++
			}
		}
	}
	kinds := make([]string, 0, len(per))
	for k := range per {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		ty := per[compress.Kind(k)]
		t.Logf("kind %-9s %3d blocks (%3d changed) %8d -> %7d tokens (%5.1f%% saved)", k, ty.blocks, ty.changed, ty.before, ty.after, savedPct(ty.before, ty.after))
	}
}

// BenchmarkKindsCorpus compresses every bulky corpus text of a kind per
// iteration, first sight (no cache), as a tool output without a task.
//
//	go test ./compress/ -run '^$' -bench KindsCorpus -cpu 1 -benchmem
func BenchmarkKindsCorpus(b *testing.B) {
	byKind := map[compress.Kind][]string{}
	for _, c := range corpus.Load(b) {
		for _, text := range c.Texts(b) {
			if len(text) >= minKindsText {
				k := compress.DetectKind(text)
				byKind[k] = append(byKind[k], text)
			}
		}
	}
	n, err := compress.NewNative(compress.NativeConfig{CacheEntries: -1})
	if err != nil {
		b.Fatal(err)
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		texts := byKind[compress.Kind(k)]
		size := 0
		for _, text := range texts {
			size += len(text)
		}
		b.Run(k, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			cpu := cputime.Now()
			for b.Loop() {
				for _, text := range texts {
					compressText(b, n, text)
				}
			}
			cputime.ReportMBps(b, cpu, size)
		})
	}
}
