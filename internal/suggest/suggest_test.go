package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"abc", "abc", 0},
		{"compress", "comprss", 1}, {"compress", "compresss", 1}, {"compress", "cmopress", 1},
		{"kitten", "sitting", 3}, {"version", "verison", 1},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", c.b, c.a, got, c.want)
		}
	}
}

func TestNearest(t *testing.T) {
	knobs := []string{"compress_user_messages", "compress_system_messages", "protect_recent", "savings_profile", "kompress_model"}
	for word, want := range map[string]string{
		"protect_recnt":   "protect_recent",
		"savings_profil":  "savings_profile",
		"compress_model":  "kompress_model",
		"Protect_Recent":  "protect_recent",
		"compress_user":   "compress_user_messages",
		"savingsprofile":  "savings_profile",
		"zzzzzzzzzzzzzzz": "protect_recent", // always some answer
	} {
		if got := Nearest(word, knobs); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", word, got, want)
		}
	}
	if got := Nearest("x", nil); got != "" {
		t.Errorf("no candidates: %q", got)
	}
}
