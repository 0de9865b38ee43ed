package workers

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/compress/tokens"
)

//go:embed headroom_worker.py
var workerScript []byte

// Defaults for HeadroomConfig fields left zero.
const (
	DefaultPython        = "python3"
	DefaultWorkers       = 2
	DefaultCallTimeout   = 30 * time.Second
	DefaultStartTimeout  = 2 * time.Minute
	DefaultAffinityWait  = 25 * time.Millisecond
	DefaultRestartDelay  = 100 * time.Millisecond
	DefaultStderrLineMax = 2 << 10
	DefaultMaxReplyBytes = 64 << 20
)

// restartBackoffMax caps the replacement backoff, which starts at
// HeadroomConfig.RestartBackoff and doubles per consecutive failure of a
// slot (reset by a successful call).
const restartBackoffMax = 10 * time.Second

// closeGrace is how long Close lets workers exit on stdin EOF before
// killing them.
const closeGrace = 2 * time.Second

// ErrNoWorker is returned at once when every worker process is down
// (being replaced), instead of queueing behind the respawn.
var ErrNoWorker = errors.New("workers: no headroom worker available (all restarting)")

// ErrClosed is returned by calls on a closed (or never started) engine.
var ErrClosed = errors.New("workers: headroom engine not running")

// HeadroomConfig configures the headroom engine.
type HeadroomConfig struct {
	// Python is the interpreter that has headroom-ai installed (a venv's
	// bin/python for instance). Default "python3", looked up in PATH.
	Python string
	// ScriptPath is the worker script to run. Empty: the script embedded in
	// the binary is written to a private (0700) temporary directory at
	// Start and removed at Close.
	ScriptPath string
	// Workers is the number of worker processes. Default 2. Each one costs
	// a Python interpreter with headroom loaded: about 65 MB resident with
	// the base install (measured on the corpus), plus ~600 MB with the ML
	// model (headroom's own figure).
	Workers int
	// CallTimeout is the hard cap on one call to a worker. Past it the
	// worker's process group is killed and replaced, and the call fails.
	// Default 30s. The caller's context may give up earlier; the worker then
	// finishes (up to this cap) before taking the next call.
	CallTimeout time.Duration
	// StartTimeout bounds the wait for a worker's ready handshake, which
	// includes loading the ML model when Preload is set. Default 2m.
	StartTimeout time.Duration
	// AffinityWait is how long a call waits for its session's warm worker
	// to free up before taking any free worker. Default 25ms.
	AffinityWait time.Duration
	// RestartBackoff is the wait before replacing a failed worker; it
	// doubles with each consecutive failure of the same slot, up to 10s,
	// and resets after a successful call. Default 100ms.
	RestartBackoff time.Duration
	// Preload makes each worker build headroom's pipeline and load the ML
	// text model (headroom's ml extra, when installed and cached) before
	// it reports ready, so no request pays for it. Without it, the first
	// call on each process is a cold start.
	Preload bool
	// KompressModel is the ML text model Preload loads: empty for
	// headroom's default, else a HuggingFace model ID (the kompress_model
	// knob in force at start). Calls load the model their knobs name on
	// first use.
	KompressModel string
	// AllowModelDownload lets workers fetch models from HuggingFace: it
	// drops HEADROOM_OFFLINE=1 from their environment and passes HF_TOKEN
	// from tsheadroom's own, the only variable beyond the allow list. Off,
	// workers use only models already in the cache.
	AllowModelDownload bool
	// NoAffinity turns session affinity off: every call takes any free
	// worker.
	NoAffinity bool
	// Env holds extra KEY=VALUE variables for the workers, applied after
	// the scrubbed base environment (PATH, HOME, LANG, TMPDIR, PYTHONPATH,
	// ... and HEADROOM_OFFLINE=1); TS_* keys are refused.
	Env []string
	// Observer receives affinity, cold start and restart events. May be nil.
	Observer Observer
	// Logger receives worker lifecycle events and the workers' stderr.
	// Nil discards them.
	Logger *slog.Logger
	// StderrLineMax caps one forwarded stderr line, in bytes. Default 2 KiB.
	StderrLineMax int
	// MaxReplyBytes caps one protocol line from a worker; a longer reply is
	// a protocol error. Default 64 MiB.
	MaxReplyBytes int
}

