package diff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// What the conversation names. The units of a diff are coarse (a hunk, a
// file header, a commit's header and message), so a term that is "rare"
// among thousands of lines can still sit in dozens of hunks. Two tiers:
//
//   - named: a unit holds a term of the latest request that is specific
//     (a path, dotted name, identifier, number, quoted phrase) and in at
//     most 2% of the units, or a plain word in at most 0.5% of them when
//     the unit is not big (an eighth of the budget); or the unit is a
//     commit whose hash starts with a hex term of the request. Named hunks
//     and files are kept whole whatever the budget; a named commit keeps
//     its header and message, and its patch too when a specific term or
//     its hash named it.
//   - matched: any other unit holding a term of the latest request (but
//     hunks of machine-written files), or an identifier of the best hunks
//     (see expand). Matched units are ranked by relevance: the best one is
//     kept whole whatever the budget (it is the most likely answer; at
//     worst one big unit more than the budget), the next ones with at
//     least matchedFloor of its relevance while the kept text stays within
//     namedShare of the budget.
//
// Terms of earlier context (not the latest request) only weigh; they
// name nothing.

// namedShare bounds, as a share of the budget, what the kept text may
// reach with matched units (the best one aside).
const namedShare = 1.0

// matchedFloor is the share of the best matched unit's relevance another
// needs to be kept ahead of the rest: one weak term in common with the
// question does not make a unit an answer.
const matchedFloor = 0.4

// naming holds, per part, whether it is named and how.
type naming struct {
	named    []bool // named by a term (see above)
	specific []bool // named by a specific term or a hash
	matched  []bool // holds a term of the latest request
}

// name finds the named and matched parts.
func (s *selection) name() *naming {
	d := s.d
	n := len(d.parts)
	bigUnit := s.in.Budget.Bytes / 8
	nm := &naming{named: make([]bool, n), specific: make([]bool, n), matched: make([]bool, n)}
	q := s.in.Query
	for t := range q.Terms {
		term := &q.Terms[t]
		if !term.Latest || term.Prior < 0.8 || s.structural[t] {
			continue
		}
		hits, df := s.ix.Hits(t)
		if df == 0 || df*4 > n {
			continue
		}
		spec := term.Kind != relevance.Word || identifierLike(term.Typed)
		limit := max(1, n/200)
		if spec {
			limit = max(2, n/50)
		}
		for _, u := range hits {
			nm.matched[u] = true
			// A plain word is weaker evidence than an identifier: it does
			// not make a big unit (a file added whole) kept at any cost.
			if df <= limit && (spec || s.bytes(int(u)) <= bigUnit) {
				nm.named[u] = true
				nm.specific[u] = nm.specific[u] || spec
			}
		}
	}
	// Abbreviated hashes name their commit.
	var prefixes []string
	for _, t := range q.Terms {
		if t.Latest && hexTerm(t.Text) {
			prefixes = append(prefixes, t.Text)
		}
	}
	for c := range d.commits {
		h := lines.LowerASCII(d.commits[c].hash)
		for _, p := range prefixes {
			if strings.HasPrefix(h, p) || len(h) < len(p) && strings.HasPrefix(p, h) {
				u := d.commits[c].part
				nm.named[u], nm.specific[u], nm.matched[u] = true, true, true
			}
		}
	}
	return nm
}

// identifierLike reports a word that reads as a program identifier: with
// an underscore, a digit, or an upper-case letter after a lower-case one
// (HyperlinkPattern, max_count, utf8).
func identifierLike(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c == '_' || lines.IsDigit(c) || i > 0 && c >= 'A' && c <= 'Z' && w[i-1] >= 'a' && w[i-1] <= 'z' {
			return true
		}
	}
	return false
}

// hexTerm reports a term that reads as an (abbreviated) commit hash.
func hexTerm(t string) bool {
	if len(t) < 7 || len(t) > 64 {
		return false
	}
	digit := false
	for i := 0; i < len(t); i++ {
		if !lines.IsHex(t[i]) {
			return false
		}
		digit = digit || lines.IsDigit(t[i])
	}
	return digit
}

// keepNamed keeps the named parts: hunks and files whole, commits with
// their header and message (and their patch when a specific term or their
// hash named them). A unit is named only among others of its kind: the
// one commit of a git show is not singled out by its own hash.
func (s *selection) keepNamed(nm *naming) {
	d := s.d
	for c := range d.commits {
		u := d.commits[c].part
		if !nm.named[u] || len(d.commits) < 2 {
			continue
		}
		s.keepFull(c)
		if nm.specific[u] {
			for _, fi := range d.commits[c].files {
				if !s.generated[fi] {
					s.keepFile(fi)
				}
			}
		}
	}
	if len(d.files) > 1 {
		for fi, f := range d.files {
			if f.part >= 0 && nm.named[f.part] {
				s.keepFile(fi)
			}
		}
	}
	if len(d.hunks) > 1 {
		for hi, h := range d.hunks {
			if nm.named[h.part] {
				s.keepHunk(hi)
			}
		}
	}
}

// keepMatched keeps matched units by relevance: the best whatever it
// costs, the others while the kept text stays within namedShare of the
// budget.
func (s *selection) keepMatched(nm *naming) {
	d := s.d
	var units []int
	for p, m := range nm.matched {
		pt := d.parts[p]
		if m && !nm.named[p] && pt.kind != partOther && (pt.file < 0 || !s.generated[pt.file]) {
			units = append(units, p)
		}
	}
	slices.SortStableFunc(units, func(a, b int) int { return cmp.Compare(s.rank(b), s.rank(a)) })
	limit := int(namedShare * float64(s.in.Budget.Bytes))
	first := true
	floor := -1.0
	for _, p := range units {
		pt := d.parts[p]
		if r := s.rank(p); floor < 0 {
			floor = matchedFloor * r
		} else if r < floor {
			break
		}
		var cost int
		var keep func()
		switch pt.kind {
		case partHunk:
			if len(d.hunks) < 2 && !first {
				continue
			}
			hi := int(d.hunkOf[p])
			cost, keep = s.hunkCost(hi), func() { s.keepHunk(hi) }
		case partFile:
			if len(d.files) < 2 {
				continue
			}
			fi := int(pt.file)
			cost, keep = s.fileCost(fi), func() { s.keepFile(fi) }
		case partCommit:
			if len(d.commits) < 2 {
				continue
			}
			c := int(pt.commit)
			cost, keep = s.fullCost(c), func() { s.keepFull(c) }
		}
		if first || s.size+cost <= limit {
			keep()
			first = false
		}
	}
}

// fileCost is what keeping file fi whole adds.
func (s *selection) fileCost(fi int) int {
	n := s.headCost(fi)
	for _, p := range s.d.files[fi].hunks {
		if !s.hunk[s.d.hunkOf[p]] {
			n += s.bytes(p)
		}
	}
	return n
}
