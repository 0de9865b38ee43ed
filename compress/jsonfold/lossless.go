package jsonfold

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
)

// minify writes text (valid JSON: one value or a stream) without the
// whitespace between tokens, one top-level value per line. Every token
// keeps its bytes.
func minify(text string) (string, bool) {
	t, err := jsonspan.ParseString(text, jsonspan.Options{Stream: true, MaxDepth: maxDepth + 1})
	if err != nil {
		return "", false
	}
	return minifyTree(t), true
}

// minifyTree writes the parsed text of t minified.
func minifyTree(t *jsonspan.Tree) string {
	text := t.Source()
	var b strings.Builder
	b.Grow(len(text))
	for r := range t.Roots() {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		squeeze(&b, t.Raw(r))
	}
	return b.String()
}

// squeeze writes valid JSON text v without whitespace outside strings.
func squeeze(b *strings.Builder, v string) {
	inStr, esc := false, false
	from := 0
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case ch == '\\':
				esc = true
			case ch == '"':
				inStr = false
			}
		case ch == '"':
			inStr = true
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			b.WriteString(v[from:i])
			from = i + 1
		}
	}
	b.WriteString(v[from:])
}

// regroup renders the kept items of an array of objects without loss in
// fewer bytes, for the aggressive profile: the members every item has with
// one value are written once, in a leading {"_every_item_has": {...}}; and
// when the kept items then have the same scalar members in one order, as
// columns and rows: {"_columns": [...], "_rows": [[...], ...]} (the one
// place an array becomes an object). ok is false unless the kept items are
// whole objects and the regrouping saves at least 15% of them.
func (c *compressor) regroup(sq *seq, a *analysis, keep []bool, shares []int, noteText string) (string, bool) {
	t := c.t
	fs := a.fields
	if sq.kind != jsonspan.Array || fs.objects != len(sq.items) {
		return "", false
	}
	var kept []int
	plain := len(noteText)
	for x, k := range sq.items {
		if keep[x] {
			if shares[x] < c.size(sq, x) {
				return "", false
			}
			kept = append(kept, k)
			plain += c.size(sq, x) + 1
		}
	}
	if len(kept) < 3 {
		return "", false
	}
	// Members with one value in every item, kept or not.
	same := map[string]bool{}
	var sameText []string
	for _, f := range fs.list {
		if f.key != "" && f.constant && int(f.count) == len(sq.items) {
			same[f.key] = true
			sameText = append(sameText, f.key+":"+squeezed(f.first))
		}
	}
	// The other members of each kept item, and whether they form columns.
	var cols []string
	columnar := true
	rows := make([][]string, 0, len(kept))
	for _, k := range kept {
		var row []string
		seen := map[string]bool{}
		j := 0
		for m := t.First(k); m >= 0; m = t.Next(m) {
			key := t.RawKey(m)
			if seen[key] {
				return "", false // a name twice: dropping by name would lose a value
			}
			seen[key] = true
			if same[key] {
				continue
			}
			if t.Kind(m).IsContainer() {
				columnar = false
			}
			if len(rows) == 0 {
				cols = append(cols, key)
			} else if j >= len(cols) || cols[j] != key {
				columnar = false
			}
			row = append(row, key+":"+squeezed(t.Raw(m)))
			j++
		}
		if len(rows) > 0 && j != len(cols) {
			columnar = false
		}
		rows = append(rows, row)
	}
	var b strings.Builder
	if columnar && len(cols) >= 2 {
		b.WriteByte('{')
		if len(sameText) > 0 {
			b.WriteString(`"_every_item_has":{` + strings.Join(sameText, ",") + "},")
		}
		b.WriteString(`"_columns":[` + strings.Join(cols, ",") + `],"_rows":[`)
		for i, row := range rows {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for j, cell := range row {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(cell[len(cols[j])+1:])
			}
			b.WriteByte(']')
		}
		b.WriteByte(']')
		if noteText != "" {
			b.WriteString(`,"_omitted":` + jsonspan.Quote(noteText))
		}
		b.WriteByte('}')
	} else {
		if len(sameText) == 0 {
			return "", false
		}
		b.WriteString(`[{"_every_item_has":{` + strings.Join(sameText, ",") + "}}")
		for _, row := range rows {
			b.WriteString(",{" + strings.Join(row, ",") + "}")
		}
		if noteText != "" {
			b.WriteString(`,{"_omitted":` + jsonspan.Quote(noteText) + "}")
		}
		b.WriteByte(']')
	}
	if float64(b.Len()) > 0.85*float64(plain) {
		return "", false
	}
	return b.String(), true
}

// squeezed returns valid JSON text v minified.
func squeezed(v string) string {
	if !strings.ContainsAny(v, " \t\n\r") {
		return v
	}
	var b strings.Builder
	squeeze(&b, v)
	return b.String()
}