// Headroom is the "headroom" engine: headroom-ai's compress() run in
// supervised Python worker processes. Build it with NewHeadroom, then
// Start it; it is safe for concurrent use.
type Headroom struct {
	cfg   HeadroomConfig
	log   *slog.Logger
	obs   Observer
	env   []string
	ids   atomic.Uint64
	wg    sync.WaitGroup
	spawn *spawner

	// life ends at Close; respawns stop with it.
	life     context.Context
	stopLife context.CancelFunc

	mu      sync.Mutex
	state   engineState
	script  string
	tmpDir  string
	version string
	slots   []*slot
	// changed is closed and replaced whenever a slot becomes idle or down,
	// waking callers waiting for a worker.
	changed chan struct{}
}

type engineState int

const (
	engineNew engineState = iota
	engineRunning
	engineClosed
)

type slotState int

const (
	slotDown slotState = iota
	slotIdle
	slotBusy
)

// slot is one worker position; its process is replaced when it fails.
type slot struct {
	idx      int
	state    slotState
	proc     *proc
	failures int // consecutive failures, for backoff
	restarts int
}

// NewHeadroom validates cfg, fills defaults and returns an engine that is
// not started yet.
func NewHeadroom(cfg HeadroomConfig) (*Headroom, error) {
	cfg.Python = cmp.Or(cfg.Python, DefaultPython)
	cfg.Workers = cmp.Or(cfg.Workers, DefaultWorkers)
	cfg.CallTimeout = cmp.Or(cfg.CallTimeout, DefaultCallTimeout)
	cfg.StartTimeout = cmp.Or(cfg.StartTimeout, DefaultStartTimeout)
	cfg.AffinityWait = cmp.Or(cfg.AffinityWait, DefaultAffinityWait)
	cfg.RestartBackoff = cmp.Or(cfg.RestartBackoff, DefaultRestartDelay)
	cfg.StderrLineMax = cmp.Or(cfg.StderrLineMax, DefaultStderrLineMax)
	cfg.MaxReplyBytes = cmp.Or(cfg.MaxReplyBytes, DefaultMaxReplyBytes)
	var errs []error
	for _, c := range []struct {
		bad        bool
		what, want string
		got        any
	}{
		{cfg.Workers < 1, "workers", ">= 1", cfg.Workers},
		{cfg.CallTimeout < 0, "call timeout", "> 0", cfg.CallTimeout},
		{cfg.StartTimeout < 0, "start timeout", "> 0", cfg.StartTimeout},
		{cfg.AffinityWait < 0, "affinity wait", ">= 0", cfg.AffinityWait},
		{cfg.RestartBackoff < 0, "restart backoff", "> 0", cfg.RestartBackoff},
		{cfg.StderrLineMax < 1, "stderr line max", ">= 1", cfg.StderrLineMax},
		{cfg.MaxReplyBytes < 1, "max reply bytes", ">= 1", cfg.MaxReplyBytes},
	} {
		if c.bad {
			errs = append(errs, fmt.Errorf("%s must be %s, got %v", c.what, c.want, c.got))
		}
	}
	if err := validateExtraEnv(cfg.Env); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("workers: invalid headroom config: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	obs := cfg.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	life, stop := context.WithCancel(context.Background())
	return &Headroom{
		cfg:      cfg,
		log:      log.With("component", "headroom"),
		obs:      obs,
		env:      workerEnv(os.Environ(), cfg.Env, cfg.AllowModelDownload),
		life:     life,
		stopLife: stop,
		changed:  make(chan struct{}),
	}, nil
}

// Name returns "headroom".
func (h *Headroom) Name() string { return "headroom" }

// Version returns the headroom-ai version the workers reported in their
// handshake; "" before Start.
func (h *Headroom) Version() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.version
}

