package compress

import "testing"

// TestErrorSignalPrecision checks that a signal word counts where it
// reports a problem and not where it is part of a path, file name, flag,
// qualified identifier or key=value setting, and that the regexp reference
// agrees on every case.
func TestErrorSignalPrecision(t *testing.T) {
	reports := []string{
		"./main.go:12:2: undefined: foo",
		"main.go:12: error: expected ';'",
		"2025-06-24 14:36:25 ERROR could not connect",
		`time=2025-06-24T14:36:25Z level=error msg="dial failed"`,
		`level=INFO msg=retry error="EOF"`,
		"open /etc/shadow: permission denied",
		"npm ERR! code E404",
		"[ERR] upstream closed",
		"Connecting...failed",
		"non-fatal: skipping",
		"read/write error",
		"error.",
		"panic(0x4a2f60)",
		"context deadline exceeded (Client.Timeout exceeded while awaiting headers): timeout",
		"FAIL/tests",
		"job timed out",
		"errors= none",
		"-> error: bad",
		"- failed to start",
		"-- error --",
		"exit -1 failed",
		"--x=y error",
		"-x exit status 2",
		"-p -- failed",
		"non-fatal: skipping",
		"error-prone code path",
		"x-error- y",
		".-error-x",
		"pre-timed out",
	}
	names := []string{
		"packagefile errors=/home/dev/tmp/go-build1/b004/_pkg_.a",
		`compile -o $WORK/b004/_pkg_.a -trimpath "$WORK/b004=>" ./errors.go ./join.go ./wrap.go`,
		"/usr/local/go/src/runtime/panic.go:770 +0x132",
		"cd /usr/lib/go/src/internal/oserror/errors",
		"\tif err := rows.Err(); err != nil {",
		"\treturn nil, err",
		"\treturn errors.New(\"boom\")",
		"\tlog.Fatal(x)",
		"go test --fail-fast ./...",
		"gcc -Wno-error=format -c x.c",
		"dial timeout=30s retries=3",
		"vet -errorsas -printf ./...",
		"C:\\src\\errors\\x.go",
		"fmt.Println(x.warning)",
		"compile -o $WORK/b004/_pkg_.a -p errors -lang=go1.27 -std",
		"tool --pkg  errors -v",
		"-x timed out",
		"run -o 'fatal' x",
		"2026-01-02 10:00:00 install libgpg-error-dev:amd64 <none> 1.46-1",
		"unpacking python3-timeout-decorator (4.0)",
		"ii  lib-ERR-x  1.0",
	}
	for _, s := range reports {
		if !hasErrorSignal(s) {
			t.Errorf("hasErrorSignal(%q) = false, want true", s)
		}
		if !errorSignalRE.MatchString(s) {
			t.Errorf("errorSignalRE misses %q", s)
		}
	}
	for _, s := range names {
		if hasErrorSignal(s) {
			t.Errorf("hasErrorSignal(%q) = true, want false", s)
		}
		if errorSignalRE.MatchString(s) {
			t.Errorf("errorSignalRE matches %q", s)
		}
	}
}

// TestErrorSignalMixedLine checks that a name does not hide a report on
// the same line.
func TestErrorSignalMixedLine(t *testing.T) {
	for _, s := range []string{
		"pkg/errors.go:12: error: unused variable",
		"--fail-fast given; FAIL",
		"errors=/tmp/x exit status 2",
		"rows.Err() failed",
	} {
		if !hasErrorSignal(s) || !errorSignalRE.MatchString(s) {
			t.Errorf("report lost in %q", s)
		}
	}
}
