// Package relevance decides which parts of a tool output the conversation
// is about. A Query holds the distinctive terms of what the user asked
// (words, identifiers, paths, dotted names, numbers, quoted strings) and
// what the question wants (verbatim quotes, the whole output, the largest
// or newest item, a count); an Index weighs those terms over the units of
// one block (its lines, or its items) by how rare they are there, BM25
// style, so a common word marks nothing while a rare identifier marks the
// few lines that hold it.
//
// Matching is by whole words and identifiers, never by substring inside a
// word: "repo" does not match "report", "port" does not match "support".
package relevance

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// TermKind tells how a term is matched.
type TermKind uint8

const (
	// Word is one word, matched against whole words of a unit (and the
	// parts of identifiers: "Hostname" in "SanitizeHostname"), its
	// inflections included ("resumes" meets "resume", "resumed").
	Word TermKind = iota
	// Compound is an identifier with inner punctuation (a path, a dotted or
	// hyphenated name, a flag, host:port), matched as a case-insensitive
	// substring that does not start or end inside a word.
	Compound
	// Number is a token with digits (a version, an error code, a port),
	// matched like a Compound.
	Number
	// Phrase is a quoted string, matched like a Compound.
	Phrase
)

// Term is one distinctive term of a query.
type Term struct {
	// Text is the term in lower case (ASCII folded; other letters as
	// typed and lowered).
	Text string
	// Typed is the term as the user typed it (for non-ASCII matching).
	Typed string
	Kind  TermKind
	// Prior weighs the term before its rarity in a block is known: terms
	// of the latest request weigh 1, terms of earlier context less, and
	// derived terms (parts of compounds, identifier pieces) less again.
	Prior float64
	// Latest is set for terms of the latest request.
	Latest bool
}

// Intent is what a question wants of the output, beyond its terms.
type Intent uint16

const (
	// Quote: the user wants lines as printed (quote, verbatim, paste,
	// exact): kept lines must be byte-exact and not regrouped.
	Quote Intent = 1 << iota
	// Whole: the user wants all of an earlier output.
	Whole
	// Max: the largest / slowest / most / top items matter.
	Max
	// Min: the smallest / fastest / least items matter.
	Min
	// Newest: the latest / most recent items matter.
	Newest
	// Oldest: the oldest / earliest items matter.
	Oldest
	// Count: the user asks how many: tallies and summary lines matter.
	Count
	// Analysis: the user asks to analyse or review code.
	Analysis
	// Markup: the user names markup itself (tags, attributes, "the HTML
	// source") or writes its syntax (<dt>, href="..."), so a quote of a
	// page wants its markup, not its text.
	Markup
	// Every: the user wants every item of a set (all, every, each, the
	// full list): each unit holding a rare term of the request is part of
	// the answer, not only the best matches.
	Every
)

// Has reports whether all of the flags in x are set.
func (i Intent) Has(x Intent) bool { return i&x == x }

// Extremes is the set of intents that ask for the items at one end of a
// numeric or temporal order.
const Extremes = Max | Min | Newest | Oldest

// Query is what a block's compression should keep in view.
type Query struct {
	Terms  []Term
	Intent Intent
	// Ordinals are the positions the request names ("the 40th item",
	// "the 25th row"), which compressors keep whatever they hold.
	Ordinals []Ordinal
	// Spans are the stretches the request names by their two ends ("0x1a40
	// through 0x1a70"), whose ends are terms of the query.
	Spans []Span
	// TopN is how many items at one end of an order a plural superlative
	// asks for ("the three largest", "top 5"), 0 when none is given.
	TopN int
	// Dismissed are the words of what the latest request waves away
	// ("skip the missing-annotation noise"), lowered: no terms.
	Dismissed []string
}

// Ordinal is a position a request names: the Nth item of a collection or
// row of a table (1-based), or the Nth line of an output when Line is set.
type Ordinal struct {
	N    int
	Line bool
}

