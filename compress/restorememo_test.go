package compress

import "testing"

// TestRestoreMemo walks a growing session with the memo on (each request
// once, then again) and off: every field of the block's result agrees,
// fresh included, which the memo does not key on.
func TestRestoreMemo(t *testing.T) {
	turns := []string{
		"Thanks. Now draft a short release note for the quota fix.",
		"Paste the exact TestCacheEviction line from that run.",
		"Great, commit it.",
		"Show me the full output of that run.",
	}
	memo := newTestNative(t, NativeConfig{})
	plain := newTestNative(t, NativeConfig{CacheEntries: -1})
	for k := range len(turns) + 1 {
		want := compressSession(t, plain, turns[:k]...)
		for rep := range 2 {
			if got := compressSession(t, memo, turns[:k]...); got != want {
				t.Errorf("turn %d, call %d: memoized %+v, want %+v", k, rep, got, want)
			}
		}
	}
	// Entered mid-conversation (no entry for the shorter prefixes) too.
	late := newTestNative(t, NativeConfig{})
	if got, want := compressSession(t, late, turns...), compressSession(t, plain, turns...); got != want {
		t.Errorf("late start: memoized %+v, want %+v", got, want)
	}
}
