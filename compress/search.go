package compress

import (
	"strconv"
	"strings"
)

// Search results: the path:line:text output of grep -rn, git grep -n,
// ripgrep --no-heading and compilers' file:line: diagnostics.

// searchHit is one parsed line of search output.
type searchHit struct {
	path string
	// sep is ':' for a match, '-' for a context line (grep -C), 0 for a
	// line that is not a hit (a preamble, a "--" group separator).
	sep byte
	// body is the text after "path:line:" (or "path-line-").
	body string
	// number is the "line" part, as written.
	number string
}

// parseSearchLine splits "path:12:text" (a match) or "path-12-text" (a
// context line of grep -C). The path must not start with a blank or hold
// one, and the line number must be all digits.
func parseSearchLine(l string) searchHit {
	if l == "" || l[0] == ' ' || l[0] == '\t' {
		return searchHit{}
	}
	if h, ok := splitHit(l, ':'); ok {
		return h
	}
	if h, ok := splitHit(l, '-'); ok {
		return h
	}
	return searchHit{}
}

func splitHit(l string, sep byte) (searchHit, bool) {
	// The path ends at the first sep that is followed by digits and sep.
	for from := 0; from < len(l) && from < 512; {
		i := strings.IndexByte(l[from:], sep)
		if i < 0 {
			return searchHit{}, false
		}
		i += from
		j := i + 1
		for j < len(l) && isDigitByte(l[j]) {
			j++
		}
		if j > i+1 && j < len(l) && l[j] == sep && i > 0 {
			path := l[:i]
			if strings.ContainsAny(path, " \t") {
				return searchHit{}, false
			}
			return searchHit{path: path, sep: sep, number: l[i+1 : j], body: l[j+1:]}, true
		}
		if sep == ':' {
			// A ':' path separator is rare; the first ':' decides.
			return searchHit{}, false
		}
		from = i + 1
	}
	return searchHit{}, false
}

// looksLikeSearch reports whether most lines of text are path:line:text
// search hits (a few preamble lines are allowed).
func looksLikeSearch(text string) bool {
	nonEmpty, hits := 0, 0
	paths := 0
	var last string
	rest := text
	for lines := 0; lines < 200 && rest != ""; lines++ {
		var l string
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			l, rest = rest, ""
		}
		if strings.TrimSpace(l) == "" || l == "--" {
			continue
		}
		nonEmpty++
		if h := parseSearchLine(l); h.sep == ':' {
			hits++
			if h.path != last {
				paths++
				last = h.path
			}
		} else if h.sep == '-' {
			hits++
		}
	}
	return hits >= 3 && hits*10 >= nonEmpty*6 && paths >= 1
}

// searchParams are the sizes the lossy search step works with.
type searchParams struct {
	minLines  int // smaller outputs only get the lossless step
	detailed  int // files whose first matches are shown
	perFile   int // matches shown per detailed file (besides must-keeps)
	listed    int // further files named with their match count
	otherHead int // lines kept at the start of a long non-hit stretch
	otherTail int // ... and at its end
}

func newSearchParams(h *hints, lines int) searchParams {
	p := searchParams{minLines: 40, detailed: 6, perFile: 1, listed: 12, otherHead: 5, otherTail: 3}
	if h != nil && h.aggressive {
		p = searchParams{minLines: 20, detailed: 6, perFile: 1, listed: 15, otherHead: 3, otherTail: 2}
	}
	if h != nil && h.keepRatio > 0 {
		p.detailed = max(p.detailed, int(h.keepRatio*float64(lines)/2))
		p.perFile = max(p.perFile, int(h.keepRatio*10))
	}
	return p
}