// Ready reports whether the engine can take a call: nil while it runs with
// at least one worker process up (idle or busy), else why it cannot (not
// started, closed, or ErrNoWorker while every worker is being replaced).
func (h *Headroom) Ready() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch h.state {
	case engineNew:
		return errors.New("workers: headroom engine not started")
	case engineClosed:
		return ErrClosed
	}
	for _, s := range h.slots {
		if s.state != slotDown {
			return nil
		}
	}
	return ErrNoWorker
}

// Start writes the worker script if needed, launches the worker processes
// and waits for every ready handshake (bounded by ctx and StartTimeout).
// Start is called once, and not concurrently with Close.
// If any worker fails to start, all are stopped and the error names the
// cause, with the worker's last stderr lines (e.g. headroom not installed).
func (h *Headroom) Start(ctx context.Context) error {
	h.mu.Lock()
	if h.state != engineNew {
		h.mu.Unlock()
		return errors.New("workers: headroom engine already started or closed")
	}
	h.state = engineRunning
	h.mu.Unlock()

	if err := h.prepareScript(); err != nil {
		h.abortStart()
		return err
	}
	h.spawn = newSpawner()

	procs := make([]*proc, h.cfg.Workers)
	errs := make([]error, h.cfg.Workers)
	var wg sync.WaitGroup
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			procs[i], errs[i] = h.startProc(ctx, i)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, p := range procs {
			if p != nil {
				p.kill()
			}
		}
		h.abortStart()
		return fmt.Errorf("workers: start headroom engine: %w", err)
	}

	h.mu.Lock()
	h.version = procs[0].hello.HeadroomVersion
	h.slots = make([]*slot, len(procs))
	for i, p := range procs {
		h.slots[i] = &slot{idx: i, state: slotIdle, proc: p}
		h.watchExit(h.slots[i], p)
	}
	h.mu.Unlock()
	for _, p := range procs {
		h.log.Info("headroom worker ready", "worker", p.idx, "pid", p.pid,
			"headroom_version", p.hello.HeadroomVersion, "python", p.hello.Python,
			"preloaded", p.hello.Preloaded, "ml", p.hello.ML, "retrieval_markers", p.hello.RetrievalMarkers,
			"tokenizers", p.hello.Tokenizers)
	}
	return nil
}

// prepareScript picks the configured script or writes the embedded one.
func (h *Headroom) prepareScript() error {
	if h.cfg.ScriptPath != "" {
		abs, err := filepath.Abs(h.cfg.ScriptPath)
		if err != nil {
			return fmt.Errorf("workers: worker script %s: %w", h.cfg.ScriptPath, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return fmt.Errorf("workers: worker script: %w", err)
		}
		h.script = abs
		return nil
	}
	dir, err := os.MkdirTemp("", "tsheadroom-worker-") // created 0700
	if err != nil {
		return fmt.Errorf("workers: private dir for the worker script: %w", err)
	}
	path := filepath.Join(dir, "headroom_worker.py")
	if err := os.WriteFile(path, workerScript, 0o600); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("workers: write worker script: %w", err)
	}
	h.tmpDir, h.script = dir, path
	return nil
}

// abortStart leaves the engine closed after a failed Start.
func (h *Headroom) abortStart() {
	h.mu.Lock()
	h.state = engineClosed
	h.mu.Unlock()
	h.stopLife()
	h.wg.Wait()
	if h.spawn != nil {
		h.spawn.stop()
	}
	if h.tmpDir != "" {
		os.RemoveAll(h.tmpDir)
	}
}

// Close stops every worker (stdin EOF, then a kill after a grace period),
// waits for supervision to end and removes the private script directory.
// Calls in flight fail. Close is idempotent.
func (h *Headroom) Close() error {
	h.mu.Lock()
	if h.state != engineRunning {
		h.state = engineClosed
		h.mu.Unlock()
		return nil
	}
	h.state = engineClosed
	var procs []*proc
	for _, s := range h.slots {
		if s.proc != nil {
			procs = append(procs, s.proc)
		}
	}
	h.broadcastLocked()
	h.mu.Unlock()
	h.stopLife()

	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.stdin.Close() // the worker exits on EOF
			select {
			case <-p.exited:
			case <-time.After(closeGrace):
			}
			p.kill()
		}()
	}
	wg.Wait()
	h.wg.Wait()
	h.spawn.stop()
	if h.tmpDir != "" {
		if err := os.RemoveAll(h.tmpDir); err != nil {
			return fmt.Errorf("workers: remove worker script dir: %w", err)
		}
	}
	return nil
}

