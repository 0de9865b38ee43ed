package lsmode

import "testing"

func TestIs(t *testing.T) {
	for l, want := range map[string]bool{
		"-rw-r--r--  1 a b 1 x": true,
		"drwxr-sr-t":            true,
		"Drwxr-xr-x 2 a b":      false, // D is not among the types asked for
		"drwxr-xr-":             false, // too short
		"dr?xr-xr-x":            false,
		"total 12":              false,
	} {
		if got := Is(l, "-dlcbps"); got != want {
			t.Errorf("Is(%q) = %v, want %v", l, got, want)
		}
	}
	if !Is("Drwxr-xr-x", "-dD") {
		t.Error("a type letter the caller names is not taken")
	}
}
