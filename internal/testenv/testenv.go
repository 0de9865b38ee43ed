// Package testenv decides what a test does when something it needs from the
// machine (a Python with headroom-ai, a Prometheus binary) is missing: under
// CI=true, where .ci/run installs everything, that is a failure; elsewhere
// the test is skipped with a message loud enough not to be mistaken for a
// pass.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Missing fails tb under CI=true and otherwise skips it loudly; what names
// the missing piece, fix says how to install it.
func Missing(tb testing.TB, what, fix string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true but %s is missing: %s", what, fix)
	}
	tb.Skipf("\n\n!!!!!!!! SKIPPED: %s is missing (%s). !!!!!!!!\n!!!!!!!! This test does NOT pass here; it runs (and must pass) under CI=true. !!!!!!!!\n", what, fix)
}

// HeadroomPython returns the interpreter named by TSHEADROOM_TEST_PYTHON
// after checking that it imports headroom-ai, or calls Missing.
func HeadroomPython(tb testing.TB) string {
	tb.Helper()
	const fix = "python3 -m venv venv && venv/bin/pip install headroom-ai, then set TSHEADROOM_TEST_PYTHON=venv/bin/python"
	py := os.Getenv("TSHEADROOM_TEST_PYTHON")
	if py == "" {
		Missing(tb, "TSHEADROOM_TEST_PYTHON (a python with headroom-ai)", fix)
		return ""
	}
	out, err := exec.Command(py, "-c", "import headroom.compress").CombinedOutput()
	if err != nil {
		Missing(tb, fmt.Sprintf("headroom-ai for %s (%v: %s)", py, err, strings.TrimSpace(string(out))), fix)
	}
	return py
}

// Skips runs f in a subtest of t named name and reports whether f skipped
// it: how the tests of helpers that skip (Missing, a corpus loader) check
// that they do.
func Skips(t *testing.T, name string, f func(tb testing.TB)) bool {
	t.Helper()
	var skipped bool
	t.Run(name, func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		f(t)
	})
	return skipped
}

// Immutable sets the immutable attribute on dir until the test ends, the
// one way to refuse writes and mode changes to root as well; it calls
// Missing where chattr or the file system cannot.
func Immutable(tb testing.TB, dir string) {
	tb.Helper()
	chattr, err := exec.LookPath("chattr")
	if err != nil {
		Missing(tb, "chattr", "an immutable directory needs chattr (e2fsprogs)")
	}
	if out, err := exec.Command(chattr, "+i", dir).CombinedOutput(); err != nil {
		Missing(tb, "chattr +i", "the file system or this user cannot set the immutable attribute: "+string(out))
	}
	tb.Cleanup(func() { exec.Command(chattr, "-i", dir).Run() })
}