// MaxTerms bounds a query's terms: a task of hundreds of words must not
// make matching superlinear. Terms of the latest request come first.
const MaxTerms = 48

// maxTaskBytes bounds how much task text is read.
const maxTaskBytes = 8 << 10

// Parse builds a query from the latest request (the last thing the user
// asked before the block) and earlier context (older user messages, agent
// preambles). Intents come from the latest request only: an old "walk me
// through" does not make every later block an analysis.
func Parse(latest, earlier string) *Query {
	q := &Query{}
	p := parser{q: q, seen: map[string]int{}}
	latest = tail(latest, maxTaskBytes)
	q.Intent = intentOf(latest)
	q.Ordinals = ordinalsOf(latest)
	q.TopN = topNOf(latest)
	latest, q.Dismissed = dismissals(latest)
	p.text(latest, 1, true)
	q.Spans = p.spans(latest, 1)
	p.text(tail(earlier, maxTaskBytes), 0.5, false)
	return q
}

// WithFollowup returns a copy of q extended by a later turn: asked, what
// the user asks now (its terms and intents count as the latest request),
// and context, the assistant's words the question refers to ("that
// check"), whose terms weigh half as much and bring no intent. Both rank
// before q's own terms, so a long first task cannot crowd out what the
// follow-up names.
func (q *Query) WithFollowup(asked, context string) *Query {
	out := &Query{Intent: q.Intent | intentOf(tail(asked, maxTaskBytes)),
		Ordinals: append(ordinalsOf(tail(asked, maxTaskBytes)), q.Ordinals...)}
	out.Ordinals = out.Ordinals[:min(len(out.Ordinals), maxOrdinals)]
	out.TopN = q.TopN
	if n := topNOf(tail(asked, maxTaskBytes)); n > 0 {
		out.TopN = n
	}
	p := parser{q: out, seen: map[string]int{}}
	asked, out.Dismissed = dismissals(tail(asked, maxTaskBytes))
	out.Dismissed = append(out.Dismissed, q.Dismissed...)
	p.text(asked, 1.2, true)
	out.Spans = append(p.spans(asked, 1.2), q.Spans...)
	out.Spans = out.Spans[:min(len(out.Spans), maxSpans)]
	if context != "" {
		// The assistant's own words, not glued pairs of them: a long
		// reply's pairs would push out of the query what the user
		// asked for first ("is there a self-assignment anywhere?").
		p.words = true
		p.text(tail(context, maxTaskBytes), 0.6, true)
		p.words = false
	}
	for _, t := range q.Terms {
		t.Prior *= 0.7
		p.add(t)
	}
	return out
}

// Clone returns a copy of q that shares nothing with it.
func (q *Query) Clone() *Query {
	c := *q
	c.Terms = slices.Clone(q.Terms)
	c.Ordinals = slices.Clone(q.Ordinals)
	c.Spans = slices.Clone(q.Spans)
	c.Dismissed = slices.Clone(q.Dismissed)
	return &c
}

// NamesField reports whether the latest request names a field (a column
// header, a member name) by one of its words or name parts, inflected or
// not ("free disk" names free_gb), or by the word a shortened name starts
// ("cumulative" names cum, "temperature" temp).
func (q *Query) NamesField(name string) bool {
	found := false
	match := func(w string) {
		lw := fold(w)
		sw := lines.Stem(lw)
		for _, t := range q.Terms {
			if t.Kind == Word && t.Latest && (lines.Stem(t.Text) == sw || len(lw) >= 3 && len(t.Text) > len(lw) && strings.HasPrefix(t.Text, lw) && isLetters(lw)) {
				found = true
				return
			}
		}
	}
	lines.Words(name, func(w string, _, _ int) bool {
		if match(w); !found {
			lines.Parts(w, match)
		}
		return !found
	})
	return found
}