// WorkerInfo describes one worker slot.
type WorkerInfo struct {
	Index    int
	PID      int    // 0 while the slot is down
	State    string // "idle", "busy" or "down"
	Restarts int    // processes replaced in this slot
	RSSBytes int64  // resident memory from /proc; 0 where unavailable
}

// Workers reports the worker slots, for diagnostics and measurements.
func (h *Headroom) Workers() []WorkerInfo {
	h.mu.Lock()
	out := make([]WorkerInfo, len(h.slots))
	for i, s := range h.slots {
		out[i] = WorkerInfo{Index: i, State: [...]string{"down", "idle", "busy"}[s.state], Restarts: s.restarts}
		if s.proc != nil {
			out[i].PID = s.proc.pid
		}
	}
	h.mu.Unlock()
	for i := range out {
		if out[i].PID != 0 {
			out[i].RSSBytes = rssBytes(out[i].PID)
		}
	}
	return out
}

// Compress compresses the blocks of req: eligible blocks go to one worker in
// a single call; every block's output is validated and counted with the
// request model's tokenizer. Any worker failure returns an error at once,
// leaving the whole request to the caller's fail-open path.
func (h *Headroom) Compress(ctx context.Context, req *compress.Request) (*compress.Result, error) {
	if req == nil {
		return nil, errors.New("workers: nil request")
	}
	plan := planItems(req)
	tok := tokens.For(req.Model)
	res := &compress.Result{Blocks: make([]compress.BlockResult, len(req.Blocks))}
	// Counting a large request's tokens takes a while (~0.2s per MB with a
	// BPE): do it while the worker compresses. On a worker error the count
	// is abandoned and finishes on its own; it touches only its own copy of
	// the texts and res.
	texts := make([]string, len(req.Blocks))
	for i := range req.Blocks {
		texts[i] = req.Blocks[i].Text
	}
	counted := make(chan struct{})
	go func() {
		defer close(counted)
		for i, text := range texts {
			n := tok.Count(text)
			res.Blocks[i] = compress.BlockResult{Kind: compress.KindText, TokensBefore: n, TokensAfter: n}
		}
	}()
	var reply *wireReply
	if len(plan) > 0 {
		var err error
		reply, err = h.call(ctx, req, plan)
		if err != nil {
			return nil, err
		}
	}
	<-counted
	for k, pi := range plan {
		b := &req.Blocks[pi.block]
		br := &res.Blocks[pi.block]
		got := reply.Items[k]
		text, why := acceptItem(b, pi.item, got)
		if why == rejectNone && text != b.Text {
			if after := tok.Count(text); after < br.TokensBefore {
				if tr, ok := referenced(req, pi.block, text); ok {
					// headroom cannot re-judge a block by a later turn, so a
					// block that turn refers to goes out whole.
					br.Kind, br.Restored, br.RestoreFresh, br.RestoredTokens = kindOf(got.Transforms), tr.Reason, tr.Fresh, br.TokensBefore-after
					continue
				}
				br.Changed, br.Text, br.TokensAfter, br.Kind = true, text, after, kindOf(got.Transforms)
				continue
			}
			why = rejectNoSaving
		}
		if why != rejectNone {
			level := slog.LevelDebug
			if why == rejectMarker || why == rejectStructure || why == rejectError {
				level = slog.LevelInfo
			}
			h.log.Log(ctx, level, "headroom output not used for block", "session", req.Session,
				"block", pi.block, "reason", string(why), "worker_error", got.Error)
		}
	}
	return res, nil
}

