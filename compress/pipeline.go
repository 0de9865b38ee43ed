package compress

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
	"github.com/tsheadroom/tsheadroom/compress/wrapper"
)

// The pipeline one eligible block goes through:
//
//	peel the agent CLI's wrapper (kept verbatim)
//	-> detect the payload's kind
//	-> the kind's compressor: lossless steps, then lossy ones while the
//	   result is over the block's budget
//	-> the safety net: a payload no compressor claimed, or one still large
//	   after its compressor, is folded generically
//	-> checks: kept lines are verbatim, no retrieval markers, fewer bytes.

// safetyNetBytes is the size (about 2,000 tokens) from which a payload that
// its kind's compressor left large goes through the generic fold.
const safetyNetBytes = 8000

// minStructuredSaving is the least share (percent) of a JSON payload a
// rewrite must save to be used when the context is not under pressure.
const minStructuredSaving = 20

// blockJob is what the pipeline needs to compress one payload.
type blockJob struct {
	query    *relevance.Query
	prof     profile
	pressure float64
	isError  bool
	// jsonObject: the result must stay one JSON object.
	jsonObject bool
	stop       func() bool
	// memo is shared by every pass over the block (see lines.Memo).
	memo  *lines.Memo
	depth int
	// protected is set by run when protect_analysis_context left the
	// payload alone.
	protected bool
	// textKind, when set, is the kind of the whole text the top-level run
	// is given (the engine detected it already, and a block re-judged by
	// later turns runs again): detection is a full pass over the text.
	textKind Kind
}

// run compresses text and returns the result and its kind; ok is false
// when nothing worth changing was found.
func (j *blockJob) run(text string) (string, Kind, bool) {
	parts := wrapper.Peel(text)
	if j.jsonObject {
		parts = wrapper.Parts{Payload: text}
	}
	payload := parts.Payload
	var kind Kind
	if j.textKind != "" && j.depth == 0 && payload == text {
		kind = j.textKind
	} else {
		kind = detectKindMemo(j.memo, payload)
	}
	forced := j.pressure < 1
	if !forced && (kind == KindCode || kind == KindText && len(payload) < safetyNetBytes) {
		return "", kind, false
	}
	if !forced && j.query.Intent.Has(relevance.Analysis) && codeBearing(kind) {
		j.protected = j.depth == 0
		return "", kind, false
	}
	if j.stopped() {
		return "", kind, false
	}
	in := j.input(payload, kind)
	out, ok := compressKind(kind, in)
	if j.stopped() {
		return "", kind, false
	}
	if ok && lineKind(kind) {
		out = clipLongLines(out, j.query, in.Budget.Bytes)
	}
	if kind != KindJSON || !j.jsonObject {
		if !ok && len(payload) >= safetyNetBytes || ok && len(out) >= safetyNetBytes && len(out) > 2*in.Budget.Bytes && !structured(kind) {
			// The safety net: any large payload leaves reduced.
			net := j.input(payload, KindLog)
			if o, ok2 := fold.Text(net); ok2 {
				if o = clipLongLines(o, j.query, net.Budget.Bytes); !ok || len(o) < len(out) {
					out, ok = o, true
					if kind == KindText {
						kind = KindLog
					}
				}
			}
		}
	}
	if !ok || len(out) >= len(payload) {
		return "", kind, false
	}
	if !forced && !worthRewrite(kind, len(payload), len(out)) {
		return "", kind, false
	}
	return parts.Head + out + parts.Tail, kind, true
}

// detectKindMemo is detectKind, remembered in m: a wrapped block's payload
// and a nested text are detected once for every pass over the block.
func detectKindMemo(m *lines.Memo, text string) Kind {
	if v, ok := m.Get("kind", text); ok {
		return v.(Kind)
	}
	k := detectKind(text)
	m.Put("kind", text, k)
	return k
}

// worthRewrite reports whether a rewrite of a payload of kind k from in to
// out bytes saves enough: a JSON document rewritten for a few percent
// loses items and keys a reader may need (each elision is a guess) for
// almost nothing.
func worthRewrite(k Kind, in, out int) bool {
	return k != KindJSON || out*100 <= in*(100-minStructuredSaving)
}

// stopped reports whether the caller gave up: then nothing more is worth
// computing, since the engine discards the block's result.
func (j *blockJob) stopped() bool { return j.stop != nil && j.stop() }

// lineKind reports whether a kind's lines are records a reader scans (log,
// table, search and listing rows), whose long ones may be cut: not prose,
// whose paragraphs read as a whole, nor structured kinds.
func lineKind(k Kind) bool {
	switch k {
	case KindLog, KindTable, KindSearch, KindListing, KindText, KindCode:
		return true
	}
	return false
}

// structured kinds have a syntax their compressor keeps valid, which a
// generic fold of their output would break.
func structured(k Kind) bool { return k == KindJSON || k == KindDiff }

// input builds a compressor's Input for payload.
func (j *blockJob) input(payload string, k Kind) *fold.Input {
	in := &fold.Input{
		Text:    payload,
		Query:   j.query,
		Budget:  budgetFor(k, len(payload), j.prof, j.pressure),
		IsError: j.isError,
		Stop:    j.stop,
		Memo:    j.memo,
	}
	if j.depth < 2 {
		in.Nested = func(text string, b fold.Budget) (string, bool) {
			sub := *j
			sub.depth++
			sub.jsonObject = false
			out, _, ok := sub.run(text)
			return out, ok
		}
	}
	return in
}

// queryOf builds the query of a block from its task: the last user
// request is the latest, what came before is context.
func queryOf(b *Block) *relevance.Query {
	latest, earlier := splitTask(b.Task)
	return relevance.Parse(latest, earlier)
}

// splitTask splits a task (user messages joined by newlines, oldest first)
// into its latest request and the rest. The latest request is the last
// paragraph of at least 40 bytes.
func splitTask(task string) (latest, earlier string) {
	task = strings.TrimSpace(task)
	cut := strings.LastIndexByte(task, '\n')
	for cut > 0 && len(task)-cut < 40 {
		cut = strings.LastIndexByte(task[:cut], '\n')
	}
	if cut < 0 {
		return task, ""
	}
	return task[cut+1:], task[:cut]
}
