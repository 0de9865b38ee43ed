// Package listing compresses file listings: one path per line (find, git
// ls-files), long-format rows (ls -l, ls -la, ls -laR with their "dir:"
// headings and "total" lines), box-drawing trees (tree(1), and the trees
// of names that dependency tools print), and quantity-then-path rows (du,
// wc -l).
//
// Lossless first: runs of paths in one directory are written under a
// "dir/" line with the bare names below it, every line still a substring
// of the input, unless the query asks for lines as printed. Lossy steps run
// only while over budget and work on directories: the top of the listing
// is shown (its first branching level is the map), a directory the task
// names is shown whole, then directories are opened, the relevant and the
// shallow first, while the budget allows; every directory left closed is
// summarised in one note (entries, extensions, sizes and dates when the
// listing shows them). Whatever the budget, it keeps the lines that hold
// rare task terms (with the lines of their parent directories, for
// context), problem and summary lines, the first and last entries, the
// largest, smallest, newest and oldest items (the top few of each level
// when the task asks for the largest or the newest), and rows whose mode
// or owner is rare.
//
// It does not handle search hits (path:line:text) or tables of processes
// and packages: those are other kinds.
package listing

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/internal/head"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// detectLines bounds what Detect reads (and head.MaxBytes).
const detectLines = 300

// Detect reports whether text is a file listing: within its first lines,
// at least five are not blank, eight in ten of those are paths, sized
// paths, long-format rows with their headings, or tree lines, and one of
// those forms makes up half of them.
func Detect(text string) bool {
	var c [treeLine + 1]int
	nonBlank := 0
	paths := 0 // bare lines holding a '/' or a file name's extension
	for l := range strings.Lines(head.Cut(text, detectLines, head.MaxBytes, false)) {
		l = strings.TrimSuffix(l, "\n")
		f := classify(l)
		c[f]++
		if f == blank {
			continue
		}
		nonBlank++
		if f == bare && (hasSlash(l) || extOf(lines.TrimCR(l)) != "") {
			paths++
		}
	}
	if nonBlank < 5 {
		return false
	}
	listing := c[bare] + c[sized] + c[lsRow] + c[lsHeading] + c[lsTotal] + c[treeLine]
	main := max(c[bare], c[sized], c[lsRow], c[treeLine])
	if listing*10 < nonBlank*8 || main*2 < nonBlank {
		return false
	}
	// Dotted words alone could be prose or code tokens ("e.g.", "v1.2"):
	// most bare lines of a listing hold a directory or an extension.
	if main == c[bare] && c[sized]+c[lsRow]+c[treeLine] == 0 && paths*2 < c[bare] {
		return false
	}
	return true
}

func hasSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' || s[i] == '\\' {
			return true
		}
	}
	return false
}

// smallBytes is the size up to which a listing is never cut (about 1,000
// tokens): a short listing is often itself the answer.
const smallBytes = 4 << 10

// Compress compresses a file listing (see the package doc). ok is false
// when nothing worth changing was found.
func Compress(in *fold.Input) (string, bool) {
	b := in.Lines()
	if len(b.L) == 0 {
		return "", false
	}
	ls := parsedOf(in, b)
	if in.Stopped() {
		// A parse cut short is no listing to compress.
		return "", false
	}
	c := newCompressor(in, ls)
	if in.Stopped() {
		// The caller gave up (its index may be partial): rendering even
		// the lossless form reads the whole block again.
		return "", false
	}
	return in.Choose(c.folded(), smallBytes, c.lossy)
}

// parsedOf is parse of in's lines b, kept in in.Memo: a block re-judged
// by a later turn is compressed again under another query and budget, and
// the parse (a classification of every line, its size, its path, the
// directory tree) depends on the text alone. The listing is read-only
// once made. A parse cut short is not kept.
func parsedOf(in *fold.Input, b *lines.Lines) *listing {
	if v, ok := in.Memo.Get("listing", in.Text); ok {
		return v.(*listing)
	}
	ls := parse(b, in.Stop)
	if !in.Stopped() {
		in.Memo.Put("listing", in.Text, ls)
	}
	return ls
}

// folded is the lossless form: runs of bare paths of one directory under
// a "dir/" line.
func (c *compressor) folded() string {
	return c.render(nil)
}