// compressSearch compresses search results.
//
// Lossless, for moderate output: consecutive hits in one file are grouped
// under the path, written once ("path" then "12:text" lines), as
// ripgrep's --heading does; hits that carry an error signal or a task term
// stay whole, so they can be quoted as path:line:text. Lossy, when the
// output is large: every such hit is kept verbatim, the first hit of each of
// the first files as well; the other hits of a shown file become a note
// "path: [... N more matches omitted ...]", and files beyond those are
// named with their counts, then only counted.
func compressSearch(text string, h *hints) (string, bool) {
	if text == "" {
		return "", false
	}
	b := splitBlock(text)
	lines := b.lines
	hits := make([]searchHit, len(lines))
	for i, l := range lines {
		hits[i] = parseSearchLine(l)
	}
	must := make([]bool, len(lines))
	b.markSignals(must)
	var terms []string
	if h != nil {
		terms = splitCompoundTerms(h.taskTerms)
	}
	b.markTerms(terms, termLimit(len(lines)), must)

	p := newSearchParams(h, len(lines))
	lossy := len(lines) > p.minLines
	if h != nil && h.keepRatio > 0 && lossy {
		lossy = float64(groupedSize(lines, hits, must)) > h.keepRatio*float64(len(text))
	}
	var out string
	switch {
	case !lossy:
		out = searchGrouped(b, hits, must)
	case h == nil || h.keepRatio <= 0:
		// Output that repeats the same few lines over and over (grep for
		// an identifier across code) loses nothing by folding the repeats
		// into line-number lists while every distinct hit stays whole:
		// that is preferred to sampling when it saves at least a fifth
		// and leaves a block of moderate size.
		if d, ok := searchDeduped(b, hits, must); ok && len(d)*5 <= len(text)*4 && len(d) <= maxDedupedSearch {
			out = d
			break
		}
		fallthrough
	default:
		out = searchLossy(b, hits, must, p)
	}
	return shorter(out, text)
}

// maxDedupedSearch is the largest deduplicated search output (in bytes,
// about 8k tokens) preferred to the lossy form.
const maxDedupedSearch = 32 << 10

// searchDeduped writes every hit whole except matches that repeat, in the
// same file, the exact text of an earlier match: those are left out and
// listed by line number in a note after the first one ("[... same text at
// lines 163, 170, 201 ...]"). Must-keep hits are never folded. It returns
// ok=false when the output has context lines (grep -C), whose groups
// folding would break, or when the repeats weigh less than a fifth of
// the block.
func searchDeduped(b *blockLines, hits []searchHit, must []bool) (string, bool) {
	lines := b.lines
	// first[i] is the index of the first foldable match with the same
	// path and text as match i (i itself for the first one).
	type key struct{ path, body string }
	firstOf := map[key]int{}
	first := make([]int, len(lines))
	for i, hh := range hits {
		first[i] = -1
		if hh.sep == '-' {
			return "", false
		}
		if hh.sep != ':' || must[i] {
			continue
		}
		k := key{hh.path, hh.body}
		f, seen := firstOf[k]
		if !seen {
			f = i
			firstOf[k] = i
		}
		first[i] = f
	}
	// Folding cannot save more than the repeats weigh: when that is under
	// a fifth of the block (the least the caller accepts), stop here.
	repeats := 0
	for i := range lines {
		if f := first[i]; f >= 0 && f != i {
			repeats += len(lines[i]) + 1
		}
	}
	if repeats*5 < len(b.text) {
		return "", false
	}
	// Each group is a chain through next, from its first match (-1 ends
	// it); last[f] is the chain's current end.
	next := make([]int, len(lines))
	last := make([]int, len(lines))
	for i := range lines {
		next[i], last[i] = -1, i
		if f := first[i]; f >= 0 && f != i {
			next[last[f]] = i
			last[f] = i
		}
	}
	// A group folds only when its note is shorter than its lines; the
	// note's length is known without building it.
	fold := make([]bool, len(lines))   // first matches whose group folds
	folded := make([]bool, len(lines)) // the later matches left out
	anyFold := false
	for f := range lines {
		if first[f] != f || next[f] < 0 {
			continue
		}
		note, saved := len("[... same text at lines ")+len(" ...]"), 0
		for li := next[f]; li >= 0; li = next[li] {
			note += len(hits[li].number) + 2
			saved += len(lines[li]) + 1
		}
		if note+1 >= saved {
			continue
		}
		fold[f], anyFold = true, true
		for li := next[f]; li >= 0; li = next[li] {
			folded[li] = true
		}
	}
	if !anyFold {
		return "", false
	}
	var o lineOut
	o.sb.Grow(len(b.text) / 2)
	for i, l := range lines {
		if folded[i] {
			continue
		}
		o.line(l)
		if !fold[i] {
			continue
		}
		o.line("[... same text at line")
		if next[next[i]] >= 0 {
			o.sb.WriteByte('s')
		}
		for li := next[i]; li >= 0; li = next[li] {
			if li == next[i] {
				o.sb.WriteByte(' ')
			} else {
				o.sb.WriteString(", ")
			}
			o.sb.WriteString(hits[li].number)
		}
		o.sb.WriteString(" ...]")
	}
	return o.finish(b.finalNL), true
}

