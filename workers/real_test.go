package workers

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/testenv"
)

// The tests in this file run the real headroom-ai library. The interpreter
// comes from TSHEADROOM_TEST_PYTHON (a venv's python with headroom-ai
// installed, as .ci/run sets it up). Without it the tests fail when CI=true
// and are skipped loudly otherwise.

// TestHeadroomRealColdStart: without preload, the first call of a real
// headroom worker pays the pipeline build and is counted cold; later calls
// are not.
func TestHeadroomRealColdStart(t *testing.T) {
	obs := newRecObserver()
	h, err := NewHeadroom(HeadroomConfig{Python: testenv.HeadroomPython(t), Workers: 1, Observer: obs,
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

// TestHeadroomRealKnobs: the real compress() takes kompress_model
// ("disabled", as the original's file may hold it) and model_limit, with
// preload following the knob: no ML model is loaded for "disabled".
func TestHeadroomRealKnobs(t *testing.T) {
	logs := newLogCapture()
	h, err := NewHeadroom(HeadroomConfig{Python: testenv.HeadroomPython(t), Workers: 1, Preload: true,
		KompressModel: "disabled", Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	req := toolReq("", bulky("call"))
	disabled := "disabled"
	req.Config.KompressModel = &disabled
	res, err := h.Compress(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Blocks {
		if r.TokensBefore == 0 {
			t.Errorf("block not counted: %+v", r)
		}
	}
	for _, r := range logs.records() {
		if r.Msg == "headroom output not used for block" && r.Attrs["reason"] == string(rejectError) {
			t.Errorf("compress() refused the knobs: %v", r.Attrs)
		}
	}
}
