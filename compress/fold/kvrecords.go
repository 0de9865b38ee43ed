package fold

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Streams of "Key: value" records (package databases, "show" commands,
// mail-like headers): records separated by blank lines, or each starting
// with the key the first record starts with, their fields "Key: value"
// lines with indented continuation lines. A value line kept without the
// record's first line (the identifying one: "Package: x", "Name: y") is an
// orphan nobody can attribute, so every record with a kept line keeps its
// first line (with the next field when records share their first line);
// and a field the task names is kept in every record, each
// with its identifier, when that fits in the budget: a per-field
// question ("which is the largest") then has every record's answer.

// kvStream is a detected record stream: the first line of each record and
// the field key of every line (continuations carry their field's key).
type kvStream struct {
	starts []int
	recOf  []int32 // record of each line, -1 outside any
	keyOf  []string
	// col names the column of each line: its field's key and the key
	// line's indentation (a key printed at two depths is two columns);
	// own marks the lines that carry their key (not continuations).
	col []string
	own []bool
	// varies holds the columns whose lines differ between records.
	varies map[string]bool
}

// kvKey returns the key of a "Key: value" line: a word of letters, digits,
// '-', '_' or '.', starting with a letter, then ':' and a blank or the end.
func kvKey(l string) string {
	i := 0
	for i < len(l) {
		c := l[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			i++
			continue
		}
		break
	}
	if i == 0 || i > 40 || i >= len(l) || l[i] != ':' {
		return ""
	}
	if i+1 < len(l) && l[i+1] != ' ' && l[i+1] != '\t' && l[i+1] != '\r' {
		return ""
	}
	return l[:i]
}

// maxKeyWords bounds the words of a field key ("Subject Public Key Info").
const maxKeyWords = 4

// fieldKey returns the key of a field line at any indentation: kvKey's
// word, or up to maxKeyWords such words separated by single blanks, with
// an optional blank before the ':' ("Not After : ..."), as nested
// reports print them.
func fieldKey(l string) string {
	t := strings.TrimLeft(l, " \t")
	if k := kvKey(t); k != "" {
		return k
	}
	if k := pipeKey(t); k != "" {
		return k
	}
	colon := strings.IndexByte(t, ':')
	if colon <= 0 || colon > 40 || colon+1 < len(t) && t[colon+1] != ' ' && t[colon+1] != '\t' && t[colon+1] != '\r' {
		return ""
	}
	k := strings.TrimSuffix(t[:colon], " ")
	words := strings.Split(k, " ")
	if len(words) > maxKeyWords {
		return ""
	}
	for _, w := range words {
		if w == "" || kvKey(w+":") == "" && !(w[0] >= '0' && w[0] <= '9' && kvKey("x"+w+":") != "") {
			return ""
		}
	}
	return k
}

// pipeKey returns the key of a "key   | value" line, the form of
// expanded records (one field a line, the names padded to one column
// before a '|'): one word as kvKey takes it, blanks, then '|' and a blank
// or the end. A table row ("a | b | c") has its first cell as key too, but
// rows share no leading key, so they make no record stream.
func pipeKey(t string) string {
	sp := strings.IndexByte(t, ' ')
	if sp <= 0 {
		return ""
	}
	k := kvKey(t[:sp] + ":")
	if k == "" {
		return ""
	}
	rest := strings.TrimLeft(t[sp:], " ")
	if rest == "" || rest[0] != '|' || len(rest) > 1 && rest[1] != ' ' && rest[1] != '\r' {
		return ""
	}
	return k
}

// kvLevel is an open field: its key line's indentation and key.
type kvLevel struct {
	ind int
	key string
}

// detectKV finds a record stream in b: at least three records, most
// non-blank lines fields or their continuations, most records starting
// with one key (or under a header line). Records are separated by blank
// lines, start with the key the first record starts with, or open with
// an unindented line that is no field right above a field (a "==> name
// <==" or "[section]" title). Fields may be indented and nested: a line
// indented under a key line continues that field, a deeper key line is a
// field of its own. Nil when there is none.
func detectKV(b *lines.Lines, dump []string) *kvStream {
	n := len(b.L)
	s := &kvStream{recOf: make([]int32, n), keyOf: make([]string, n), col: make([]string, n), own: make([]bool, n)}
	nonBlank, fields := 0, 0
	firstKeys := map[string]int{}
	var lead string
	cur := int32(-1)
	base := 0
	open := true    // a blank line or the start: the next field opens a record
	titled := false // the current record opened with a header line
	var stack []kvLevel
	firstHead := -1 // the first record's line when it is a bare "name:" head
	nextField := func(i int) bool {
		for j := i + 1; j < n && j <= i+2; j++ {
			if !lines.Blank(b.L[j]) {
				return fieldKey(b.L[j]) != ""
			}
		}
		return false
	}
	start := func(i int, first string) {
		s.starts = append(s.starts, i)
		cur = int32(len(s.starts) - 1)
		firstKeys[first]++
		open, stack = false, stack[:0]
	}
	for i, l := range b.L {
		s.recOf[i] = -1
		if lines.Blank(l) {
			open = true
			continue
		}
		if dump != nil && dump[i] != "" {
			// The bytes of a key or a PEM body are no field and no
			// break between records: they neither open nor end one.
			continue
		}
		if (nonBlank-fields)*5 > n {
			// Over a fifth of the lines are no fields: no stream.
			return nil
		}
		nonBlank++
		ind := lines.Indent(l)
		for len(stack) > 0 && stack[len(stack)-1].ind >= ind {
			stack = stack[:len(stack)-1]
		}
		k := fieldKey(l)
		if k == "" {
			switch {
			case ind == 0 && nextField(i):
				start(i, "\x00title")
				titled = true
				s.recOf[i] = cur
				fields++
			case cur >= 0 && !open && len(stack) > 0:
				top := stack[len(stack)-1]
				s.recOf[i], s.keyOf[i], s.col[i] = cur, top.key, strconv.Itoa(top.ind)+" "+top.key
				fields++
			default:
				open, stack = true, stack[:0]
			}
			continue
		}
		fields++
		if len(s.starts) == 1 && lead == "" && !titled {
			lead = s.keyOf[s.starts[0]]
		}
		afterTitle := cur >= 0 && titled && s.starts[cur] == i-1
		// A stream whose records open with a bare "name:" over indented
		// fields opens a record at every such line.
		heads := opensFields(b.L, i, ind)
		if heads && len(s.starts) > 0 && s.starts[0] == firstHead {
			start(i, "\x00head")
			titled, base = false, ind
		} else if !afterTitle && (open || cur < 0 || k == lead && ind == base) {
			first := k
			if heads && cur < 0 {
				firstHead, first = i, "\x00head"
			}
			start(i, first)
			titled, base = false, ind
		}
		s.recOf[i], s.keyOf[i], s.own[i] = cur, k, true
		s.col[i] = strconv.Itoa(ind) + " " + k
		stack = append(stack, kvLevel{ind, k})
	}
	top := 0
	for _, c := range firstKeys {
		top = max(top, c)
	}
	if len(s.starts) < 3 || fields*10 < nonBlank*8 || top*10 < len(s.starts)*6 {
		return nil
	}
	first := map[string]string{}
	s.varies = map[string]bool{}
	for i, c := range s.col {
		if !s.own[i] || s.varies[c] {
			continue
		}
		if v, ok := first[c]; !ok {
			first[c] = b.L[i]
		} else if v != b.L[i] {
			s.varies[c] = true
		}
	}
	return s
}

// opensFields reports an unindented bare "name:" line (nothing after the
// colon) with an indented field line right under it.
func opensFields(ls []string, i, ind int) bool {
	if ind != 0 || i+1 >= len(ls) || !strings.HasSuffix(strings.TrimRight(ls[i], " \r"), ":") {
		return false
	}
	next := ls[i+1]
	return lines.Indent(next) > 0 && fieldKey(next) != ""
}

// maxColumnLine is the longest average line of a field kept in every
// record.
const maxColumnLine = 40

// keyNamed reports whether the task names field key: the key itself, or
// one of its parts of four letters or more ("Size" of "Installed-Size",
// "Curve" of "NIST CURVE").
func (p *plan) keyNamed(key string) bool {
	if p.in.Query == nil {
		return false
	}
	k := lines.Fold(key)
	for _, t := range p.in.Query.Terms {
		if !t.Latest {
			continue
		}
		if t.Text == k {
			return true
		}
		if len(t.Text) >= 4 {
			for _, part := range strings.FieldsFunc(k, func(r rune) bool { return r == '-' || r == '_' || r == '.' || r == ' ' }) {
				if part == t.Text {
					return true
				}
			}
		}
	}
	return false
}

// A column kept in some records is kept in all of them when it is short
// and fits: the fold picks lines one by one, so it keeps a field ("Not
// After", "Version") for some records and not for others, and a question
// that compares records ("which expires first") needs every one. A column
// qualifies when it is kept in at least minColumnKept records and a
// quarter of those carrying it; together such columns take at most a
// third of the budget, the most kept first.
const (
	minColumnKept  = 2
	maxSharedField = 64
)

// markKV detects the record stream of the block, before the marking: a
// signal word that most records print in the same field line ("Key Usage:
// critical", "Status: error" in every record) is a value the records
// share, not a problem report.
func (p *plan) markKV() {
	// The dumps and records depend on the lines alone: found once per
	// analysis.
	if !p.an.kvDone {
		p.an.dump = dumpRuns(p.b)
		p.an.kv, p.an.kvDone = detectKV(p.b, p.an.dump), true
	}
	p.dump, p.kv = p.an.dump, p.an.kv
	s := p.kv
	if s == nil {
		return
	}
	recs := map[string]map[int32]bool{}
	for i, l := range p.b.L {
		if p.sev[i] == lines.NoSignal || !s.own[i] {
			continue
		}
		t := strings.TrimSpace(l)
		if recs[t] == nil {
			recs[t] = map[int32]bool{}
		}
		recs[t][s.recOf[i]] = true
	}
	for i, l := range p.b.L {
		if p.sev[i] != lines.NoSignal && s.own[i] && len(recs[strings.TrimSpace(l)])*2 >= len(s.starts) {
			p.sev[i] = lines.NoSignal
		}
	}
}

// keepRecordIdentity applies the record rules to the kept lines.
func (p *plan) keepRecordIdentity() {
	s := p.kv
	if s == nil {
		return
	}
	inDump := func(i int) bool { return p.dump != nil && p.dump[i] != "" }
	// Fields the task names, in every record, when they fit.
	named := map[string]bool{}
	cost, lens, count := map[string]int{}, map[string]int{}, map[string]int{}
	for i, c := range s.col {
		if c == "" || s.recOf[i] < 0 || inDump(i) {
			continue
		}
		if _, seen := named[c]; !seen {
			named[c] = p.keyNamed(s.keyOf[i])
		}
		if named[c] {
			lens[c] += len(strings.TrimSpace(p.b.L[i]))
			count[c]++
			if !p.keep[i] {
				cost[c] += len(p.b.L[i]) + 1
			}
		}
	}
	idCost := 0
	for _, st := range s.starts {
		if !p.keep[st] {
			idCost += len(p.b.L[st]) + 1
		}
	}
	// The column and every record's identifier may take up to the whole
	// budget again: a question about one field across records is
	// answered by nothing less.
	room := p.in.Budget.Bytes - idCost
	keys := make([]string, 0, len(cost))
	for k := range cost {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var partial []string // named fields too long or too many to keep in every record
	var full []string    // named fields kept in every record
	for _, k := range keys {
		// Only a short field is a column to compare across records (a
		// size, a version, a state), not a list or a paragraph.
		c := cost[k]
		if !named[k] || c > room || lens[k] > maxColumnLine*count[k] {
			if named[k] {
				partial = append(partial, k)
			}
			continue
		}
		room -= c
		for i, col := range s.col {
			if col == k && s.recOf[i] >= 0 && !inDump(i) {
				p.keep[i] = true
			}
		}
		full = append(full, k)
	}
	room = p.keepPartnerColumns(s, full, named, room)
	// The few records the task names get their named fields even when
	// the columns took all the room, or every record's identifier would
	// not fit: that is the question asked.
	p.keepNamedFieldsOfNamedRecords(s, partial, max(room, p.in.Budget.Bytes/4))
	p.keepSharedColumns(s)
	// A first line that several records share ("Package: x" of each
	// version of x) identifies a record with the field after it; so does
	// a title line that differs from the others only in its numbers and
	// punctuation ("-[ RECORD 97 ]-+-", "*** row 3 ***"): a count is no
	// name.
	first := make([]string, len(s.starts))
	firsts := map[string]int{}
	for r, st := range s.starts {
		first[r] = p.b.L[st]
		if !s.own[st] {
			first[r] = "\x00" + strings.Map(func(c rune) rune {
				if unicode.IsLetter(c) {
					return c
				}
				return -1
			}, p.b.L[st])
		}
		firsts[first[r]]++
	}
	kept := make([]bool, len(s.starts))
	for i, k := range p.keep {
		if k && s.recOf[i] >= 0 {
			kept[s.recOf[i]] = true
		}
	}
	var ids map[string]bool
	for r, st := range s.starts {
		if !kept[r] {
			continue
		}
		p.keep[st] = true
		if firsts[first[r]] > 1 {
			if ids == nil {
				ids = identifyingColumns(s, p.b)
			}
			// The record's first field that tells records apart ("Pid:"
			// under a "Name:" every record shares), else its next field.
			next := -1
			for j := st + 1; j < len(p.b.L) && s.recOf[j] == int32(r); j++ {
				if s.keyOf[j] == s.keyOf[st] || p.b.L[j][0] == ' ' || p.b.L[j][0] == '\t' {
					continue
				}
				if next < 0 {
					next = j
				}
				if ids[s.col[j]] {
					next = j
					break
				}
			}
			if next >= 0 {
				p.keep[next] = true
			}
		}
	}
}

// identifyingColumns returns the columns of s that tell records apart:
// nearly every record has one, and nearly all their values differ.
func identifyingColumns(s *kvStream, b *lines.Lines) map[string]bool {
	values := map[string]map[string]bool{}
	holders := map[string]int{}
	for i, c := range s.col {
		if !s.own[i] || s.recOf[i] < 0 {
			continue
		}
		if values[c] == nil {
			values[c] = map[string]bool{}
		}
		holders[c]++
		values[c][b.L[i]] = true
	}
	ids := map[string]bool{}
	for c, vs := range values {
		if holders[c]*10 >= len(s.starts)*9 && len(vs)*10 >= holders[c]*9 {
			ids[c] = true
		}
	}
	return ids
}

// maxNamedRecords is the most records whose named fields are kept for
// being named themselves.
const maxNamedRecords = 8

// keepNamedFieldsOfNamedRecords keeps, in each record the task names (a
// line of it matches a term strongly), the fields the task names that
// were not kept in every record: "the Modify lines of both" asks for one
// field of two records among hundreds. Within room bytes, records in
// order.
func (p *plan) keepNamedFieldsOfNamedRecords(s *kvStream, cols []string, room int) {
	if len(cols) == 0 {
		return
	}
	// A record is named by a term of the request that only a few records
	// hold ("[heap]", "widget-017"); the field names asked for ("Rss",
	// "Stamp") are in every record and name none.
	namedRec := make([]bool, len(s.starts))
	named := 0
	for t, term := range p.in.Query.Terms {
		hits, df := p.ix.Hits(t)
		if !term.Latest || df == 0 || len(hits) < df {
			continue
		}
		var recs []int32
		for _, u := range hits {
			if r := s.recOf[u]; r >= 0 && p.ix.Strong(int(u)) && !slices.Contains(recs, r) {
				recs = append(recs, r)
				if len(recs) > maxNamedRecords {
					break
				}
			}
		}
		if len(recs) > maxNamedRecords {
			continue
		}
		for _, r := range recs {
			if !namedRec[r] {
				namedRec[r] = true
				named++
			}
		}
	}
	if named > maxNamedRecords {
		// Not a few records picked out by name: a field across many
		// is the column rule's, which found it too long.
		return
	}
	want := map[string]bool{}
	for _, c := range cols {
		want[c] = true
	}
	for i, c := range s.col {
		if r := s.recOf[i]; r < 0 || !namedRec[r] || !want[c] || p.keep[i] || p.dump != nil && p.dump[i] != "" {
			continue
		}
		if cost := len(p.b.L[i]) + 1; cost <= room {
			room -= cost
			p.keep[i] = true
		}
	}
}

// keepPartnerColumns keeps, beside each column kept in every record, the
// column next to it whose values read alike (the same letters, digits and
// punctuation in the same order) in most records: the value it is
// compared with ("Installed" and "Candidate", "Used" and "Available"),
// which a question names by another word. It returns the room left.
func (p *plan) keepPartnerColumns(s *kvStream, full []string, named map[string]bool, room int) int {
	if len(full) == 0 {
		return room
	}
	isFull := map[string]bool{}
	for _, c := range full {
		isFull[c] = true
	}
	type tally struct{ alike, bytes int }
	partners := map[string]*tally{}
	var order []string
	for i, c := range s.col {
		if !isFull[c] || !s.own[i] || s.recOf[i] < 0 {
			continue
		}
		for _, j := range [2]int{i - 1, i + 1} {
			if j < 0 || j >= len(s.col) || s.recOf[j] != s.recOf[i] || !s.own[j] || isFull[s.col[j]] || named[s.col[j]] {
				continue
			}
			if lines.Indent(p.b.L[j]) != lines.Indent(p.b.L[i]) {
				continue
			}
			t := partners[s.col[j]]
			if t == nil {
				t = &tally{}
				partners[s.col[j]] = t
				order = append(order, s.col[j])
			}
			if valueForm(p.b.L[j]) == valueForm(p.b.L[i]) {
				t.alike++
			}
		}
	}
	have := map[string]int{}
	for i, c := range s.col {
		if t := partners[c]; t != nil && s.own[i] && s.recOf[i] >= 0 {
			have[c]++
			if !p.keep[i] {
				t.bytes += len(p.b.L[i]) + 1
			}
		}
	}
	// Partners may take the room left and half the budget beyond it:
	// without one, the column kept in full answers half the question.
	extra := p.in.Budget.Bytes / 2
	avail := room + extra
	for _, c := range order {
		t := partners[c]
		if t.alike*3 < have[c]*2 || t.bytes > avail {
			continue
		}
		avail -= t.bytes
		for i, col := range s.col {
			if col == c && s.own[i] && s.recOf[i] >= 0 {
				p.keep[i] = true
			}
		}
	}
	return max(0, avail-extra)
}

// valueForm is the form of a field line's value: each run of letters an
// 'a', of digits a '9', other bytes as they are ("12.4+deb12u11" and
// "12.4+deb12u15" alike).
func valueForm(l string) string {
	_, v, _ := strings.Cut(l, ":")
	v = strings.TrimSpace(v)
	var b strings.Builder
	var last byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			c = 'a'
		case c >= '0' && c <= '9':
			c = '9'
		}
		if (c == 'a' || c == '9') && c == last {
			continue
		}
		b.WriteByte(c)
		last = c
	}
	return b.String()
}

