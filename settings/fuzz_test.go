package settings

import (
	"reflect"
	"testing"
)

// FuzzApply: any update body either fails, leaving the base as it was, or
// gives valid settings that survive the file round trip unchanged.
func FuzzApply(f *testing.F) {
	for _, seed := range []string{
		`{"protect_recent": 6, "savings_profile": null}`, `{"target_ratio": 0.3}`, `{"overridable": []}`,
		`{"kompress_model": "disabled"}`, `{"a": 1, "a": 2}`, `{} x`, `[]`, `{"protect_recent": 1e400}`,
		`{"overridable": ["target_ratio", null]}`, `{"context_window": -1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		base := Default()
		next, err := Apply(base, body)
		if !reflect.DeepEqual(base, Default()) {
			t.Fatal("Apply changed its base")
		}
		if err != nil {
			if !reflect.DeepEqual(next, base) {
				t.Fatalf("failed Apply returned changed settings: %v", err)
			}
			return
		}
		if err := next.Validate(); err != nil {
			t.Fatalf("accepted invalid settings: %v", err)
		}
		back, err := Parse(next.Marshal())
		if err != nil || !reflect.DeepEqual(back, next) {
			t.Fatalf("round trip: %v\n%s\n%s", err, next.Marshal(), back.Marshal())
		}
	})
}
