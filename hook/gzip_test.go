package hook

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tsheadroom/tsheadroom/workers"
)

// TestGzipRepliesConcurrent: replies compressed at the same time with
// reused writers each decode (with the standard library) to their own
// answer.
func TestGzipRepliesConcurrent(t *testing.T) {
	const callers = 8
	// Room for every caller to wait for a slot: a call shed as overload
	// would answer allow, not the answer compared against.
	h := newTestHook(t, stubEngine{}, func(c *Config) {
		pool, err := workers.NewPool(workers.PoolConfig{Size: 2, MaxWaiting: callers})
		if err != nil {
			t.Fatal(err)
		}
		c.Pool = pool
	})
	files, err := filepath.Glob(filepath.Join("testdata", "*.hook.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v", err)
	}
	var calls, plain [][]byte
	for _, f := range files {
		call, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, call)
		plain = append(plain, h.Process(context.Background(), call).Response)
	}
	var wg sync.WaitGroup
	for g := range callers {
		wg.Go(func() {
			for i := range 20 {
				k := (g + i) % len(calls)
				resp := post(t, h, calls[k], map[string]string{"Accept-Encoding": "gzip"})
				var r io.Reader = resp.Body
				if resp.Header.Get("Content-Encoding") == "gzip" {
					zr, err := gzip.NewReader(resp.Body)
					if err != nil {
						t.Error(err)
						return
					}
					r = zr
				}
				got, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(got, plain[k]) {
					t.Errorf("%s: gzip reply does not decode to the answer (%v)", files[k], err)
					return
				}
			}
		})
	}
	wg.Wait()
}
