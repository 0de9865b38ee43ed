package fold

import (
	"iter"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Choose returns the lossless form of a block, or the lossy one made by
// lossy, whichever the input calls for, and reports false when that form
// is not shorter than the block. The lossless form is kept when lossy steps
// may not run, the task wants the block whole, the form already fits the
// budget or small bytes (half of small under the aggressive profile; a
// block that size is never cut), or the caller gave up.
func (in *Input) Choose(lossless string, small int, lossy func() string) (string, bool) {
	if in.Budget.Aggressive {
		small /= 2
	}
	if !in.Budget.Lossy || in.Query.Intent.Has(relevance.Whole) || len(lossless) <= max(in.Budget.Bytes, small) || in.Stopped() {
		return Shorter(lossless, in.Text)
	}
	return Shorter(lossy(), in.Text)
}

// Shorter returns out when it is shorter than text.
func Shorter(out, text string) (string, bool) {
	if len(out) >= len(text) {
		return "", false
	}
	return out, true
}

// Lossy makes the lossy form of a block of n lines: mark sets the lines
// that must stay and the priority of the others, keep chooses the lines
// kept within a budget, and render writes them with notes for the rest.
// While the notes push the form over the budget it is chosen again at a
// budget less what it went over (four tries at most, and none once the
// caller gave up); the last form is returned.
func (in *Input) Lossy(n int, mark func(must []bool, prio []float64), keep func(must []bool, prio []float64, budget int) []bool, render func(keep []bool) string) string {
	must := make([]bool, n)
	prio := make([]float64, n)
	mark(must, prio)
	budget := in.Budget.Bytes
	var out string
	for iter := 0; iter < 4; iter++ {
		out = render(keep(must, prio, budget))
		if len(out) <= in.Budget.Bytes || in.Stopped() {
			break
		}
		over := len(out) - in.Budget.Bytes
		if budget-over <= 0 {
			break
		}
		budget -= over
	}
	return out
}

// Kept returns a copy of keep, or n lines all kept when keep is nil (the
// lossless form).
func Kept(keep []bool, n int) []bool {
	k := make([]bool, n)
	if keep == nil {
		for i := range k {
			k[i] = true
		}
	} else {
		copy(k, keep)
	}
	return k
}

// Omitted returns the end of the run of lines left out of k that starts at
// i (k[i] is false).
func Omitted(k []bool, i int) int {
	j := i + 1
	for j < len(k) && !k[j] {
		j++
	}
	return j
}

// OmittedRuns yields each run [i, j) of lines left out of k, in order. The
// caller may keep the lines of the run it is given (set k[i:j]); the next
// run is sought from j.
func OmittedRuns(k []bool) iter.Seq2[int, int] {
	return func(yield func(i, j int) bool) {
		for i := 0; i < len(k); i++ {
			if k[i] {
				continue
			}
			j := Omitted(k, i)
			if !yield(i, j) {
				return
			}
			i = j // k[j] is kept, or j is the end
		}
	}
}

// KeepCostlyRuns keeps (sets in k) each run of lines left out of k whose
// notes would cost at least pct percent of the run's own bytes in b: there
// the lines say more than a note about them. notesCost sizes the notes of
// run [i, j) as k stands, with the runs before it already decided; kept,
// when not nil, is told of each run kept.
func KeepCostlyRuns(b *lines.Lines, k []bool, pct int, notesCost func(i, j int) int, kept func(i, j int)) {
	for i, j := range OmittedRuns(k) {
		if notesCost(i, j)*100 < (b.End(j-1)-b.Start[i])*pct {
			continue
		}
		for m := i; m < j; m++ {
			k[m] = true
		}
		if kept != nil {
			kept(i, j)
		}
	}
}

// Grow reserves room in w for a lossless form (the size of the block) or a
// lossy one (the budget and its notes).
func (in *Input) Grow(w *lines.Writer, lossless bool) {
	if lossless {
		w.Grow(len(in.Text))
	} else {
		w.Grow(in.Budget.Bytes + 256)
	}
}