// groupedSize is the length searchGrouped would produce, without building
// it.
func groupedSize(lines []string, hits []searchHit, must []bool) int {
	size, heading := 0, ""
	for i, l := range lines {
		hh := hits[i]
		if hh.sep == 0 || must[i] {
			size += len(l) + 1
			if hh.sep == 0 {
				heading = ""
			}
			continue
		}
		if hh.path != heading {
			size += len(hh.path) + 1
			heading = hh.path
		}
		size += len(l) - len(hh.path)
	}
	return size
}

// searchGrouped writes the lossless grouped form.
func searchGrouped(b *blockLines, hits []searchHit, must []bool) string {
	var o lineOut
	o.sb.Grow(len(b.text))
	heading := ""
	for i, l := range b.lines {
		hh := hits[i]
		if hh.sep == 0 || must[i] {
			o.line(l)
			if hh.sep == 0 {
				heading = ""
			}
			continue
		}
		// Group only when the next hit is in the same file: a heading
		// for a single hit costs more than it saves.
		if hh.path != heading {
			if i+1 >= len(hits) || hits[i+1].path != hh.path {
				o.line(l)
				continue
			}
			o.line(hh.path)
			heading = hh.path
		}
		o.line(l[len(hh.path)+1:])
	}
	return o.finish(b.finalNL)
}

// searchLossy writes the lossy form.
func searchLossy(b *blockLines, hits []searchHit, must []bool, p searchParams) string {
	lines := b.lines
	var o lineOut
	o.sb.Grow(len(b.text) / 4)

	// Files are ranked by first appearance; a file counts only once even
	// when its hits come in several runs.
	var order []string
	rank := map[string]int{}
	for _, hh := range hits {
		if hh.sep == 0 {
			continue
		}
		if _, ok := rank[hh.path]; !ok {
			rank[hh.path] = len(order)
			order = append(order, hh.path)
		}
	}

	// pending accumulates files that are only named or counted, so one
	// note covers a stretch of them.
	var pend struct {
		named   []string
		files   int
		matches int
	}
	flush := func() {
		if pend.files == 0 {
			return
		}
		// "[... 37 matches in 22 more files omitted: a.go (1), b.go (3),
		// and 12 others ...]", written in place.
		o.line("[... ")
		o.sb.WriteString(strconv.Itoa(pend.matches))
		o.sb.WriteString(" match")
		if pend.matches != 1 {
			o.sb.WriteString("es")
		}
		o.sb.WriteString(" in ")
		o.sb.WriteString(strconv.Itoa(pend.files))
		o.sb.WriteString(" more file")
		if pend.files != 1 {
			o.sb.WriteString("s")
		}
		o.sb.WriteString(" omitted")
		for k, nm := range pend.named {
			if k == 0 {
				o.sb.WriteString(": ")
			} else {
				o.sb.WriteString(", ")
			}
			o.sb.WriteString(nm)
		}
		if rest := pend.files - len(pend.named); rest > 0 && len(pend.named) > 0 {
			o.sb.WriteString(", and ")
			o.sb.WriteString(plural(rest, "other", "others"))
		}
		o.sb.WriteString(" ...]")
		pend.named, pend.files, pend.matches = pend.named[:0], 0, 0
	}

	keep := make([]bool, len(lines))
	for i := 0; i < len(lines); {
		if hits[i].sep == 0 {
			// A stretch of lines that are not hits.
			end := i
			for end < len(lines) && hits[end].sep == 0 {
				end++
			}
			if end-i == 1 && lines[i] == "--" {
				// A group separator: kept between kept context groups only.
				keep[i] = i > 0 && keep[i-1] && end < len(lines) && (must[end] || rank[hits[end].path] < p.detailed)
				if keep[i] {
					flush()
					o.line(lines[i])
				}
				i = end
				continue
			}
			flush()
			writeOther(&o, lines[i:end], must[i:end], p)
			i = end
			continue
		}
		// A run of hits in one file.
		path := hits[i].path
		end := i
		for end < len(lines) && hits[end].sep != 0 && hits[end].path == path {
			end++
		}
		r := rank[path]
		// A file that shows must-keep hits needs no sample hit besides.
		shown, matches := 0, 0
		for k := i; k < end; k++ {
			if must[k] {
				shown = p.perFile
			}
		}
		for k := i; k < end; k++ {
			keep[k] = must[k]
			if hits[k].sep == ':' {
				matches++
				if !keep[k] && r < p.detailed && shown < p.perFile {
					keep[k] = true
					shown++
				}
			}
		}
		// Context lines next to a kept match stay with it.
		for k := i; k < end; k++ {
			if hits[k].sep == '-' && !keep[k] && (k > i && keep[k-1] && hits[k-1].sep == ':' || k+1 < end && keep[k+1] && hits[k+1].sep == ':') {
				keep[k] = true
			}
		}
		kept := 0
		for k := i; k < end; k++ {
			if keep[k] {
				kept++
			}
		}
		if kept == 0 && r >= p.detailed {
			pend.files++
			pend.matches += matches
			if r < p.detailed+p.listed {
				pend.named = append(pend.named, path+" ("+strconv.Itoa(matches)+")")
			}
			i = end
			continue
		}
		flush()
		omittedMatches, omittedLines := 0, 0
		for k := i; k < end; k++ {
			if keep[k] {
				o.line(lines[k])
			} else {
				omittedLines++
				if hits[k].sep == ':' {
					omittedMatches++
				}
			}
		}
		if omittedLines > 0 {
			// "path: [... 3 more matches omitted ...]", written in place
			// (one per shown file: no string building).
			n, noun, plur := omittedMatches, " more match", "es"
			if omittedMatches != omittedLines {
				n, noun, plur = omittedLines, " more line", "s"
			}
			o.line(path)
			o.sb.WriteString(": [... ")
			o.sb.WriteString(strconv.Itoa(n))
			o.sb.WriteString(noun)
			if n != 1 {
				o.sb.WriteString(plur)
			}
			o.sb.WriteString(" omitted ...]")
		}
		i = end
	}
	flush()
	return o.finish(b.finalNL)
}

