// Package logtest gives tests a slog.Logger whose output they can read
// back, for assertions on what a component logged. With go test -v the
// lines also go to the test log.
package logtest

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Buffer collects log output; it is safe for concurrent use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything logged so far, in text handler format.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Count returns how many times substr occurs in the output.
func (b *Buffer) Count(substr string) int { return strings.Count(b.String(), substr) }

// New returns a logger at info level writing to a fresh Buffer.
func New(tb testing.TB) (*slog.Logger, *Buffer) {
	tb.Helper()
	return NewAt(tb, slog.LevelInfo)
}

// NewAt is New with the logger at level, e.g. slog.LevelDebug for the
// lines a service logs under -v.
func NewAt(tb testing.TB, level slog.Level) (*slog.Logger, *Buffer) {
	tb.Helper()
	buf := &Buffer{}
	w := io.Writer(buf)
	if testing.Verbose() {
		w = io.MultiWriter(buf, tbWriter{tb})
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), buf
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
