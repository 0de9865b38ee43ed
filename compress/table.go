package compress

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Tables: whitespace-aligned command output such as ps aux, df or dpkg -l.
//
// A small table only gets its padding squeezed (runs of three or more
// spaces become two, which still separates the columns). A larger one
// keeps its header lines, its first and last rows, rows with an error
// signal, task-matching rows, rows whose numeric cells are outliers in
// their column (a process holding far more memory than the rest) and rows
// with a rare value in a categorical column (a package in state "rc" among
// "ii"), each byte for byte as printed, so a kept row can be quoted or
// searched for exactly; every run of dropped rows becomes one line
// "[... 412 rows omitted ...]" in place.

// tableParams are the thresholds of the table compressor.
type tableParams struct {
	minRows     int // tables with fewer data rows are only squeezed
	head, tail  int // data rows always kept at each end
	perColCap   int // rows kept per column for outliers or rare values
	keepRatio   float64
	maxRareFrac float64 // a value is rare if it is in at most this share of rows
}

func newTableParams(h *hints) tableParams {
	p := tableParams{minRows: 8, head: 2, tail: 1, perColCap: 3, maxRareFrac: 0.01}
	if h.aggressive {
		p.head, p.perColCap = 1, 2
	}
	p.keepRatio = h.keepRatio
	return p
}

// compressTable is the contentCompressor for tables.
func compressTable(text string, h *hints) (string, bool) {
	finalNL := strings.HasSuffix(text, "\n")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return "", false
	}
	p := newTableParams(h)
	header := tableHeaderLines(lines)
	dataRows := 0
	for i, l := range lines {
		if !header[i] && strings.TrimSpace(l) != "" {
			dataRows++
		}
	}
	var out string
	if dataRows < p.minRows {
		out = squeezeTable(lines)
	} else {
		keep := selectRows(lines, header, h, p)
		out = renderRows(lines, keep)
	}
	if finalNL {
		out += "\n"
	}
	if len(out) >= len(text) {
		return "", false
	}
	return out, true
}

// tableHeaderLines marks the header lines: everything up to a ruler line
// (dpkg's "+++-====") within the first lines, and any line that reads like
// column titles (starts with a capital letter, three or more fields, no
// purely numeric field) such as the header of a second table in the same
// output.
func tableHeaderLines(lines []string) []bool {
	hdr := make([]bool, len(lines))
	for i := 0; i < len(lines) && i < 10; i++ {
		if isRuler(lines[i]) {
			for j := 0; j <= i; j++ {
				hdr[j] = true
			}
			break
		}
	}
	for i, l := range lines {
		if hdr[i] {
			continue
		}
		if isRuler(l) || looksLikeTitles(l) {
			hdr[i] = true
		}
	}
	// A table without titles or ruler still has its first line as header.
	if !slices.Contains(hdr, true) {
		hdr[0] = true
	}
	return hdr
}

// isRuler: a line of only table-drawing characters (---, ===, +++-===).
func isRuler(l string) bool {
	t := strings.TrimSpace(l)
	if len(t) < 3 {
		return false
	}
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '-', '=', '+', '|', ' ', '~', '_':
		default:
			return false
		}
	}
	return true
}

func looksLikeTitles(l string) bool {
	f := strings.Fields(l)
	if len(f) < 3 || f[0][0] < 'A' || f[0][0] > 'Z' {
		return false
	}
	for _, x := range f {
		if _, ok := tableNumber(x); ok {
			return false
		}
	}
	return true
}

// squeezeTable shortens runs of three or more spaces to two in every line.
func squeezeTable(lines []string) string {
	var sb strings.Builder
	for i, l := range lines {
		if i > 0 {
			sb.WriteByte('\n')
		}
		for j := 0; j < len(l); j++ {
			if l[j] == ' ' && j+2 < len(l) && l[j+1] == ' ' && l[j+2] == ' ' {
				k := j
				for k < len(l) && l[k] == ' ' {
					k++
				}
				// Leading indentation is kept: it may align a column.
				if j == 0 {
					sb.WriteString(l[:k])
				} else {
					sb.WriteString("  ")
				}
				j = k - 1
				continue
			}
			sb.WriteByte(l[j])
		}
	}
	return sb.String()
}

