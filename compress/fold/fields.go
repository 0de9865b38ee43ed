package fold

import (
	"strconv"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// fieldTable holds the field spans of every line of a block, split once,
// and their numeric values, parsed at first use: the statistics of a
// cluster, the ranges and values its notes name and the record checks all
// read the fields of the same lines, and splitting them again for each
// cost more than the rest of the fold. Spans are offsets, not strings, so
// the collector has nothing to scan in them.
type fieldTable struct {
	b *lines.Lines
	// first[i] is the index in span of line i's first field (two
	// offsets in the line per field); first[n] is len(span)/2.
	first []int32
	span  []int32
	// num[k] is field k's value (valueOf, then lines.Number) when
	// parsed[k] is numberYes.
	num    []float64
	parsed []uint8
}

const (
	numberUnparsed uint8 = iota
	numberYes
	numberNo
)

// newFieldTable returns a table for b, to be filled line by line, each
// line's end set in first as it is (clusterLines), then finished.
func newFieldTable(b *lines.Lines) *fieldTable {
	return &fieldTable{b: b, first: make([]int32, len(b.L)+1), span: make([]int32, 0, spansGuess(b))}
}

// spansGuess guesses the span offsets b's lines need from the fields of
// its first lines, with room to spare: one allocation for most blocks,
// where growing would copy megabytes.
func spansGuess(b *lines.Lines) int {
	const sample = 256
	if len(b.L) <= sample {
		return 2 * lines.MaxFields * min(len(b.L), 8)
	}
	fields := 0
	var buf [2 * lines.MaxFields]int32
	for _, l := range b.L[:sample] {
		fields += len(lines.FieldSpans(l, buf[:0])) / 2
	}
	return 2 * (fields*len(b.L)/sample*5/4 + 64)
}

func (t *fieldTable) finish() {
	nf := len(t.span) / 2
	t.num = make([]float64, nf)
	t.parsed = make([]uint8, nf)
}

// of appends the fields of line i to dst.
func (t *fieldTable) of(i int, dst []string) []string {
	l := t.b.L[i]
	for k := t.first[i]; k < t.first[i+1]; k++ {
		dst = append(dst, l[t.span[2*k]:t.span[2*k+1]])
	}
	return dst
}

// count returns the number of fields of line i.
func (t *fieldTable) count(i int) int { return int(t.first[i+1] - t.first[i]) }

// field returns field k of line i.
func (t *fieldTable) field(i, k int) string {
	at := int(t.first[i]) + k
	return t.b.L[i][t.span[2*at]:t.span[2*at+1]]
}

// number returns the value of field k of line i ("41ms" and "took=41ms"
// are 41), and whether it is a number.
func (t *fieldTable) number(i, k int) (float64, bool) {
	at := int(t.first[i]) + k
	switch t.parsed[at] {
	case numberYes:
		return t.num[at], true
	case numberNo:
		return 0, false
	}
	f := valueOf(t.field(i, k))
	v, ok := paddedHex(f)
	if !ok {
		v, ok = lines.Number(f)
	}
	if ok {
		t.parsed[at], t.num[at] = numberYes, v
	} else {
		t.parsed[at] = numberNo
	}
	return v, ok
}

// paddedHex reads a zero-padded hex number of 8 to 16 digits (the address
// and size columns of symbol tables and dumps: "0000000000001b51"). Equal
// widths order alike read as hex or as decimal, so a column mixing
// "0000000000000030" and "00000000000001b5" orders as printed.
func paddedHex(f string) (float64, bool) {
	if len(f) < 8 || len(f) > 16 || f[0] != '0' {
		return 0, false
	}
	v, err := strconv.ParseUint(f, 16, 64)
	if err != nil {
		return 0, false
	}
	return float64(v), true
}
