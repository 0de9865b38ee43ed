package fold

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// versionExtremes answers "the newest glibc symbol version this library
// needs", "the highest openssl in the lock file": asked for an extreme,
// the lines holding the highest (or lowest) version of each name the task
// names are kept. Versions compare part by part (GLIBC_2.14 after
// GLIBC_2.4), which no number column does.
func (p *plan) versionExtremes() {
	intent := p.in.Query.Intent
	high := intent.Has(relevance.Max) || intent.Has(relevance.Newest)
	low := intent.Has(relevance.Min) || intent.Has(relevance.Oldest)
	if !high && !low {
		return
	}
	names := map[string]bool{}
	for _, t := range p.in.Query.Terms {
		if t.Latest && t.Kind == relevance.Word && len(t.Text) >= 3 {
			names[t.Text] = true
		}
	}
	if len(names) == 0 {
		return
	}
	type best struct {
		v     []int
		lines []int
	}
	hi, lo := map[string]*best{}, map[string]*best{}
	// consider records that line i holds version v of name in m, which
	// keeps the best version so far (by better: 1 highest, -1 lowest)
	// and the first few lines holding it.
	consider := func(m map[string]*best, name string, v []int, i int, better int) {
		b := m[name]
		switch {
		case b == nil:
			m[name] = &best{v: v, lines: []int{i}}
		case slices.Compare(v, b.v)*better > 0:
			b.v, b.lines = v, []int{i}
		case slices.Equal(v, b.v) && len(b.lines) < maxVersionLines && b.lines[len(b.lines)-1] != i:
			b.lines = append(b.lines, i)
		}
	}
	for i, l := range p.b.L {
		eachVersion(l, func(name string, v []int) {
			if !names[name] {
				return
			}
			if high {
				consider(hi, name, v, i, 1)
			}
			if low {
				consider(lo, name, v, i, -1)
			}
		})
	}
	for _, m := range []map[string]*best{hi, lo} {
		for _, b := range m {
			for _, i := range b.lines {
				p.must[i] = true
			}
		}
	}
}

// maxVersionLines is the most lines kept for holding one extreme version.
const maxVersionLines = 4

// eachVersion calls fn with every versioned name of l, its name lowered
// and its version's parts: "GLIBC_2.14" (glibc, [2 14]), "openssl-3.0.2",
// "zlib@1.2.13", "serde v1.0.188". A version has at least two parts.
func eachVersion(l string, fn func(name string, v []int)) {
	for i := 0; i < len(l); i++ {
		if !lines.IsDigit(l[i]) || i > 0 && (lines.IsDigit(l[i-1]) || l[i-1] == '.') {
			continue
		}
		j, parts := i, []int(nil)
		for j < len(l) {
			k := lines.SkipDigits(l, j)
			if k == j || k-j > 6 {
				break
			}
			n, _ := strconv.Atoi(l[j:k])
			parts = append(parts, n)
			j = k
			if j+1 < len(l) && l[j] == '.' && lines.IsDigit(l[j+1]) {
				j++
				continue
			}
			break
		}
		if len(parts) < 2 || j < len(l) && lines.IsWordByte(l[j]) && l[j] != '_' {
			i = j
			continue
		}
		// The name before it: a word, then a separator and an optional v.
		s := i
		if s > 0 && (l[s-1] == 'v' || l[s-1] == 'V') {
			s--
		}
		if s == 0 || !strings.ContainsRune("_@-/ =:", rune(l[s-1])) {
			i = j
			continue
		}
		e := s - 1
		for e > 0 && l[e-1] == ' ' {
			e--
		}
		b := e
		for b > 0 && (lines.IsLetter(l[b-1]) || lines.IsDigit(l[b-1])) {
			b--
		}
		if b < e {
			fn(strings.ToLower(l[b:e]), parts)
		}
		i = j
	}
}
