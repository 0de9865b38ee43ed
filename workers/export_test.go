package workers

// PreferredSlot exposes the session-to-worker mapping to the external
// tests, which need two sessions served by different workers.
func PreferredSlot(session string, n int) int { return preferredSlot(session, n) }