// Empty reports whether q has no terms and no intent.
func (q *Query) Empty() bool { return q == nil || len(q.Terms) == 0 && q.Intent == 0 }

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	// Start at a rune boundary.
	for i := 0; i < len(s) && i < 4; i++ {
		if s[i] < 0x80 || s[i] >= 0xC0 {
			return s[i:]
		}
	}
	return s
}

type parser struct {
	q    *Query
	seen map[string]int // term text -> index in q.Terms
	// words is set while text adds no joined terms (see joined).
	words bool
}

func (p *parser) add(t Term) {
	if len(t.Text) < 2 {
		return
	}
	if i, ok := p.seen[t.Text]; ok {
		e := &p.q.Terms[i]
		if t.Prior > e.Prior {
			e.Prior = t.Prior
		}
		e.Latest = e.Latest || t.Latest
		if t.Kind > e.Kind {
			e.Kind = t.Kind
		}
		return
	}
	if len(p.q.Terms) >= MaxTerms {
		return
	}
	p.seen[t.Text] = len(p.q.Terms)
	p.q.Terms = append(p.q.Terms, t)
}

// spans returns the spans of s (see spansOf), adding their ends' forms
// as terms: the ends are what locates a span in an output.
func (p *parser) spans(s string, prior float64) []Span {
	spans := spansOf(s)
	for _, sp := range spans {
		for _, f := range slices.Concat(sp.From, sp.To) {
			p.add(Term{Text: f, Typed: f, Kind: Number, Prior: prior * 1.3, Latest: true})
		}
	}
	return spans
}

// text adds the terms of s with the given prior.
func (p *parser) text(s string, prior float64, latest bool) {
	s = stripTags(s)
	// Quoted strings are phrases, kept whole.
	for _, ph := range quoted(s) {
		p.token(ph, prior, latest, true)
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '?' || r == '!' || r == '"' || r == '`' || r == '(' || r == ')' || r == ';'
	}) {
		p.token(f, prior, latest, false)
	}
	if !p.words {
		p.joined(s, prior, latest)
	}
}

// maxJoined bounds the joined terms one text adds.
const maxJoined = 16

// joined adds the words that programs write by gluing two words of the
// task together: "XSRF tokens" is xsrftoken, "DERP server" derpserver,
// "HTTP client" httpclient. Within a sentence, neighbouring content words
// are joined first, then those one content word apart; a joined term can
// only match a word that holds both, so the spurious ones cost nothing.
func (p *parser) joined(s string, prior float64, latest bool) {
	var sentences [][]string
	var cur []string
	for _, f := range strings.Fields(s) {
		end := strings.IndexAny(f[len(f)-1:], ".?!;:") == 0
		lines.Words(f, func(w string, _, _ int) bool {
			lw := fold(w)
			switch {
			case stopWords[lw] || intentWords[lw]:
				// Stop words do not break a phrase.
			case len(lw) < 3 || !isLetters(lw):
				cur = append(cur, "") // a number or a symbol does
			default:
				cur = append(cur, lw)
			}
			return true
		})
		if end {
			sentences = append(sentences, cur)
			cur = nil
		}
	}
	sentences = append(sentences, cur)
	added := 0
	for gap := 1; gap <= 2; gap++ {
		for _, words := range sentences {
			for i := 0; i+gap < len(words) && added < maxJoined; i++ {
				a, b := words[i], words[i+gap]
				if a == "" || b == "" || gap == 2 && words[i+1] == "" {
					continue
				}
				p.add(Term{Text: a + b, Typed: a + b, Kind: Word, Prior: prior * 0.7, Latest: latest})
				added++
			}
		}
	}
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// quoted returns the quoted strings of s: text between a pair of ` or "
// or ' on one line, where the opening quote follows a blank, the start or
// an opening bracket and the closing one precedes a blank, punctuation or
// the end (so the apostrophes of "don't" and "other's" open nothing).
func quoted(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '`' && c != '"' && c != '\'' {
			continue
		}
		if i > 0 && !opensQuote(s[i-1]) {
			continue
		}
		end := -1
		for j := i + 1; j < len(s) && j-i <= 201 && s[j] != '\n'; j++ {
			if s[j] == c && j > i+1 && s[j-1] != ' ' && (j+1 == len(s) || closesQuote(s[j+1])) {
				end = j
				break
			}
		}
		if end < 0 {
			continue
		}
		if ph := strings.TrimSpace(s[i+1 : end]); ph != "" {
			out = append(out, ph)
		}
		i = end
	}
	return out
}