// writeOther writes a stretch of lines that are not search hits (a
// preamble, an excerpt of a file): short stretches whole, long ones as
// head, tail and must-keep lines with the rest folded.
func writeOther(o *lineOut, lines []string, must []bool, p searchParams) {
	if len(lines) <= p.otherHead+p.otherTail+2 {
		for _, l := range lines {
			o.line(l)
		}
		return
	}
	keep := make([]bool, len(lines))
	for k := range lines {
		keep[k] = must[k] || k < p.otherHead || k >= len(lines)-p.otherTail
	}
	runs := identicalRuns(lines)
	for ri := 0; ri < len(runs); {
		if keep[runs[ri].first] {
			writeRun(o, lines, runs[ri])
			ri++
			continue
		}
		end := ri
		for end < len(runs) && !keep[runs[end].first] {
			end++
		}
		foldRuns(o, lines, runs[ri:end], 300)
		ri = end
	}
}

// plural formats n with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// splitCompoundTerms adds the parts of compound task terms
// ("nat-pmp/upnp" -> "nat-pmp", "upnp", "nat", "pmp"): the user writes
// compounds that the output spells apart. Parts shorter than four bytes
// are left out; order is kept and duplicates dropped.
func splitCompoundTerms(terms []string) []string {
	out := make([]string, 0, len(terms))
	seen := func(t string) bool {
		for _, x := range out {
			if x == t {
				return true
			}
		}
		return false
	}
	for _, t := range terms {
		if !seen(t) {
			out = append(out, t)
		}
		if !strings.ContainsAny(t, "/-") {
			continue
		}
		for _, part := range strings.FieldsFunc(t, func(r rune) bool { return r == '/' || r == '-' }) {
			if len(part) >= 4 && !stopWords[part] && !seen(part) {
				out = append(out, part)
			}
		}
	}
	return out
}
