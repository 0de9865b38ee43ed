// Package fold holds what every content compressor of the native engine
// shares: the Input a compressor gets (the block, the query, the budget),
// the selection of what to keep under a budget, and the generic fold that
// works on any text — exact and near-duplicate lines and multi-line
// records clustered by shape, one exemplar per cluster kept whole with a
// count and the values that vary, problem, summary, task-matching and
// extreme lines kept, every kept line verbatim. The generic fold is the
// compressor for logs and build and test output, and the safety net for
// any large block no other compressor reduced enough.
//
// It knows nothing about request shapes, models or tokens: the engine
// turns those into an Input.
package fold

import (
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Budget says how much of a block lossy steps may keep.
type Budget struct {
	// Bytes is the size the output aims at. What must be kept (lines the
	// task names, one exemplar of each kind of problem, summaries) is kept
	// even beyond it; optional content fills up to it.
	Bytes int
	// Lossy is false when only lossless steps may run (small blocks, or a
	// lossless form already within Bytes).
	Lossy bool
	// Aggressive is set by the agent-90 profile: fewer exemplars and less
	// context, and formatting may be traded for tokens.
	Aggressive bool
	// Ratio is the target_ratio knob when set (0 otherwise); Bytes already
	// accounts for it.
	Ratio float64
}

// Input is one block as a content compressor sees it.
type Input struct {
	// Text is the block's content (a wrapper around it already peeled).
	Text string
	// Query is what the conversation asks of the block; never nil.
	Query *relevance.Query
	// Budget bounds lossy steps.
	Budget Budget
	// IsError is set when the tool reported failure.
	IsError bool
	// Nested compresses text found inside this block (a log in a JSON
	// string) as a block of its own, with the same query; nil when nesting
	// is exhausted.
	Nested func(text string, budget Budget) (string, bool)
	// Stop reports whether the caller gave up (deadline passed): long
	// loops poll it and give up too. Nil never stops.
	Stop func() bool
	// Memo remembers what is computed from a text alone across the
	// passes over one block (see lines.Memo); nil remembers nothing.
	Memo *lines.Memo

	split *lines.Lines
}

// Lines returns the block split into lines (computed once).
func (in *Input) Lines() *lines.Lines {
	if in.split == nil {
		in.split = lines.SplitMemo(in.Memo, in.Text)
	}
	return in.split
}

// Stopped reports whether the caller gave up.
func (in *Input) Stopped() bool { return in.Stop != nil && in.Stop() }

// Verbatim reports whether the query asks for lines as printed: then
// regroupings that rewrite lines are not used.
func (in *Input) Verbatim() bool { return in.Query.Intent.Has(relevance.Quote) }

// Sub returns an Input for a part of this block's text (a section, a
// nested document) with the same query and a budget scaled to its size.
func (in *Input) Sub(text string) *Input {
	b := in.Budget
	if len(in.Text) > 0 {
		b.Bytes = int(float64(b.Bytes) * float64(len(text)) / float64(len(in.Text)))
	}
	return &Input{Text: text, Query: in.Query, Budget: b, IsError: in.IsError, Nested: in.Nested, Stop: in.Stop, Memo: in.Memo}
}

// Index indexes text (split into units at starts) for q like
// relevance.Build, polling the caller's Stop as it reads, so a huge block
// gives up within a poll of the deadline.
func (in *Input) Index(q *relevance.Query, text string, starts []int) *relevance.Index {
	return relevance.BuildMemo(q, text, starts, in.Stop, in.Memo)
}
