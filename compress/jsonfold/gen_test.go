package jsonfold

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
)

// Generators of JSON tool output for tests and benchmarks: deterministic,
// written for this package.

// record is one item of genRecords.
type record struct {
	ID        int      `json:"id"`
	Level     string   `json:"level"`
	Service   string   `json:"service"`
	Region    string   `json:"region"`
	LatencyMS int      `json:"latency_ms"`
	Time      string   `json:"time"`
	Msg       string   `json:"msg"`
	Tags      []string `json:"tags"`
}

// genRecords returns an indented array of n API-style records: one error
// at n/3, a latency outlier at n/2, a record naming "checkout-service" at
// 2n/3, a nested tags array in each.
func genRecords(n int) string {
	recs := make([]record, n)
	for i := range recs {
		r := record{
			ID: 1000 + i, Level: "info", Service: "frontend", Region: "eu-west-1",
			LatencyMS: 20 + i%7, Msg: "request served", Tags: []string{"web", "v" + strconv.Itoa(i%4)},
			Time: fmt.Sprintf("2026-03-%02dT10:%02d:%02dZ", 1+i%28, (i/60)%60, i%60),
		}
		switch i {
		case n / 3:
			r.Level, r.Msg = "error", "upstream connection refused"
		case n / 2:
			r.LatencyMS = 9000
		case 2 * n / 3:
			r.Service = "checkout-service"
		}
		recs[i] = r
	}
	b, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b) + "\n"
}

// genLines returns n JSON Lines log records with one panic and its 500.
func genLines(n int) string {
	var b strings.Builder
	for i := range n {
		level, msg, status := "INFO", "request", 200
		switch {
		case i == n/2:
			level, msg, status = "ERROR", "panic serving request: integer divide by zero", 500
		case i%50 == 7:
			level, msg, status = "WARN", "slow request", 200
		}
		fmt.Fprintf(&b, `{"time":"2026-12-01T22:%02d:%02d.%06dZ","level":%q,"msg":%q,"request_id":"r%06x","method":"GET","path":"/orders/%d","status":%d,"dur_ms":%d.%02d}`+"\n",
			(i/60)%60, i%60, i*37%1000000, level, msg, i*7919, i%500, status, 1+i%40, i%100)
	}
	return b.String()
}

// genDistinctKeys returns a compact array of n objects whose keys are
// mostly their own (maps inside items, keyed by data).
func genDistinctKeys(n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item-%d"`, i, i)
		for j := range 8 {
			fmt.Fprintf(&b, `,"attr_%d_%d":"v%d"`, i, j, (i+j)%97)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// sized repeats gen with a growing count until its output reaches size
// bytes.
func sized(gen func(int) string, size int) string {
	n := 16
	s := gen(n)
	for len(s) < size {
		n = n * size / len(s) * 11 / 10
		s = gen(n + 1)
	}
	return s
}

// input builds an Input with the engine's budget for a JSON block of
// text's size and a task.
func input(text, task string) *fold.Input {
	return kindtest.Input(text, task, kt.Budget(len(text)))
}

// genFlatConfig returns an object of about n scalar settings sorted by
// name, indented by one space (a build configuration dump): feature flags
// HAVE_*, sizes SIZEOF_*, options WITH_*, install paths, named without
// digits (names with digits read as data, a map anyway); among them
// Tk_DEBUG and LIBDIR_MAIN, which a task asks about, and MAX_ARG_BYTES,
// whose value is far above every other number. compact writes it on one
// line.
func genFlatConfig(n int, compact bool) string {
	m := map[string]any{
		"Tk_DEBUG":      0,
		"LIBDIR_MAIN":   "/opt/toolkit/lib/config-9.9-amd64",
		"MAX_ARG_BYTES": 2097152000,
	}
	for i := 0; len(m) < n; i++ {
		name := letters(i / 4)
		switch i % 4 {
		case 0:
			m["HAVE_FEATURE_"+name] = min(i%3, 1)
		case 1:
			m["SIZEOF_TYPE_"+name] = 4 << (i % 2)
		case 2:
			m["WITH_OPTION_"+name] = "yes"
		default:
			m["destdir_"+name] = fmt.Sprintf("/usr/lib/toolkit/part-%03d", i)
		}
	}
	var b []byte
	var err error
	if compact {
		b, err = json.Marshal(m)
	} else {
		b, err = json.MarshalIndent(m, "", " ")
	}
	if err != nil {
		panic(err)
	}
	return string(b)
}

// letters spells i in three letters: AAA, AAB, ...
func letters(i int) string {
	return string([]byte{byte('A' + i/676%26), byte('A' + i/26%26), byte('A' + i%26)})
}