// referenced reports whether a turn written after block i needs something
// its compressed form left out, when the request's knobs ask for restores.
func referenced(req *compress.Request, i int, compressed string) (compress.Trigger, bool) {
	if !req.Config.RestoreReferenced {
		return compress.Trigger{}, false
	}
	return compress.Referenced(req, i, compressed)
}

// call runs one request on a worker chosen by session affinity.
func (h *Headroom) call(ctx context.Context, req *compress.Request, plan []plannedItem) (*wireReply, error) {
	s, p, err := h.acquire(ctx, req.Session)
	if err != nil {
		return nil, err
	}
	// A caller that gave up while waiting for a worker is not run.
	if err := ctx.Err(); err != nil {
		h.finish(s, p, nil)
		return nil, err
	}
	limit := req.Config.ContextWindow
	if limit == 0 {
		limit = compress.ContextWindow(req.Model)
	}
	wreq := &wireRequest{ID: h.ids.Add(1), Op: "compress", Model: req.Model, ModelLimit: limit, Items: make([]wireItem, len(plan))}
	for i, pi := range plan {
		wreq.Items[i] = pi.item
	}

	type outcome struct {
		reply *wireReply
		err   error
	}
	done := make(chan outcome, 1)
	h.mu.Lock()
	if h.state != engineRunning {
		h.mu.Unlock()
		h.finish(s, p, nil)
		return nil, ErrClosed
	}
	h.wg.Add(1) // under mu: Close waits only once no new work can start
	h.mu.Unlock()
	go func() {
		defer h.wg.Done()
		reply, err := p.exchange(wreq, h.cfg.CallTimeout)
		h.finish(s, p, err)
		done <- outcome{reply, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		// The worker finishes (or hits the hard cap) on its own; the slot
		// is released then.
		return nil, ctx.Err()
	}
	if o.err != nil {
		return nil, fmt.Errorf("workers: headroom worker %d (pid %d): %w", s.idx, p.pid, o.err)
	}
	if o.reply.Cold {
		h.obs.ColdStart()
	}
	h.log.Debug("headroom call", "session", req.Session, "worker", s.idx, "items", len(plan),
		"tokens_before", o.reply.TokensBefore, "tokens_after", o.reply.TokensAfter,
		"tokens_saved", o.reply.TokensSaved, "elapsed_ms", o.reply.ElapsedMS, "cold", o.reply.Cold)
	return o.reply, nil
}

// preferredSlot maps a session to its warm worker; -1 without a session.
func preferredSlot(session string, n int) int {
	if session == "" {
		return -1
	}
	f := fnv.New32a()
	f.Write([]byte(session))
	return int(f.Sum32() % uint32(n))
}

// acquire picks a worker: the session's preferred one when it is idle or
// frees up within AffinityWait, else any idle one. It fails at once when
// every worker is down, and with ctx.Err() when the caller gives up.
func (h *Headroom) acquire(ctx context.Context, session string) (*slot, *proc, error) {
	var deadline time.Time
	for {
		h.mu.Lock()
		if h.state != engineRunning {
			h.mu.Unlock()
			return nil, nil, ErrClosed
		}
		pref := -1
		if !h.cfg.NoAffinity {
			pref = preferredSlot(session, len(h.slots))
		}
		if pref >= 0 && h.slots[pref].state == slotIdle {
			s := h.takeLocked(pref)
			h.mu.Unlock()
			h.obs.AffinityHit()
			return s, s.proc, nil
		}
		now := time.Now()
		if pref >= 0 && deadline.IsZero() {
			deadline = now.Add(h.cfg.AffinityWait)
		}
		if pref < 0 || h.slots[pref].state == slotDown || !now.Before(deadline) {
			for k := range h.slots {
				i := k
				if pref >= 0 {
					i = (pref + 1 + k) % len(h.slots) // spread spills
				}
				if h.slots[i].state == slotIdle {
					s := h.takeLocked(i)
					h.mu.Unlock()
					if pref >= 0 {
						h.obs.AffinitySpill()
					}
					return s, s.proc, nil
				}
			}
		}
		allDown := true
		for _, s := range h.slots {
			if s.state != slotDown {
				allDown = false
				break
			}
		}
		if allDown {
			h.mu.Unlock()
			return nil, nil, ErrNoWorker
		}
		changed := h.changed
		h.mu.Unlock()

		var timeout <-chan time.Time
		var timer *time.Timer
		if pref >= 0 && now.Before(deadline) {
			timer = time.NewTimer(deadline.Sub(now))
			timeout = timer.C
		}
		select {
		case <-changed:
		case <-timeout:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
	}
}

func (h *Headroom) takeLocked(i int) *slot {
	s := h.slots[i]
	s.state = slotBusy
	return s
}

func (h *Headroom) broadcastLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// finish returns a slot after a call. A *workerError kills the process and
// starts its replacement; anything else leaves it serving.
func (h *Headroom) finish(s *slot, p *proc, err error) {
	var werr *workerError
	if errors.As(err, &werr) {
		h.fail(s, p, werr)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.proc != p || s.state != slotBusy {
		return
	}
	s.state = slotIdle
	if err == nil {
		s.failures = 0
	}
	h.broadcastLocked()
}

// fail kills p, marks its slot down and schedules a replacement with
// backoff (unless the engine is closing).
func (h *Headroom) fail(s *slot, p *proc, werr *workerError) {
	p.kill()
	h.mu.Lock()
	if s.proc != p {
		h.mu.Unlock()
		return // already handled
	}
	s.proc = nil
	s.state = slotDown
	s.failures++
	s.restarts++
	failures := s.failures
	running := h.state == engineRunning
	if running {
		h.wg.Add(1)
	}
	h.broadcastLocked()
	h.mu.Unlock()
	if !running {
		return
	}
	h.obs.WorkerRestart(werr.reason)
	h.log.Warn("headroom worker failed; replacing it", "worker", s.idx, "pid", p.pid,
		"reason", werr.reason, "err", werr.err)
	go h.respawn(s, failures)
}

// respawn starts a new process in slot s after a backoff, retrying (with
// growing backoff) until one reports ready or the engine closes.
func (h *Headroom) respawn(s *slot, failures int) {
	defer h.wg.Done()
	for {
		delay := h.cfg.RestartBackoff << min(failures-1, 10)
		if delay > restartBackoffMax || delay <= 0 {
			delay = max(restartBackoffMax, h.cfg.RestartBackoff)
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-h.life.Done():
			t.Stop()
			return
		}
		p, err := h.startProc(h.life, s.idx)
		if err == nil {
			h.mu.Lock()
			if h.state != engineRunning {
				h.mu.Unlock()
				p.kill()
				return
			}
			s.proc, s.state = p, slotIdle
			h.watchExit(s, p)
			h.broadcastLocked()
			h.mu.Unlock()
			h.log.Info("headroom worker replaced", "worker", s.idx, "pid", p.pid, "after_failures", failures)
			return
		}
		if h.life.Err() != nil {
			return
		}
		failures++
		reason := reasonCrash
		var werr *workerError
		if errors.As(err, &werr) {
			reason = werr.reason
		}
		h.mu.Lock()
		s.failures, s.restarts = failures, s.restarts+1
		h.mu.Unlock()
		h.obs.WorkerRestart(reason)
		h.log.Warn("headroom worker replacement failed; retrying", "worker", s.idx, "reason", reason, "err", err)
	}
}

// watchExit notices a worker that dies while idle, so it is replaced
// before a caller trips over it. Called with h.mu held.
func (h *Headroom) watchExit(s *slot, p *proc) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		select {
		case <-p.exited:
		case <-p.dead:
			return
		}
		h.mu.Lock()
		idle := s.proc == p && s.state == slotIdle && h.state == engineRunning
		if idle {
			s.state = slotBusy // claim it so no caller takes it meanwhile
		}
		h.mu.Unlock()
		if idle {
			h.fail(s, p, &workerError{reasonCrash, errors.New("exited while idle")})
		}
	}()
}