// keepSharedColumns keeps in every record the short field lines that the
// selection kept in several records already.
func (p *plan) keepSharedColumns(s *kvStream) {
	type column struct {
		key               string
		have, kept, bytes int
		long              bool
	}
	cols := map[string]*column{}
	var order []*column
	for i, c := range s.col {
		if !s.own[i] || s.recOf[i] < 0 {
			continue
		}
		col := cols[c]
		if col == nil {
			col = &column{key: c}
			cols[c] = col
			order = append(order, col)
		}
		col.have++
		if p.keep[i] {
			col.kept++
		} else {
			col.bytes += len(p.b.L[i]) + 1
		}
		// A field with a value of its own: not a header over lines.
		t := strings.TrimSpace(p.b.L[i])
		col.long = col.long || len(t) > maxSharedField || strings.HasSuffix(t, ":")
	}
	slices.SortStableFunc(order, func(a, b *column) int { return b.kept*a.have - a.kept*b.have })
	room := p.in.Budget.Bytes / 3
	for _, col := range order {
		if col.long || col.kept < minColumnKept || col.kept*4 < col.have || col.bytes == 0 || col.bytes > room {
			continue
		}
		room -= col.bytes
		for i, c := range s.col {
			if c == col.key && s.own[i] && s.recOf[i] >= 0 {
				p.keep[i] = true
			}
		}
	}
}
