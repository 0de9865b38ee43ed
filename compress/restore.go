package compress

import (
	"math"
	"math/bits"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Restores: every request carries the client's original conversation, so
// an old tool output arrives in full on every turn. When a turn written
// after a compressed block needs what the block dropped — a term, path,
// number or quoted string found in the original but not in the compressed
// form, or a request to quote or show the earlier output — the block is
// compressed again with that turn added to its task, or restored whole when
// all of it is asked for.
//
// The decision depends only on the block, what came before it, the knobs
// and the turns after it; the first turn that triggers decides, and since
// every later request holds that turn too, the block changes form exactly
// once and stays byte-stable from then on. A trigger in an assistant turn
// (a detail it saw in full before tsheadroom compressed, or on a turn that
// failed open) is judged together with the message right after it, which
// every request holding the assistant turn also holds.

// Restore reasons (the reason label of tsheadroom_blocks_restored_total).
const (
	RestoreTerms = "terms" // the turn names something only the dropped part holds
	RestoreQuote = "quote" // the turn asks to quote lines the form left out
	RestoreWhole = "whole" // the turn asks for the whole earlier output
)

// RestoreReasons lists the reasons in a fixed order, for metrics.
func RestoreReasons() []string { return []string{RestoreTerms, RestoreQuote, RestoreWhole} }

// followup is a later turn that may need what a block dropped.
type followup struct {
	// text is the turn's text, with the next message's when the turn is an
	// assistant's.
	text string
	// asked is the user's text of the follow-up: the turn itself, or the
	// message after an assistant turn. context is the assistant's text, if
	// any, which weighs less: it describes, the user asks.
	asked, context string
	// lastOutputBefore is set when the block is the last tool output
	// before the turn (a "show the whole output" refers to it).
	lastOutputBefore bool
	// fresh is set when the turn is new in this request (see
	// newestExchange): the request whose prompt cache the restore breaks.
	fresh bool
}

// query is what the follow-up asks: its user text weighs as the latest
// request, an assistant's text before it less.
func (f *followup) query() *relevance.Query {
	return (&relevance.Query{}).WithFollowup(f.asked, f.context)
}

// followups returns the turns after block i that may trigger its restore,
// in order.
func followups(req *Request, i int) []followup {
	b := &req.Blocks[i]
	if b.Turn >= len(req.Turns) {
		return nil
	}
	lastMsg := req.Turns[len(req.Turns)-1].Message
	if n := len(req.Blocks); n > 0 {
		lastMsg = max(lastMsg, req.Blocks[n-1].Message)
	}
	// nextOutput is the message of the first tool output after block i.
	nextOutput := -1
	for k := i + 1; k < len(req.Blocks); k++ {
		if req.Blocks[k].Source == ToolOutput && req.Blocks[k].Message > b.Message {
			nextOutput = req.Blocks[k].Message
			break
		}
	}
	var out []followup
	turns := req.Turns[b.Turn:]
	newest := newestExchange(req)
	for k, t := range turns {
		switch t.Role {
		case "user", "assistant", "model":
		default:
			continue
		}
		f := followup{text: t.Text, asked: t.Text, lastOutputBefore: nextOutput < 0 || t.Message < nextOutput,
			fresh: t.Message >= newest}
		if t.Role != "user" {
			f.asked, f.context = "", t.Text
			if t.Message >= lastMsg {
				// An assistant turn that ends the request (a prefill):
				// the message after it is not known yet.
				continue
			}
			for _, u := range turns[k+1:] {
				if u.Message > t.Message+1 {
					break
				}
				if u.Message == t.Message+1 {
					f.text += "\n" + u.Text
					f.asked += "\n" + u.Text
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// newestExchange returns the index of the first message that is new in
// this request: the reply to the previous request (the last assistant
// message) and what followed it. An assistant message that only calls a
// tool holds no turn, but the tool's output right after it marks it.
func newestExchange(req *Request) int {
	newest := -1
	for _, t := range req.Turns {
		if t.Role == "assistant" || t.Role == "model" {
			newest = max(newest, t.Message)
		}
	}
	for k := len(req.Blocks) - 1; k >= 0; k-- {
		if req.Blocks[k].Source == ToolOutput {
			newest = max(newest, req.Blocks[k].Message-1)
			break
		}
	}
	return newest
}

// needsRestore reports whether a follow-up query q needs something that
// compressed dropped from original, and why. It is the cheap check; the
// caller confirms by compressing again.
//
// memo (nil for none) holds the texts' lowered copies (see countTerm).
func needsRestore(original, compressed string, q *relevance.Query, f followup, memo *lines.Memo) (string, bool) {
	if q.Intent.Has(relevance.Whole) && f.lastOutputBefore {
		return RestoreWhole, true
	}
	if len(q.Ordinals) > 0 && f.lastOutputBefore {
		// "The 25th row": a position in the last output, which only
		// compressing again can tell was kept.
		return RestoreTerms, true
	}
	quote := q.Intent.Has(relevance.Quote)
	// The texts lowered, for countIn, once a term is looked for.
	var origLower, compLower string
	var origASCII, compASCII, lowered bool
	lower := func() {
		if !lowered {
			lowered = true
			origLower, origASCII = relevance.Lowered(memo, original)
			compLower, compASCII = relevance.Lowered(memo, compressed)
		}
	}
	// Each follow-up of a block asks again for many of the same terms in
	// the same two texts: the counts are kept in the memo by text.
	origCounts, compCounts := termCounts(memo, original), termCounts(memo, compressed)
	// count is inOriginal or inCompressed: text's count of t, from
	// counts when kept there; low and ascii are set by lower.
	count := func(text string, low *string, ascii *bool, counts map[countKey]int, t relevance.Term, limit int) int {
		k := countKey{t.Text, t.Kind, limit}
		if n, ok := counts[k]; ok {
			return n
		}
		var n int
		if lower(); *ascii {
			n = countIn(text, *low, t, limit)
		} else {
			n = countTerm(text, t, limit)
		}
		if counts != nil {
			counts[k] = n
		}
		return n
	}
	inOriginal := func(t relevance.Term, limit int) int {
		return count(original, &origLower, &origASCII, origCounts, t, limit)
	}
	inCompressed := func(t relevance.Term, limit int) int {
		return count(compressed, &compLower, &compASCII, compCounts, t, limit)
	}
	// The parts of a compound the output never spells ("export" of
	// "/.export") are what it names instead: TestServeExport.
	var absent []string
	for _, t := range q.Terms {
		if t.Latest && t.Kind != relevance.Word && inOriginal(t, 1) == 0 {
			absent = append(absent, t.Text)
		}
	}
	partOfAbsent := func(w string) bool {
		for _, c := range absent {
			if strings.Contains(c, w) {
				return true
			}
		}
		return false
	}
	for _, t := range q.Terms {
		if !t.Latest {
			continue
		}
		specific := t.Kind != relevance.Word || len(t.Text) >= 4 && (t.Prior >= 1 || t.Prior >= 0.5 && partOfAbsent(t.Text)) || relevance.Code(t.Typed)
		if !specific && !quote {
			continue
		}
		// Asked for an extreme, a value in many lines may still pick out
		// the rows the extreme is taken among ("the fewest orders of
		// the JP customers"): more of its lines are counted. A plain
		// word is more often a field every record has ("subject").
		limit := maxCounted
		if q.Intent&relevance.Extremes != 0 && (t.Kind != relevance.Word || relevance.Code(t.Typed)) {
			limit = maxScopedCounted
		}
		found := inOriginal(t, limit)
		if found == 0 {
			continue
		}
		// Dropped occurrences of a specific term: some (all, or more
		// than the compressed form holds) of the lines that name it
		// are gone. A term found everywhere names nothing in particular.
		if kept := inCompressed(t, limit); kept == 0 || specific && found < limit && kept < found {
			return RestoreTerms, true
		}
		if quote && f.lastOutputBefore {
			return RestoreQuote, true
		}
		// A common word that names a field ("Installed:" in every
		// record) asks for that column: most of its lines gone is a
		// question the compressed form cannot answer.
		if found >= maxCounted && t.Kind == relevance.Word && len(t.Text) >= 4 {
			lower()
			if all := countKeyed(original, origLower, origASCII, t); all >= minKeyedColumn {
				if countKeyed(compressed, compLower, compASCII, t)*2 < all {
					return RestoreTerms, true
				}
			}
		}
	}
	return "", false
}

// minKeyedColumn is the fewest field lines of one key that make a column.
const minKeyedColumn = 8

// countKeyed counts the lines of text where term t is the key of a
// "Key: value" field: the line's first word, with a ':' after it. lower
// is text lowered when ascii.
func countKeyed(text, lower string, ascii bool, t relevance.Term) int {
	keyAt := func(s, e int) bool {
		for k := s - 1; k >= 0 && text[k] != '\n'; k-- {
			if text[k] != ' ' && text[k] != '\t' {
				return false
			}
		}
		for ; e < len(text) && text[e] == ' '; e++ {
		}
		return e < len(text) && text[e] == ':'
	}
	find := foldFinder(text, t)
	if ascii {
		find = lowerFinder(lower, t)
	}
	return countMatches(text, t, math.MaxInt, find, keyAt)
}

// countKey names a count of needsRestore: what countTerm reads of a term,
// and the limit.
type countKey struct {
	text  string
	kind  relevance.TermKind
	limit int
}

// maxTermCounts bounds the counts kept for one text.
const maxTermCounts = 1024

// termCounts returns the counts of terms in text kept in m (nil without a
// memo, or once maxTermCounts are kept: nothing more is added).
func termCounts(m *lines.Memo, text string) map[countKey]int {
	if m == nil {
		return nil
	}
	if v, ok := m.Get("restore.counts", text); ok {
		if c := v.(map[countKey]int); len(c) < maxTermCounts {
			return c
		}
		return nil
	}
	c := map[countKey]int{}
	m.Put("restore.counts", text, c)
	return c
}

// maxCounted bounds the occurrences countTerm counts: a term in more
// lines than that is common, not named.
const maxCounted = 64

// maxScopedCounted bounds the occurrences counted of a term that may pick
// out the rows an extreme is asked among.
const maxScopedCounted = 4096

// countTerm counts the occurrences of term t in text (see containsTerm),
// up to limit.
func countTerm(text string, t relevance.Term, limit int) int {
	return countMatches(text, t, limit, foldFinder(text, t), nil)
}

// foldFinder finds t in text[off:] with its letters folded (IndexFold),
// for offsets that only grow (see lines.FoldSearch).
func foldFinder(text string, t relevance.Term) func(off int) (int, int) {
	fs := lines.NewFoldSearch(text, t.Text)
	return func(off int) (int, int) {
		i, j := fs.Next(off)
		if i < 0 {
			return -1, -1
		}
		return i - off, j - off
	}
}

// lowerFinder finds t in lower[off:], an ASCII text lowered.
func lowerFinder(lower string, t relevance.Term) func(off int) (int, int) {
	return func(off int) (int, int) {
		i := strings.Index(lower[off:], t.Text)
		return i, i + len(t.Text)
	}
}

// countIn is countTerm of an ASCII text, given lower, the text with its
// letters lowered (same offsets): IndexFold on ASCII text finds what
// strings.Index finds in lower (a needle with an upper-case or non-ASCII
// byte matches neither), and strings.Index runs many times faster.
func countIn(text, lower string, t relevance.Term, limit int) int {
	return countMatches(text, t, limit, lowerFinder(lower, t), nil)
}

// countMatches counts the matches of t in text that find reports (the
// span of the first one in text[off:], -1 when none) and accept takes
// (all when nil), up to limit.
func countMatches(text string, t relevance.Term, limit int, find func(off int) (int, int), accept func(s, e int) bool) int {
	needle := t.Text
	if needle == "" {
		return 0
	}
	wordStart, wordEnd := lines.IsWordByte(needle[0]), lines.IsWordByte(needle[len(needle)-1])
	part := t.Kind == relevance.Word
	n := 0
	for off := 0; off < len(text) && n < limit; {
		i, j := find(off)
		if i < 0 {
			break
		}
		s, e := off+i, off+j
		off = e
		if wordStart && s > 0 && lines.IsWordByte(text[s-1]) && !(part && partStart(text, s)) && !relevance.GluedNumberStart(text, s, needle) ||
			wordEnd && e < len(text) && lines.IsWordByte(text[e]) && !(part && partEnd(text, e)) && !relevance.GluedNumberEnd(text, e, needle) {
			off = s + 1
			continue
		}
		if accept == nil || accept(s, e) {
			n++
		}
	}
	return n
}

// containsTerm reports whether text holds term t: a word as a whole word
// or a part of an identifier ("export" in TestServeExport, ASCII case
// folded), a compound, number or phrase as a substring that does not start
// or end inside a word.
func containsTerm(text string, t relevance.Term) bool { return countTerm(text, t, 1) > 0 }

// partStart reports whether an identifier part starts at s (inside a
// word): an upper-case letter after a lower-case one or a digit, or the
// letter after an underscore.
func partStart(text string, s int) bool {
	c, p := text[s], text[s-1]
	return p == '_' || c >= 'A' && c <= 'Z' && (p >= 'a' && p <= 'z' || lines.IsDigit(p))
}

// partEnd reports whether an identifier part ends at e (inside a word):
// an upper-case letter, a digit or an underscore follows.
func partEnd(text string, e int) bool {
	c := text[e]
	return c == '_' || c >= 'A' && c <= 'Z' || lines.IsDigit(c)
}

// firstForm is what every restored form of a block is checked against
// (see judge): the lines of its first form, and the problem lines among
// them, read once however many forms are tried.
type firstForm struct {
	have     map[string]bool
	problems []string // in order, repeats included
}

func newFirstForm(first string) *firstForm {
	f := &firstForm{have: make(map[string]bool, strings.Count(first, "\n")+1)}
	for l := range strings.Lines(first) {
		l = strings.TrimSuffix(l, "\n")
		f.have[l] = true
		if !lines.IsNote(l) && lines.Signal(l) == lines.Problem {
			f.problems = append(f.problems, l)
		}
	}
	return f
}

// keepsProblems reports whether the restored form keeps nearly every
// problem line the first form kept (all but a fifth): a restore brings
// back what a question needs, it must not trade the errors away for it.
func (f *firstForm) keepsProblems(restored string) bool {
	have := make(map[string]bool, strings.Count(restored, "\n")+1)
	for l := range strings.Lines(restored) {
		have[strings.TrimSuffix(l, "\n")] = true
	}
	lost := 0
	for _, l := range f.problems {
		if !have[l] {
			lost++
		}
	}
	return lost*5 <= len(f.problems)
}

// addsReferenced reports whether the restored form keeps a line, outside
// notes, that the first form lacked and that holds a term of the follow-up
// query: the restore brings back something the turn asked about.
func (f *firstForm) addsReferenced(restored string, q *relevance.Query) bool {
	for l := range strings.Lines(restored) {
		l = strings.TrimSuffix(l, "\n")
		if f.have[l] || lines.IsNote(l) {
			continue
		}
		if len(q.Ordinals) > 0 {
			return true // a line at a named position, whatever it holds
		}
		for _, t := range q.Terms {
			if t.Latest && containsTerm(l, t) {
				return true
			}
		}
	}
	return false
}

// referencedBytes is the room a restored form needs for what q refers to:
// the lines of original holding a term specific to them that compressed
// left out, with a neighbour on each side for context. A very long line
// (minified JSON, a wide table row) counts for a bounded part, and the
// whole for at most half the first form again.
func referencedBytes(original, compressed string, q *relevance.Query, memo *lines.Memo) int {
	const perLine = 2048
	ls := lines.SplitMemo(memo, original)
	room, counted := 0, -1
	if ls.Len() > 0 {
		// A named position is a line or an item of about average size.
		room += len(q.Ordinals) * 3 * min(len(original)/ls.Len()+1, perLine)
	}
	ix := relevance.BuildMemo(q, original, ls.Start, nil, memo)
	if !ix.Any() {
		return min(room, len(compressed)/2)
	}
	var in *substrings
	for u := range ls.Len() {
		if !ix.Specific(u) {
			continue
		}
		if in == nil {
			in = substringsOf(memo, compressed)
		}
		if in.contains(ls.L[u]) {
			continue
		}
		for k := max(u-1, counted+1); k <= min(u+1, ls.Len()-1); k++ {
			room += min(len(ls.L[k])+1, perLine)
			counted = k
		}
	}
	return min(room, len(compressed)/2)
}

// Trigger is why a later turn restores a block.
type Trigger struct {
	// Reason is one of RestoreReasons.
	Reason string
	// Fresh is set when the triggering turn is new in this request: the
	// request on which the block changes form (and the prompt cache
	// breaks). Every later request carries the restore too, not fresh.
	Fresh bool
}

// Referenced reports whether a turn written after block i of req needs
// something that compressed (the block's rewritten text) left out, and
// why. Engines that cannot re-judge a block by a follow-up (the headroom
// engine) forward the original block when it does.
//
// Without a second compression to confirm it, a quote request counts only
// when a line of the original that holds one of its terms is missing from
// the compressed form as printed: a quote of lines kept verbatim needs
// nothing back.
func Referenced(req *Request, i int, compressed string) (Trigger, bool) {
	b := &req.Blocks[i]
	for _, f := range followups(req, i) {
		q := f.query()
		reason, ok := needsRestore(b.Text, compressed, q, f, nil)
		if ok && reason == RestoreQuote && !quotedLineMissing(b.Text, compressed, q) {
			continue
		}
		if ok {
			return Trigger{Reason: reason, Fresh: f.fresh}, true
		}
	}
	return Trigger{}, false
}

// maxQuoteCheck bounds the lines quotedLineMissing looks at.
const maxQuoteCheck = 256

// quotedLineMissing reports whether a line of original holding a term the
// user typed in the latest request (not a part derived from one) is not in
// compressed as printed.
func quotedLineMissing(original, compressed string, q *relevance.Query) bool {
	checked := 0
	for l := range strings.Lines(original) {
		l = strings.TrimRight(l, "\r\n")
		if strings.TrimSpace(l) == "" {
			continue
		}
		for _, t := range q.Terms {
			if !t.Latest || t.Prior < 1 || !containsTerm(l, t) {
				continue
			}
			if !strings.Contains(compressed, l) {
				return true
			}
			if checked++; checked >= maxQuoteCheck {
				return false
			}
			break
		}
	}
	return false
}

// substrings answers strings.Contains(text, s) for many s: a line of text
// is found by a lookup, and most other strings are ruled out by a 4-byte
// gram of theirs that text lacks (a filter of text's grams), so the scan
// of text is left for the strings the filter cannot rule out.
type substrings struct {
	text  string
	lines map[string]bool
	grams []uint64 // bit set of gram hashes
	shift uint8    // gram hashes are the top 32-shift bits of a product
}

// minGramLog and maxGramLog bound the log2 of the filter's bits, about
// eight bits per byte of text: a fixed 2^16 bits filled up on a first form
// of 100 KB and more, which then ruled out almost nothing and left a scan
// of the whole form for every line looked for.
const (
	minGramLog = 16
	maxGramLog = 24
)

// substringsOf is newSubstrings(text), kept in m: every follow-up of a
// block that needs something back looks for lines in the same first form.
func substringsOf(m *lines.Memo, text string) *substrings {
	if v, ok := m.Get("restore.substrings", text); ok {
		return v.(*substrings)
	}
	s := newSubstrings(text)
	m.Put("restore.substrings", text, s)
	return s
}

func newSubstrings(text string) *substrings {
	log := min(max(bits.Len(uint(len(text)))+3, minGramLog), maxGramLog)
	s := &substrings{text: text, lines: make(map[string]bool, strings.Count(text, "\n")+1),
		grams: make([]uint64, (1<<log)/64), shift: uint8(32 - log)}
	for l := range strings.Lines(text) {
		s.lines[strings.TrimSuffix(l, "\n")] = true
	}
	for i := 0; i+4 <= len(text); i++ {
		h := s.gramHash(text[i:])
		s.grams[h/64] |= 1 << (h % 64)
	}
	return s
}

// gramHash hashes the 4 bytes at the start of s into the filter's bits.
func (s *substrings) gramHash(g string) uint32 {
	v := uint32(g[0]) | uint32(g[1])<<8 | uint32(g[2])<<16 | uint32(g[3])<<24
	return (v * 2654435761) >> s.shift
}

// contains reports strings.Contains(s.text, sub).
func (s *substrings) contains(sub string) bool {
	if sub == "" || s.lines[sub] {
		return true
	}
	for i := 0; i+4 <= len(sub); i++ {
		h := s.gramHash(sub[i:])
		if s.grams[h/64]&(1<<(h%64)) == 0 {
			return false
		}
	}
	return strings.Contains(s.text, sub)
}
