package fold

import (
	"slices"
	"testing"
)

func TestOmittedRuns(t *testing.T) {
	k := []bool{false, true, false, false, true, true, false}
	var runs [][2]int
	for i, j := range OmittedRuns(k) {
		runs = append(runs, [2]int{i, j})
		if i == 2 {
			k[i], k[i+1] = true, true // a run kept after all
		}
	}
	if want := [][2]int{{0, 1}, {2, 4}, {6, 7}}; !slices.Equal(runs, want) {
		t.Errorf("runs = %v, want %v", runs, want)
	}
	for range OmittedRuns([]bool{false, true, false}) {
		break // stopping early must not panic
	}
}
