package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// loadSecondsEnv lengthens TestLoadHostile (default 3 s of load).
const loadSecondsEnv = "TSHEADROOM_LOAD_SECONDS"

// TestLoadHostile runs tsheadroom as its own process on loopback under 200
// concurrent callers sending corpus calls and 20 hostile ones: calls of a
// million tiny messages, bodies trickled a byte at a time, 40 MiB bodies.
// It checks that nothing crashes, that every normal caller gets 200 with
// allow or modify, and that peak RSS stays within the -memory-limit; it
// reports the normal callers' p99 against the budget plus 100 ms (a
// figure, not a pass mark: the machine running tests is shared).
func TestLoadHostile(t *testing.T) {
	cases := corpus.Load(t)
	seconds := 3.0
	if v := os.Getenv(loadSecondsEnv); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", loadSecondsEnv, v, err)
		}
		seconds = f
	}
	const (
		normal      = 200
		budget      = 4 * time.Second
		memoryLimit = 768 << 20
	)
	p := startProc(t, "-memory-limit", "768MiB", "-budget", budget.String())
	calls := make([][]byte, len(cases))
	for i, c := range cases {
		calls[i] = c.Call
	}
	messages := manyTinyMessages(1_000_000)
	large := largeImageCall(40 << 20)

	var peak atomic.Int64
	stopRSS := make(chan struct{})
	var rssDone sync.WaitGroup
	rssDone.Go(func() {
		for {
			if r := int64(p.rss(t)); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-stopRSS:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})

	ctx := testContext(t)
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: normal}}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		bad       []string
		hostile   = map[string]int{}
	)
	var wg sync.WaitGroup
	for i := range normal {
		wg.Go(func() {
			for n := i; time.Now().Before(end); n += normal {
				a := p.post(ctx, client, calls[n%len(calls)])
				mu.Lock()
				switch {
				case a.err != nil || a.code != 200:
					bad = append(bad, fmt.Sprintf("%d %v", a.code, a.err))
				case !strings.HasPrefix(a.body, `{"action":"allow"}`) && !strings.HasPrefix(a.body, `{"action":"modify"`):
					bad = append(bad, fmt.Sprintf("odd answer %.60q", a.body))
				default:
					latencies = append(latencies, a.end.Sub(a.start))
				}
				mu.Unlock()
			}
		})
	}
	record := func(kind string, a answer) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case a.err != nil:
			hostile[kind+": hung up"]++
		default:
			hostile[fmt.Sprintf("%s: %d %.20s", kind, a.code, a.body)]++
		}
	}
	hostileClient := &http.Client{}
	for range 7 {
		wg.Go(func() {
			for time.Now().Before(end) {
				record("a million messages", p.post(ctx, hostileClient, messages))
			}
		})
	}
	for range 6 {
		wg.Go(func() {
			for time.Now().Before(end) {
				record("40 MiB body", p.post(ctx, hostileClient, large))
			}
		})
	}
	for range 7 {
		wg.Go(func() {
			for time.Now().Before(end) {
				record("trickled body", trickleOnce(t, p, calls[0], 50*time.Millisecond))
			}
		})
	}
	wg.Wait()
	close(stopRSS)
	rssDone.Wait()

	select {
	case <-p.Exited():
		t.Fatalf("tsheadroom exited under load: %v", p.Err())
	default:
	}
	if len(bad) > 0 {
		t.Errorf("%d normal calls failed, e.g. %s", len(bad), bad[0])
	}
	if len(latencies) == 0 {
		t.Fatal("no normal call answered")
	}
	slices.Sort(latencies)
	pct := func(q float64) time.Duration { return latencies[min(len(latencies)-1, int(q*float64(len(latencies))))] }
	hwm := p.memory(t).Peak
	t.Logf("%.0f s of load, %d normal callers, 20 hostile: %d normal calls answered; p50 %v, p99 %v, max %v (budget+100ms = %v)",
		seconds, normal, len(latencies), pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond),
		latencies[len(latencies)-1].Round(time.Millisecond), budget+100*time.Millisecond)
	t.Logf("peak RSS %.0f MiB (sampled), VmHWM %.0f MiB; -memory-limit %d MiB", float64(peak.Load())/(1<<20), float64(hwm)/(1<<20), memoryLimit>>20)
	var kinds []string
	for k, n := range hostile {
		kinds = append(kinds, fmt.Sprintf("%s ×%d", k, n))
	}
	slices.Sort(kinds)
	t.Logf("hostile answers: %s", strings.Join(kinds, "; "))
	m := p.metrics(t)
	var outcomes []string
	for k, v := range m {
		if o, ok := strings.CutPrefix(k, "tsheadroom_requests_by_outcome,outcome="); ok && v > 0 {
			outcomes = append(outcomes, fmt.Sprintf("%s=%v", o, v))
		}
	}
	slices.Sort(outcomes)
	t.Logf("outcomes: %s; panics %v", strings.Join(outcomes, " "), m["tsheadroom_panics_total"])
	if hwm > memoryLimit && !raceEnabled {
		t.Errorf("peak RSS %d MiB over the %d MiB memory limit", hwm>>20, memoryLimit>>20)
	}
}

// trickleOnce sends call's headers, then its body a byte every gap, and
// returns what came back: the answer at the budget, or a hang-up.
func trickleOnce(t *testing.T, p *proc, call []byte, gap time.Duration) answer {
	a := answer{start: time.Now()}
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
	if err != nil {
		a.err = err
		return a
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(call))
	replied := make(chan struct{})
	go func() {
		defer close(replied)
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		if err != nil {
			a.err = err
			return
		}
		line, _, _ := bytes.Cut(buf[:n], []byte("\r\n"))
		code, _ := strconv.Atoi(strings.Fields(string(line) + " 0 0")[1])
		a.code = code
		if _, body, ok := bytes.Cut(buf[:n], []byte("\r\n\r\n")); ok {
			a.body = string(body)
		}
	}()
	for i := 0; i < len(call); i++ {
		select {
		case <-replied:
			a.end = time.Now()
			return a
		case <-time.After(gap):
		}
		if _, err := conn.Write(call[i : i+1]); err != nil {
			break
		}
	}
	<-replied
	a.end = time.Now()
	return a
}

// manyTinyMessages is a call of n tiny user messages (finding 3's shape).
func manyTinyMessages(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"metadata":{"url":"http://ai/v1/messages","provider":"anthropic"},"request_body":{"model":"claude-sonnet-4-5","messages":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"role":"user","content":"hi"}`)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// largeImageCall is a valid call of about size bytes, nearly all of it an
// image block's base64 data, which no engine touches.
func largeImageCall(size int) []byte {
	data := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, size/16*3))
	return []byte(`{"metadata":{"url":"http://ai/v1/messages","provider":"anthropic"},"request_body":{"model":"claude-sonnet-4-5","messages":[` +
		`{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"` + data + `"}},{"type":"text","text":"what is this?"}]}]}}`)
}
