package logtest

import (
	"strings"
	"sync"
	"testing"
)

func TestBufferCollectsConcurrentLines(t *testing.T) {
	log, buf := New(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { log.Info("tick", "k", "v") })
	}
	wg.Wait()
	if n := buf.Count("msg=tick k=v"); n != 8 {
		t.Errorf("%d lines, want 8:\n%s", n, buf)
	}
	if !strings.HasPrefix(buf.String(), "time=") {
		t.Errorf("not text handler output: %q", buf)
	}
	log.Debug("hidden")
	if buf.Count("hidden") != 0 {
		t.Error("debug line logged at info level")
	}
}
