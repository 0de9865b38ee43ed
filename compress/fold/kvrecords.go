package fold

import (
	"slices"
	"strings"

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

// detectKV finds a record stream in b: at least three records, most
// non-blank lines fields or their continuations, most records starting
// with one key. Nil when there is none.
func detectKV(b *lines.Lines) *kvStream {
	n := len(b.L)
	s := &kvStream{recOf: make([]int32, n), keyOf: make([]string, n)}
	nonBlank, fields := 0, 0
	firstKeys := map[string]int{}
	var lead string
	cur, key := int32(-1), ""
	open := false // a blank line or the start: the next field opens a record
	for i, l := range b.L {
		s.recOf[i] = -1
		if strings.TrimSpace(l) == "" {
			open = true
			continue
		}
		nonBlank++
		if l[0] == ' ' || l[0] == '\t' {
			if cur >= 0 && key != "" {
				s.recOf[i], s.keyOf[i] = cur, key
				fields++
			}
			continue
		}
		k := kvKey(l)
		if k == "" {
			open, key = true, ""
			continue
		}
		fields++
		if len(s.starts) == 1 && lead == "" {
			lead = s.keyOf[s.starts[0]]
		}
		if open || cur < 0 || k == lead {
			s.starts = append(s.starts, i)
			cur = int32(len(s.starts) - 1)
			firstKeys[k]++
			open = false
		}
		s.recOf[i], s.keyOf[i], key = cur, k, k
	}
	top := 0
	for _, c := range firstKeys {
		top = max(top, c)
	}
	if len(s.starts) < 3 || fields*10 < nonBlank*8 || top*10 < len(s.starts)*6 {
		return nil
	}
	return s
}

// maxColumnLine is the longest average line of a field kept in every
// record.
const maxColumnLine = 40

// keyNamed reports whether the task names field key: the key itself, or
// one of its parts of four letters or more ("Size" of "Installed-Size").
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
			for _, part := range strings.FieldsFunc(k, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
				if part == t.Text {
					return true
				}
			}
		}
	}
	return false
}

// keepRecordIdentity applies the record rules to the kept lines.
func (p *plan) keepRecordIdentity() {
	s := detectKV(p.b)
	if s == nil {
		return
	}
	// Fields the task names, in every record, when they fit.
	named := map[string]bool{}
	cost, lens, count := map[string]int{}, map[string]int{}, map[string]int{}
	for i, k := range s.keyOf {
		if k == "" || s.recOf[i] < 0 {
			continue
		}
		if _, seen := named[k]; !seen {
			named[k] = p.keyNamed(k)
		}
		if named[k] {
			lens[k] += len(p.b.L[i])
			count[k]++
			if !p.keep[i] {
				cost[k] += len(p.b.L[i]) + 1
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
	for _, k := range keys {
		// Only a short field is a column to compare across records (a
		// size, a version, a state), not a list or a paragraph.
		c := cost[k]
		if !named[k] || c > room || lens[k] > maxColumnLine*count[k] {
			continue
		}
		room -= c
		for i, key := range s.keyOf {
			if key == k && s.recOf[i] >= 0 {
				p.keep[i] = true
			}
		}
	}
	// A first line that several records share ("Package: x" of each
	// version of x) identifies a record with the field after it.
	firsts := map[string]int{}
	for _, st := range s.starts {
		firsts[p.b.L[st]]++
	}
	kept := make([]bool, len(s.starts))
	for i, k := range p.keep {
		if k && s.recOf[i] >= 0 {
			kept[s.recOf[i]] = true
		}
	}
	for r, st := range s.starts {
		if !kept[r] {
			continue
		}
		p.keep[st] = true
		if firsts[p.b.L[st]] > 1 {
			for j := st + 1; j < len(p.b.L) && s.recOf[j] == int32(r); j++ {
				if s.keyOf[j] != s.keyOf[st] && p.b.L[j][0] != ' ' && p.b.L[j][0] != '\t' {
					p.keep[j] = true
					break
				}
			}
		}
	}
}
