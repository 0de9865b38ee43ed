package node

import (
	"reflect"
	"testing"
)

// TestLimitsWithDefaults: withDefaults gives every zero limit a default
// and keeps every limit that is set, so a field added to Limits without a
// default there is caught.
func TestLimitsWithDefaults(t *testing.T) {
	defaulted := reflect.ValueOf(Limits{}.withDefaults())
	set := reflect.New(defaulted.Type()).Elem()
	for i := range set.NumField() {
		if defaulted.Field(i).IsZero() {
			t.Errorf("%s has no default", set.Type().Field(i).Name)
		}
		set.Field(i).SetInt(7) // every limit is a duration or a count
	}
	l := set.Interface().(Limits)
	if got := l.withDefaults(); got != l {
		t.Errorf("withDefaults(%+v) = %+v, want it unchanged", l, got)
	}
}
