package tokens

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/corpus"
	"github.com/tsheadroom/tsheadroom/internal/testenv"
)

// Checks against OpenAI's own tokenizer, tiktoken: the rank tables read out
// of the Go library must be the published vocabulary files, and the direct
// counts and the split must be tiktoken's.

// tiktokenFile renders an encoding's ranks in the format of OpenAI's
// published vocabulary files: one line per token, its bytes in base64, a
// space and its rank.
func tiktokenFile(e *encoding) []byte {
	var b bytes.Buffer
	for r := range uint32(len(e.starts) - 1) {
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(e.token(r))))
		b.WriteByte(' ')
		b.WriteString(strconv.FormatUint(uint64(r), 10))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TestRankTablesArePublishedVocabularies compares the tables with the
// SHA-256 that tiktoken expects of o200k_base.tiktoken and
// cl100k_base.tiktoken.
func TestRankTablesArePublishedVocabularies(t *testing.T) {
	for e, want := range map[*encoding]string{
		o200k():  "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
		cl100k(): "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
	} {
		sum := sha256.Sum256(tiktokenFile(e))
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: ranks hash to %s, the published file to %s", e.name, got, want)
		}
	}
}

// tiktokenScript counts each NUL-terminated text of dir/texts with
// tiktoken's own o200k_base and cl100k_base (their patterns as the
// installed tiktoken defines them), the vocabularies read from dir instead
// of downloaded, and checked against their published hashes. For each
// encoding it prints a line of counts, then a line of checksums of the
// byte lengths of the pieces the pattern splits each text into (with the
// regex module, as tiktoken's reference Python implementation does).
//
// Recent tiktoken writes cl100k_base's pattern anew (possessive loops, and
// \s++$ first), which splits the trailing whitespace of a text differently
// ("\n  " at the end is one piece, not two) without changing its tokens; the
// split is compared with the pattern published with cl100k_base, which
// pretokenize follows (and the Go library uses).
const tiktokenScript = `
import sys
import regex
import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as pub

d = sys.argv[1]
def local(url, expected_hash=None):
    return tiktoken.load.load_tiktoken_bpe(d + "/" + url.rsplit("/", 1)[1], expected_hash=expected_hash)
pub.load_tiktoken_bpe = local
texts = [t.decode("utf-8") for t in open(d + "/texts", "rb").read().split(b"\0")[:-1]]
def checksum(pieces):
    h = 0
    for p in pieces:
        h = (h * 1000003 + len(p.encode("utf-8"))) % 2147483647
    return h
split_pat = {"cl100k_base": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""}
for name in ("o200k_base", "cl100k_base"):
    spec = getattr(pub, name)()
    enc = tiktoken.Encoding(spec["name"], pat_str=spec["pat_str"], mergeable_ranks=spec["mergeable_ranks"], special_tokens={})
    pat = regex.compile(split_pat.get(name, spec["pat_str"]))
    print(name, *[len(enc.encode_ordinary(t)) for t in texts])
    print(name, *[checksum(pat.findall(t)) for t in texts])
`

// splitChecksum is tiktokenScript's checksum of the pieces of s.
func splitChecksum(s string, o200k bool) uint64 {
	const mod = 1<<31 - 1 // small enough that h*1000003 fits a uint64
	var h uint64
	pretokenize(s, o200k, func(p string) {
		h = (h*1000003 + uint64(len(p))) % mod
	})
	return h
}

// TestCountMatchesTiktoken runs tiktoken (from the Python that the worker
// tests use: headroom-ai depends on it) over random texts made of the
// characters the split rules care about, the generated samples and, where
// present, every string of the corpus.
func TestCountMatchesTiktoken(t *testing.T) {
	py := testenv.HeadroomPython(t)
	if out, err := exec.Command(py, "-c", "import tiktoken, tiktoken_ext.openai_public").CombinedOutput(); err != nil {
		testenv.Missing(t, "tiktoken for "+py, strings.TrimSpace(string(out)))
	}
	texts := randomTexts(5000)
	for _, s := range genSamples(100) {
		texts = append(texts, s)
	}
	if _, ok := corpus.Dir(); ok {
		for _, c := range corpusTexts(t) {
			texts = append(texts, c.text)
		}
	}
	dir := t.TempDir()
	var all bytes.Buffer
	for _, s := range texts {
		if strings.IndexByte(s, 0) >= 0 {
			t.Fatalf("text holds a NUL: %.60q", s)
		}
		all.WriteString(s)
		all.WriteByte(0)
	}
	files := map[string][]byte{"texts": all.Bytes()}
	for _, e := range []*encoding{o200k(), cl100k()} {
		files[e.name+".tiktoken"] = tiktokenFile(e)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var stderr bytes.Buffer
	cmd := exec.Command(py, "-c", tiktokenScript, dir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tiktoken: %v\n%s", err, stderr.String())
	}
	encs := map[string]*encoding{"o200k_base": o200k(), "cl100k_base": cl100k()}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2*len(encs) {
		t.Fatalf("tiktoken printed %d lines, want %d", len(lines), 2*len(encs))
	}
	for l := 0; l < len(lines); l += 2 {
		counts, sums := strings.Fields(lines[l]), strings.Fields(lines[l+1])
		e := encs[counts[0]]
		if e == nil || len(counts)-1 != len(texts) || len(sums)-1 != len(texts) {
			t.Fatalf("tiktoken printed %.80q for %d texts", lines[l], len(texts))
		}
		delete(encs, counts[0])
		badCount, badSplit := 0, 0
		for i, s := range texts {
			want, _ := strconv.Atoi(counts[i+1])
			if got := e.count(s); got != want {
				if badCount++; badCount <= 10 {
					t.Errorf("%s: %.80q: %d tokens, tiktoken says %d", e.name, s, got, want)
				}
			}
			want2, _ := strconv.ParseUint(sums[i+1], 10, 64)
			if got := splitChecksum(s, e.o200k); got != want2 {
				if badSplit++; badSplit <= 10 {
					var pieces []string
					pretokenize(s, e.o200k, func(p string) { pieces = append(pieces, p) })
					t.Errorf("%s: %.80q: split %.200q differs from the pattern's", e.name, s, pieces)
				}
			}
		}
		t.Logf("%s: %d texts, %d counts and %d splits differ from tiktoken", e.name, len(texts), badCount, badSplit)
	}
}

// randomTexts returns n short valid-UTF-8 texts drawn from pieces that
// exercise every rule of the split: letters of each case class, marks,
// digits of several scripts, contractions, punctuation, every kind of
// whitespace and line break.
func randomTexts(n int) []string {
	parts := []string{
		" ", "  ", "\n", "\r\n", "\r", "\t", "\f", "\v", "\u0085", "\u00a0", "\u2003", "\u2028",
		"a", "Bc", "HTTP", "x'", "'s", "'LL", "'ve", "1", "23", "4567", "٣", "Ⅷ", "²",
		"-", "/", "//", ".", "...", "{", "\"", "\x7f", "\x01", "\x1b", "ü", "Ü", "日", "é", "\u0301", "ǅ", "ʰ", "😀", "ſ", "'ſ", "\u212a",
	}
	r := rand.New(rand.NewPCG(5, 6))
	out := make([]string, n)
	for i := range out {
		var sb strings.Builder
		for range 1 + r.IntN(12) {
			sb.WriteString(parts[r.IntN(len(parts))])
		}
		out[i] = sb.String()
	}
	return out
}