func opensQuote(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '(' || c == '[' || c == ':'
}
func closesQuote(c byte) bool { return !lines.IsWordByte(c) }

// token classifies one whitespace-delimited token of the task.
func (p *parser) token(f string, prior float64, latest, quoted bool) {
	f = strings.Trim(f, ".,;:!?()[]{}<>\"'`*")
	// Possessives and contractions: "interpreter's" is "interpreter".
	for _, suf := range [...]string{"'s", "’s", "'re", "'ve", "'ll", "'d", "n't"} {
		if len(f) > len(suf)+2 && strings.HasSuffix(strings.ToLower(f), suf) {
			f = f[:len(f)-len(suf)]
			break
		}
	}
	if f == "" {
		return
	}
	if quoted && strings.ContainsAny(f, " \t") {
		p.add(Term{Text: fold(f), Typed: f, Kind: Phrase, Prior: prior * 1.5, Latest: latest})
		for _, g := range strings.Fields(f) {
			p.token(g, prior*0.6, latest, false)
		}
		return
	}
	for _, v := range hexForms(f) {
		// The same offset as dumps and listings print it: "0xee0" is
		// "00000ee0" in a hex dump and "ee0:" in a disassembly.
		p.add(Term{Text: v, Typed: f, Kind: Number, Prior: prior * 1.3, Latest: latest})
	}
	hasDigit, hasLetter, inner := false, false, false
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case lines.IsDigit(c):
			hasDigit = true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			hasLetter = true
		case c == '_':
		default:
			if i > 0 && i < len(f)-1 {
				inner = true
			}
		}
	}
	switch {
	case inner && (hasLetter || hasDigit):
		kind := Compound
		if hasDigit && !hasLetter {
			kind = Number
		}
		if !stopCompound(f) {
			p.add(Term{Text: fold(f), Typed: f, Kind: kind, Prior: prior * 1.3, Latest: latest})
		}
		// Its words count too, weaker: "res.sendFile" -> "sendfile".
		lines.Words(f, func(w string, _, _ int) bool {
			p.word(w, prior*0.6, latest)
			return true
		})
	case hasDigit && hasLetter:
		// An identifier with digits: E0609, TS2339, utf8, v5. Its parts
		// count too, weaker: "__int128" is the INT128 of
		// __SIZEOF_INT128__.
		p.add(Term{Text: fold(f), Typed: f, Kind: Number, Prior: prior * 1.3, Latest: latest})
		if strings.Contains(f, "_") {
			lines.Parts(f, func(part string) {
				p.word(part, prior*0.6, latest)
			})
		}
	case hasDigit:
		if len(f) >= 2 || quoted {
			p.add(Term{Text: fold(f), Typed: f, Kind: Number, Prior: prior, Latest: latest})
		}
	default:
		lines.Words(f, func(w string, _, _ int) bool {
			p.word(w, prior, latest)
			return true
		})
	}
}

