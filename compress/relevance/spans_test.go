package relevance

import (
	"slices"
	"testing"
)

func TestSpansOf(t *testing.T) {
	for q, want := range map[string][][2]string{
		"What bytes are at offset 0x1a40 through 0x1a70?": {{"0x1a40", "0x1a70"}},
		"show lines 120-140 of the trace":                 {{"120", "140"}},
		"what happened between 10:02 and 10:05?":          {{"10:02", "10:05"}},
		"from v1.2 to v1.4, what changed":                 {{"v1.2", "v1.4"}},
		"records 17..19":                                  {{"17", "19"}},
		"go from start to finish":                         nil,
		"the run on 2026-12-03 failed":                    nil,
		"set it to 5":                                     nil,
	} {
		var got [][2]string
		for _, sp := range spansOf(q) {
			got = append(got, [2]string{sp.From[0], sp.To[0]})
		}
		if !slices.Equal(got, want) {
			t.Errorf("spansOf(%q) = %v, want %v", q, got, want)
		}
	}
	// A hex end brings the forms a dump prints, as terms.
	q := Parse("dump 0x1a40 through 0x1a70", "")
	if len(q.Spans) != 1 || !slices.Contains(q.Spans[0].From, "00001a40") {
		t.Fatalf("spans %+v", q.Spans)
	}
	if !slices.ContainsFunc(q.Terms, func(t Term) bool { return t.Text == "00001a70" }) {
		t.Errorf("the end's dump form is no term: %+v", q.Terms)
	}
}
