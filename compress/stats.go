package compress

import (
	"math"
	"slices"
)

// medianMAD returns the median of vals and their median absolute deviation
// from it: a spread measure that a few extreme values cannot inflate, which
// is what outlier detection over tool output (a huge RSS in ps, one slow
// request among many) needs. vals must not be empty; it is not modified.
func medianMAD(vals []float64) (median, mad float64) {
	sorted := slices.Clone(vals)
	slices.Sort(sorted)
	median = sorted[len(sorted)/2]
	for i, v := range sorted {
		sorted[i] = math.Abs(v - median)
	}
	slices.Sort(sorted)
	return median, sorted[len(sorted)/2]
}
