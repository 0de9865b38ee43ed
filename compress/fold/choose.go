package fold

import "github.com/tsheadroom/tsheadroom/compress/relevance"

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

// Shrink renders a lossy form at the budget, and again at a budget less
// what it went over while the notes it writes push it beyond (four tries
// at most, and none once the caller gave up); it returns the last form.
func (in *Input) Shrink(render func(budget int) string) string {
	budget := in.Budget.Bytes
	var out string
	for iter := 0; iter < 4; iter++ {
		out = render(budget)
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
