// Package cputime measures the CPU time of the test process, for benchmarks
// run on machines shared with other work: MB/s of CPU time says what one
// core does whatever else runs, where wall-clock MB/s says how busy the
// machine was. Benchmarks report both.
package cputime

import (
	"testing"
	"time"
)

// ReportMBps reports, as "cpu-MB/s", the bytes b processed (b.N times n)
// over the CPU time the process used since start (a Now reading). Nothing
// is reported where the CPU time cannot be read.
func ReportMBps(b *testing.B, start time.Duration, n int) {
	if d := Now() - start; start > 0 && d > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/d.Seconds()/1e6, "cpu-MB/s")
	}
}
