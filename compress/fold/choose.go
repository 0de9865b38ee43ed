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
