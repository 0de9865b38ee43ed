package workers

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The tests in this file run the real headroom-ai library. The interpreter
// comes from TSHEADROOM_TEST_PYTHON (a venv's python with headroom-ai
// installed, see /tmp/ci-workers.sh). Without it the tests fail when CI=true
// and are skipped loudly otherwise.

func realPython(t testing.TB) string {
	t.Helper()
	py := os.Getenv("TSHEADROOM_TEST_PYTHON")
	if py == "" {
		missingHeadroom(t, "TSHEADROOM_TEST_PYTHON is not set (point it at a python with headroom-ai installed)")
	}
	out, err := exec.Command(py, "-c", "import headroom.compress, importlib.metadata as m; print(m.version('headroom-ai'))").CombinedOutput()
	if err != nil {
		missingHeadroom(t, fmt.Sprintf("%s cannot import headroom: %v: %s", py, err, strings.TrimSpace(string(out))))
	}
	return py
}

func missingHeadroom(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("REAL HEADROOM UNAVAILABLE IN CI: %s", why)
	}
	t.Skipf("SKIPPING real headroom-ai test: %s", why)
}

// TestHeadroomRealColdStart: without preload, the first call of a real
// headroom worker pays the pipeline build and is counted cold; later calls
// are not.
func TestHeadroomRealColdStart(t *testing.T) {
	obs := newRecObserver()
	h, err := NewHeadroom(HeadroomConfig{Python: realPython(t), Workers: 1, Observer: obs,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for i := 0; i < 3; i++ {
		if _, err := h.Compress(context.Background(), toolReq("", bulky(fmt.Sprintf("call %d", i)))); err != nil {
			t.Fatal(err)
		}
	}
	if got := obs.snapshot().colds; got != 1 {
		t.Errorf("cold starts = %d, want 1 (the first call only)", got)
	}
}
