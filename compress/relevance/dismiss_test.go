package relevance

import (
	"slices"
	"testing"
)

func TestDismissals(t *testing.T) {
	for task, want := range map[string][]string{
		"Skip the missing-annotation noise: which findings look like real bugs?":       {"missing", "annotation"},
		"Is anything else breaking the build (I don't care about the warnings)?":       {"warnings"},
		"Tell me if there's anything wrong besides the database not being up.":         {"database"},
		"Ignore the retries; which request failed first?":                              {"retries"},
		"How does the walker decide which files to skip by default?":                   nil,
		"What changed in the ignore crate recently?":                                   nil,
		"All tests pass except TestQuota, right? Show me why that one fails.":          nil,
		"please ignore vendored copies and tell me where verification is switched off": {"vendored", "copies"},
	} {
		q := Parse(task, "")
		if !slices.Equal(q.Dismissed, want) {
			t.Errorf("%q: dismissed %q, want %q", task, q.Dismissed, want)
		}
		for _, term := range q.Terms {
			if slices.Contains(want, term.Text) {
				t.Errorf("%q: dismissed word %q is a term", task, term.Text)
			}
		}
	}
}
