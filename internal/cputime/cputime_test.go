package cputime

import "testing"

func TestNowAdvances(t *testing.T) {
	start := Now()
	if start == 0 {
		t.Skip("no CPU time on this platform")
	}
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	if Now() <= start {
		t.Errorf("CPU time did not advance over a busy loop (%d)", x)
	}
}