// hexForms returns the other spellings of a hexadecimal number token: for
// "0xee0" (a 0x prefix) the bare digits and the digits zero-padded to 8
// and 16 places; for a zero-padded run of 8 or 16 hex digits
// ("00000ee0") the bare digits and the 0x form. Lowered; nil for any other token.
func hexForms(f string) []string {
	f = strings.ToLower(f)
	prefixed := strings.HasPrefix(f, "0x")
	digits := strings.TrimPrefix(f, "0x")
	if digits == "" || len(digits) > 16 || strings.Trim(digits, "0123456789abcdef") != "" {
		return nil
	}
	bare := strings.TrimLeft(digits, "0")
	if bare == "" {
		bare = "0"
	}
	if !prefixed {
		if (len(digits) == 8 || len(digits) == 16) && len(bare) < len(digits) && len(bare) >= 3 {
			return []string{bare, "0x" + bare}
		}
		return nil
	}
	var out []string
	if len(bare) >= 3 {
		out = append(out, bare)
	}
	for _, w := range [...]int{8, 16} {
		if len(bare) < w {
			out = append(out, strings.Repeat("0", w-len(bare))+bare)
		}
	}
	return out
}

// word adds a plain word and the parts of an identifier.
func (p *parser) word(w string, prior float64, latest bool) {
	lw := fold(w)
	if len(lw) < 3 && !Code(w) || stopWords[lw] || intentWords[lw] {
		return
	}
	if lines.AllDigits(lw) {
		p.add(Term{Text: lw, Typed: w, Kind: Number, Prior: prior, Latest: latest})
		return
	}
	p.add(Term{Text: lw, Typed: w, Kind: Word, Prior: prior, Latest: latest})
	lines.Parts(w, func(part string) {
		lp := fold(part)
		if len(lp) >= 3 && !stopWords[lp] {
			p.add(Term{Text: lp, Typed: part, Kind: Word, Prior: prior * 0.5, Latest: latest})
		}
	})
}

// Code reports whether a two-letter word was typed as a code ("JP",
// "EU", "GC"): capitals name a value, where a short lower-case word says
// nothing.
func Code(typed string) bool {
	if len(typed) != 2 {
		return false
	}
	for i := 0; i < len(typed); i++ {
		if typed[i] < 'A' || typed[i] > 'Z' {
			return false
		}
	}
	return true
}

// stopCompound reports compounds that say nothing: "e.g.", "i.e.", "etc.".
func stopCompound(f string) bool {
	switch strings.ToLower(f) {
	case "e.g", "i.e", "etc", "a.k.a", "vs", "n/a", "and/or":
		return true
	}
	return false
}

func fold(s string) string { return lines.Fold(s) }

// stripTags blanks short markup tags that agents wrap around their context
// (<cwd>, </environment_context>) so their names are not terms.
func stripTags(s string) string {
	if strings.IndexByte(s, '<') < 0 {
		return s
	}
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		if b[i] != '<' {
			continue
		}
		j := i + 1
		if j < len(b) && b[j] == '/' {
			j++
		}
		k := j
		for k < len(b) && k-j <= 40 && (lines.IsWordByte(b[k]) || b[k] == '-') {
			k++
		}
		if k > j && k < len(b) && b[k] == '>' {
			for m := i; m <= k; m++ {
				b[m] = ' '
			}
			i = k
		}
	}
	return string(b)
}

// queryKey serializes everything of q an index depends on: equal keys,
// equal indexes of a text.
func queryKey(q *Query) string {
	// Sized at once: the key is built for every index of a memo'd text.
	size := 2 * binary.MaxVarintLen64
	for i := range q.Terms {
		size += 2 + 8 + 2*binary.MaxVarintLen64 + len(q.Terms[i].Text) + len(q.Terms[i].Typed)
	}
	b := make([]byte, 0, size)
	b = binary.AppendUvarint(b, uint64(q.Intent))
	b = binary.AppendUvarint(b, uint64(len(q.Terms)))
	for _, t := range q.Terms {
		b = append(b, byte(t.Kind))
		if t.Latest {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(t.Prior))
		b = binary.AppendUvarint(b, uint64(len(t.Text)))
		b = append(b, t.Text...)
		b = binary.AppendUvarint(b, uint64(len(t.Typed)))
		b = append(b, t.Typed...)
	}
	return string(b)
}