// selectRows marks the lines to keep.
func selectRows(lines []string, header []bool, h *hints, p tableParams) []bool {
	keep := make([]bool, len(lines))
	var rows []int // indices of data rows
	for i, l := range lines {
		switch {
		case header[i]:
			keep[i] = true
		case strings.TrimSpace(l) != "":
			rows = append(rows, i)
		}
	}
	for x, i := range rows {
		if x < p.head || x >= len(rows)-p.tail {
			keep[i] = true
		}
		// The first row under a header inside the output (a second table).
		if i > 0 && header[i-1] && !isRuler(lines[i-1]) {
			keep[i] = true
		}
		if hasErrorSignal(lines[i]) || mentionsTask(lines[i], h.taskTerms) {
			keep[i] = true
		}
	}
	// Per-column statistics over the data rows, splitting on whitespace.
	// Only the columns before the last are used: the last (COMMAND,
	// Description) holds free text with spaces.
	cells := make([][]string, len(rows))
	width := 0
	for x, i := range rows {
		cells[x] = strings.Fields(lines[i])
		width = max(width, len(cells[x]))
	}
	cols := modeFieldCount(cells) - 1
	for col := 0; col < cols; col++ {
		keepNumericOutliers(cells, rows, col, keep, p)
		keepRareCells(cells, rows, col, keep, p)
	}
	if p.keepRatio > 0 {
		want := int(math.Ceil(p.keepRatio * float64(len(rows))))
		have := 0
		for _, i := range rows {
			if keep[i] {
				have++
			}
		}
		if have < want {
			step := float64(len(rows)) / float64(want-have+1)
			for x := step; x < float64(len(rows)) && have < want; x += step {
				if i := rows[int(x)]; !keep[i] {
					keep[i] = true
					have++
				}
			}
		}
	}
	return keep
}

// modeFieldCount returns the most common number of fields per row.
func modeFieldCount(cells [][]string) int {
	counts := map[int]int{}
	best, bestN := 0, 0
	for _, c := range cells {
		counts[len(c)]++
	}
	for n, c := range counts {
		if c > bestN || c == bestN && n < best {
			best, bestN = n, c
		}
	}
	return best
}

// tableNumber parses a numeric cell: plain numbers, percentages and sizes
// with a K/M/G/T/P suffix (df -h).
func tableNumber(s string) (float64, bool) {
	s = strings.TrimSuffix(s, "%")
	mult := 1.0
	if n := len(s); n > 1 {
		switch s[n-1] {
		case 'K', 'k':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		case 'T':
			mult = 1 << 40
		case 'P':
			mult = 1 << 50
		}
		if mult != 1 {
			s = s[:n-1]
		}
	}
	if s == "" || !(s[0] >= '0' && s[0] <= '9' || s[0] == '-' || s[0] == '.') {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x * mult, true
}

// keepNumericOutliers keeps the rows whose value in a numeric column lies
// far from the column's median (more than 6 median absolute deviations;
// when most values are equal, any value above them).
func keepNumericOutliers(cells [][]string, rows []int, col int, keep []bool, p tableParams) {
	vals := make([]float64, 0, len(cells))
	idx := make([]int, 0, len(cells))
	for x, c := range cells {
		if col < len(c) {
			if v, ok := tableNumber(c[col]); ok {
				vals = append(vals, v)
				idx = append(idx, x)
			}
		}
	}
	if len(vals) < 5 || len(vals)*10 < len(cells)*8 {
		return
	}
	med, mad := medianMAD(vals)
	type cand struct {
		x   int
		dev float64
	}
	var cands []cand
	for k, v := range vals {
		d := math.Abs(v - med)
		if (mad > 0 && d > 6*mad) || (mad == 0 && v > med) {
			cands = append(cands, cand{idx[k], d})
		}
	}
	// Many "outliers" mean a wide distribution, not anomalies; small
	// tables still get their top values.
	if len(cands)*4 > len(vals) && len(vals) > 20 {
		return
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].dev > cands[b].dev })
	for k, c := range cands {
		if k >= p.perColCap {
			break
		}
		keep[rows[c.x]] = true
	}
}

// keepRareCells keeps rows with a rare value in a categorical column (few
// distinct values).
func keepRareCells(cells [][]string, rows []int, col int, keep []bool, p tableParams) {
	counts := map[string]int{}
	n := 0
	for _, c := range cells {
		if col < len(c) {
			counts[c[col]]++
			n++
		}
	}
	if n < 20 || len(counts) < 2 || len(counts)*10 > n {
		return
	}
	limit := max(1, int(p.maxRareFrac*float64(n)))
	kept := 0
	for x, c := range cells {
		if col < len(c) && counts[c[col]] <= limit && kept < p.perColCap {
			if !keep[rows[x]] {
				keep[rows[x]] = true
				kept++
			}
		}
	}
}

// renderRows writes the kept lines and one note per run of dropped rows.
func renderRows(lines []string, keep []bool) string {
	var sb strings.Builder
	first := true
	emit := func(s string) {
		if !first {
			sb.WriteByte('\n')
		}
		first = false
		sb.WriteString(s)
	}
	for i := 0; i < len(lines); {
		if keep[i] {
			emit(lines[i])
			i++
			continue
		}
		j, dropped := i, 0
		for j < len(lines) && !keep[j] {
			if strings.TrimSpace(lines[j]) != "" {
				dropped++
			}
			j++
		}
		if dropped > 0 {
			emit(fmt.Sprintf("[... %d %s omitted ...]", dropped, pluralRows(dropped)))
		}
		i = j
	}
	return sb.String()
}

func pluralRows(n int) string {
	if n == 1 {
		return "row"
	}
	return "rows"
}
