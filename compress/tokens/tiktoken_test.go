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
// counts must be tiktoken's.

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
// of downloaded, and checked against their published hashes.
const tiktokenScript = `
import sys
import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as pub

d = sys.argv[1]
def local(url, expected_hash=None):
    return tiktoken.load.load_tiktoken_bpe(d + "/" + url.rsplit("/", 1)[1], expected_hash=expected_hash)
pub.load_tiktoken_bpe = local
texts = open(d + "/texts", "rb").read().split(b"\0")[:-1]
for name in ("o200k_base", "cl100k_base"):
    spec = getattr(pub, name)()
    enc = tiktoken.Encoding(spec["name"], pat_str=spec["pat_str"], mergeable_ranks=spec["mergeable_ranks"], special_tokens={})
    print(name, *[len(enc.encode_ordinary(t.decode("utf-8"))) for t in texts])
`

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
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		e := encs[fields[0]]
		if e == nil || len(fields)-1 != len(texts) {
			t.Fatalf("tiktoken printed %.80q for %d texts", line, len(texts))
		}
		delete(encs, fields[0])
		bad := 0
		for i, f := range fields[1:] {
			want, _ := strconv.Atoi(f)
			if got := e.count(texts[i]); got != want {
				if bad++; bad <= 10 {
					t.Errorf("%s: %.80q: %d tokens, tiktoken says %d", e.name, texts[i], got, want)
				}
			}
		}
		t.Logf("%s: %d texts, %d differ from tiktoken", e.name, len(texts), bad)
	}
	if len(encs) > 0 {
		t.Errorf("tiktoken printed no counts for %d encodings", len(encs))
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
		"-", "/", "//", ".", "...", "{", "\"", "\x7f", "\x01", "\x1b", "ü", "Ü", "日", "é", "\u0301", "ǅ", "ʰ", "😀", "ſ",
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
