package compress

import (
	"context"

	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/compress/lines"

	"errors"
	"fmt"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
	"github.com/tsheadroom/tsheadroom/compress/tokens"
	"io"
	"log/slog"
	"strconv"
)

// NativeConfig configures the native engine. The zero value is valid and
// gives the documented defaults.
type NativeConfig struct {
	// CacheEntries bounds the result cache by number of entries. Zero means
	// DefaultCacheEntries; a negative value disables the cache.
	CacheEntries int
	// CacheBytes bounds the result cache by the bytes of the cached result
	// texts plus a small fixed overhead per entry. Zero means
	// DefaultCacheBytes; a negative value disables the cache.
	CacheBytes int
	// Logger receives a debug record per rewritten block (keys: session,
	// kind, tokens_before, tokens_after). Nil discards them.
	Logger *slog.Logger
}

// Cache bounds used when NativeConfig leaves them zero: enough for the
// blocks of a few hundred active conversations at a bounded memory cost.
const (
	DefaultCacheEntries = 8192
	DefaultCacheBytes   = 64 << 20
)

// Native is the in-process Go compression engine: deterministic, no
// external processes, no model weights. It is safe for concurrent use.
type Native struct {
	cache *resultCache // nil when disabled
	// restores memoizes restore decisions (see restorememo.go), apart from
	// cache so that its per-turn entries neither evict block results nor
	// count in the block cache's hits and misses. Nil with cache.
	restores *resultCache
	log      *slog.Logger
}

// NewNative builds a native engine from cfg.
func NewNative(cfg NativeConfig) (*Native, error) {
	entries, bytes := cfg.CacheEntries, cfg.CacheBytes
	if entries == 0 {
		entries = DefaultCacheEntries
	}
	if bytes == 0 {
		bytes = DefaultCacheBytes
	}
	n := &Native{log: cfg.Logger}
	if n.log == nil {
		n.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if entries > 0 && bytes > 0 {
		n.cache = newResultCache(entries, bytes)
		// The texts it holds are most often the hook's memo's, but bound
		// them apart: a quarter of the cache's bytes.
		n.cache.addrs = newAddrDigests(entries, max(bytes/4, 1<<20))
		n.restores = newResultCache(entries, max(bytes/4, 1<<20))
	}
	return n, nil
}

// Name returns "native".
func (*Native) Name() string { return "native" }

// CacheStats reports the result cache's size and counters (all zero when
// the cache is disabled).
func (n *Native) CacheStats() CacheStats {
	if n.cache == nil {
		return CacheStats{}
	}
	return n.cache.stats()
}

// profile is what the savings knobs mean for the compressors.
type profile struct {
	keepRatio  float64
	aggressive bool
	// restoreExtra adds bytes to a restored block's budget: room for
	// what the follow-up refers to. restoreBoost scales the whole budget
	// instead (0 means 1), when that room was not enough.
	restoreExtra int
	restoreBoost float64
}

// restoreBoost is how much larger a restored block's budget is when the
// room for what the follow-up refers to was not enough.
const restoreBoost = 1.5

func profileOf(c Config) profile {
	var p profile
	if c.SavingsProfile == ProfileAgent90 {
		// Compressors keep only what matters (errors, task matches,
		// outliers) with the smallest heads, tails and context windows.
		p.aggressive = true
	}
	if c.TargetRatio != nil {
		p.keepRatio = *c.TargetRatio
	}
	return p
}

func (p profile) key() string {
	return strconv.FormatFloat(p.keepRatio, 'g', -1, 64) + "/" + strconv.FormatBool(p.aggressive) +
		"/" + strconv.Itoa(p.restoreExtra) + "/" + strconv.FormatFloat(p.restoreBoost, 'g', -1, 64)
}

// Compress rewrites the eligible blocks of req. The result for block i
// depends only on blocks 0..i, the config and, through restores, the turns
// written after it (see restore.go); the same request always gives the
// same bytes. A request over its model's context window is compressed
// again under pressure (smaller budgets, protected blocks and code
// included) until it fits.
func (n *Native) Compress(ctx context.Context, req *Request) (*Result, error) {
	if req == nil {
		return nil, errors.New("native: nil request")
	}
	if err := req.Config.Validate(); err != nil {
		return nil, fmt.Errorf("native: invalid config: %w", err)
	}
	// A copy of the request, with the call's query cache: the caller's
	// request is left as it is.
	r := *req
	r.queries = &queryCache{}
	r.texts = &textDigests{}
	req = &r
	tok := tokens.For(req.Model)
	prof := profileOf(req.Config)
	window := req.Config.ContextWindow
	if window == 0 {
		window = ContextWindow(req.Model)
	}
	name := func(text string) string { return text }
	if n.cache != nil {
		// The digests the cache keys name anyway: a map by the texts
		// would hash each of them once more.
		name = func(text string) string { return req.texts.of(n.cache, text) }
	}
	firstSeen := firstCopies(req, name)
	res, err := n.pass(ctx, req, tok, prof, firstSeen, 1)
	if err != nil {
		return nil, err
	}
	res.Window = window
	if window > 0 {
		// Leave room for the reply.
		limit := window - max(1024, window/16)
		for _, pressure := range [...]float64{0.5, 0.25, 0.1} {
			if req.OtherTokens+res.tokensAfter() <= limit {
				break
			}
			if res, err = n.pass(ctx, req, tok, prof, firstSeen, pressure); err != nil {
				return nil, err
			}
			res.Window = window
			n.log.Debug("request over the context window: compressing harder", "session", req.Session,
				"model", req.Model, "window", window, "pressure", pressure, "tokens", req.OtherTokens+res.tokensAfter())
		}
	}
	return res, nil
}

// tokensAfter sums the blocks' tokens after compression.
func (r *Result) tokensAfter() int {
	t := 0
	for _, b := range r.Blocks {
		t += b.TokensAfter
	}
	return t
}

// pass compresses every block of req at one pressure.
func (n *Native) pass(ctx context.Context, req *Request, tok tokens.Counter, prof profile, firstSeen []int, pressure float64) (*Result, error) {
	res := &Result{Blocks: make([]BlockResult, len(req.Blocks)), Pressure: pressure}
	stop := func() bool { return ctx.Err() != nil }
	for i := range req.Blocks {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("native: compress block %d of %d: %w", i, len(req.Blocks), err)
		}
		if firstSeen[i] != i {
			continue // a repeat: filled in below, once the first copy's form is final
		}
		// The block's kind and token count, once: every re-judging of it
		// below starts from them.
		base := n.unchanged(req, &req.Blocks[i], tok)
		// What every pass over the block computes from its text alone.
		memo := lines.NewMemo()
		r, key := n.block(req, i, base, tok, prof, nil, pressure, stop, memo)
		if r.Changed && req.Config.RestoreReferenced {
			r = n.restore(req, i, base, r, key, tok, prof, pressure, stop, memo)
		}
		if r.Changed {
			n.log.Debug("block compressed", "session", req.Session, "block", i, "kind", string(r.Kind),
				"tokens_before", r.TokensBefore, "tokens_after", r.TokensAfter, "restored", r.Restored)
		}
		res.Blocks[i] = r
	}
	for i := range req.Blocks {
		if j := firstSeen[i]; j != i {
			res.Blocks[i] = n.duplicate(req, i, j, res.Blocks[j], tok, pressure)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("native: compress: %w", err)
	}
	return res, nil
}

// firstCopies maps every block to the first block with the same tool
// output (itself when it is the first, or not a tool output), telling
// outputs apart by name (the text itself, or its digest).
func firstCopies(req *Request, name func(string) string) []int {
	first := make([]int, len(req.Blocks))
	seen := make(map[string]int)
	for i := range req.Blocks {
		first[i] = i
		b := &req.Blocks[i]
		if b.Source != ToolOutput || len(b.Text) < 64 {
			continue
		}
		k := name(b.Text)
		if j, ok := seen[k]; ok {
			first[i] = j
		} else {
			seen[k] = i
		}
	}
	return first
}

// duplicate is the result of block i, which repeats block j: a short note
// naming the earlier call, when the knobs let block i be rewritten.
func (n *Native) duplicate(req *Request, i, j int, earlier BlockResult, tok tokens.Counter, pressure float64) BlockResult {
	b := &req.Blocks[i]
	base := n.unchanged(req, b, tok)
	if pressure == 1 && (req.Config.Protects(b) || base.TokensBefore < req.Config.MinTokensToCompress) {
		return base
	}
	note := duplicateNote(&req.Blocks[j], earlier.Changed && earlier.Restored != RestoreWhole)
	if after := tok.Count(note); after < base.TokensBefore && (tok.Exact() || len(note) < len(b.Text)) {
		return BlockResult{Changed: true, Text: note, Kind: KindDuplicate, TokensBefore: base.TokensBefore, TokensAfter: after}
	}
	return base
}

// firstQuery is the query a block is first judged by: the last user turn
// before it is the latest request, the user's earlier words are context.
func firstQuery(req *Request, b *Block) *relevance.Query {
	latest := ""
	for k := min(b.Turn, len(req.Turns)) - 1; k >= 0; k-- {
		if req.Turns[k].Role == "user" {
			latest = req.Turns[k].Text
			break
		}
	}
	if latest == "" && len(req.Turns) == 0 {
		// A request built without turns (tests, bare callers): the task.
		return queryOf(b)
	}
	return req.queries.parse(latest, b.Task)
}

// queryCache holds the queries of one Compress call by what they are
// parsed from: the blocks after one user turn share it and its task, each
// compression of a block (the first, each re-judging) parsed its query
// again, and each block parsed every later turn's. A nil cache parses
// every time; the maps are made on first use (a call whose blocks all hit
// the result cache parses nothing). Callers get copies, which they may
// change.
type queryCache struct {
	first  map[[2]string]*relevance.Query // relevance.Parse(latest, task)
	follow map[[2]string]*relevance.Query // followup.query by asked, context
	joined map[joinKey]*relevance.Query   // blockQuery with a follow-up
}

func (c *queryCache) parse(latest, task string) *relevance.Query {
	if c == nil {
		return relevance.Parse(latest, task)
	}
	k := [2]string{latest, task}
	q, ok := c.first[k]
	if !ok {
		q = relevance.Parse(latest, task)
		if c.first == nil {
			c.first = map[[2]string]*relevance.Query{}
		}
		c.first[k] = q
	}
	return q.Clone()
}

// followQuery is f.query(), from the cache.
func (c *queryCache) followQuery(f *followup) *relevance.Query {
	if c == nil {
		return f.query()
	}
	k := [2]string{f.asked, f.context}
	q, ok := c.follow[k]
	if !ok {
		q = f.query()
		if c.follow == nil {
			c.follow = map[[2]string]*relevance.Query{}
		}
		c.follow[k] = q
	}
	return q.Clone()
}

// block computes, from base (the block left as it is, see unchanged), the
// first-sight result of block i, or, with a non-empty
// follow-up, its form re-judged by that follow-up. When the block went
// through the compressors and the cache is on, key is the result's cache
// key: it names every input of the result.
func (n *Native) block(req *Request, i int, base BlockResult, tok tokens.Counter, prof profile, follow *followup, pressure float64, stop func() bool, memo *lines.Memo) (_ BlockResult, key cacheKey) {
	b := &req.Blocks[i]
	cfg := req.Config
	switch {
	case b.Text == "":
		return base, key
	case pressure < 1:
		// Over the context window every block is fair game but the text of
		// the last message, which is what the user asks now.
		if b.Source == MessageText && b.FromEnd == 0 || base.TokensBefore < 64 {
			return base, key
		}
	case cfg.Protects(b):
		base.Protected = true
		return base, key
	case base.TokensBefore < cfg.MinTokensToCompress:
		return base, key
	}
	if n.cache != nil {
		// The key names the query's inputs rather than the query, so that
		// a hit does not parse it.
		var asked, said string
		if follow != nil {
			asked, said = follow.asked, follow.context
		}
		latest, _ := splitTask(b.Task)
		d := req.texts
		key = n.cache.keyOf("block", tok.Name(), d.of(n.cache, b.Text), d.of(n.cache, b.Task), d.of(n.cache, latest), asked, said, prof.key(),
			strconv.FormatFloat(pressure, 'g', -1, 64),
			strconv.FormatBool(b.IsError), strconv.FormatBool(b.JSONObject), strconv.FormatBool(cfg.ProtectAnalysisContext),
			d.of(n.cache, firstLatest(req, b)))
		if r, ok := n.cache.get(key); ok {
			return r, key
		}
	}
	q := blockQuery(req, b, follow)
	r := compressBlock(b, q, tok, prof, base, pressure, stop, memo)
	if n.cache != nil && (stop == nil || !stop()) {
		n.cache.put(key, r)
	}
	return r, key
}

// blockQuery is the query block b is compressed by: its first query or,
// with a follow-up, that query joined with the follow-up's. A joined query
// is kept in the call's query cache: a block is compressed again twice per
// follow-up that needs something back (see judge), and parsing the
// follow-up again cost as much as a small block's fold.
func blockQuery(req *Request, b *Block, follow *followup) *relevance.Query {
	build := func() *relevance.Query {
		q := firstQuery(req, b)
		if !req.Config.ProtectAnalysisContext {
			q.Intent &^= relevance.Analysis
		}
		if follow != nil {
			// protect_analysis_context is decided by the task before the
			// block, never by a later turn.
			analysis := q.Intent & relevance.Analysis
			q = q.WithFollowup(follow.asked, follow.context)
			q.Intent = q.Intent&^relevance.Analysis | analysis
		}
		return q
	}
	c := req.queries
	if follow == nil || c == nil || len(req.Turns) == 0 {
		// Without turns the first query is the block's own (queryOf).
		return build()
	}
	// With turns, firstQuery depends on the latest user turn before the
	// block and its task alone.
	k := joinKey{firstLatest(req, b), b.Task, follow.asked, follow.context, req.Config.ProtectAnalysisContext}
	q, ok := c.joined[k]
	if !ok {
		q = build()
		if c.joined == nil {
			c.joined = map[joinKey]*relevance.Query{}
		}
		c.joined[k] = q
	}
	return q.Clone()
}

// joinKey names a joined query of blockQuery.
type joinKey struct {
	latest, task, asked, context string
	protectAnalysis              bool
}

// firstLatest is the latest user turn before block b (part of its cache
// key: the query depends on it).
func firstLatest(req *Request, b *Block) string {
	for k := min(b.Turn, len(req.Turns)) - 1; k >= 0; k-- {
		if req.Turns[k].Role == "user" {
			return req.Turns[k].Text
		}
	}
	return ""
}

// judge re-judges a compressed block by the follow-ups fs[from:] (see
// restore.go) and returns its final form and the index of the follow-up
// that decided it, or first and -1 when none needs anything back.
func (n *Native) judge(req *Request, i int, base, first BlockResult, fs []followup, from int, tok tokens.Counter, prof profile, pressure float64, stop func() bool, memo *lines.Memo) (BlockResult, int) {
	b := &req.Blocks[i]
	var ff *firstForm // made once a restored form is checked
	for k := from; k < len(fs); k++ {
		f := fs[k]
		fq := req.queries.followQuery(&f)
		reason, ok := needsRestore(b.Text, first.Text, fq, f, memo)
		if !ok {
			continue
		}
		mark := func(r BlockResult) BlockResult {
			r.Restored, r.RestoreFresh = reason, f.fresh
			r.RestoredTokens = r.TokensAfter - first.TokensAfter
			return r
		}
		if reason == RestoreWhole {
			return mark(base), k
		}
		// The restored form may be larger than the first one: first by
		// room for the lines the follow-up refers to, so they displace
		// little of what the first form kept; then, if that was not
		// enough, by a larger budget overall.
		room := prof
		room.restoreExtra = referencedBytes(b.Text, first.Text, fq, memo)
		boosted := prof
		boosted.restoreBoost = restoreBoost
		for _, p := range [...]profile{room, boosted} {
			r, _ := n.block(req, i, base, tok, p, &f, pressure, stop, memo)
			if !r.Changed {
				return mark(r), k
			}
			if ff == nil && r.Text != first.Text {
				ff = newFirstForm(first.Text)
			}
			if r.Text == first.Text || !ff.addsReferenced(r.Text, fq) || (r.Kind == KindLog || r.Kind == KindText) && !ff.keepsProblems(r.Text) {
				continue
			}
			return mark(r), k
		}
	}
	return first, -1
}

// unchanged returns the result of a block left as it is: its kind and token
// count (cached, since counting a large block is the costly part).
func (n *Native) unchanged(req *Request, b *Block, tok tokens.Counter) BlockResult {
	var key cacheKey
	if n.cache != nil {
		key = n.cache.keyOf("count", tok.Name(), req.texts.of(n.cache, b.Text), strconv.FormatBool(b.JSONObject))
		if r, ok := n.cache.get(key); ok {
			return r
		}
	}
	kind := KindText
	if b.JSONObject {
		kind = KindJSON
	} else if b.Source == ToolOutput || len(b.Text) > 0 {
		kind = detectKind(b.Text)
	}
	c := tok.Count(b.Text)
	r := BlockResult{Kind: kind, TokensBefore: c, TokensAfter: c}
	if n.cache != nil {
		n.cache.put(key, r)
	}
	return r
}

// duplicateNote names the earlier tool call whose output a block repeats.
func duplicateNote(earlier *Block, earlierCompressed bool) string {
	call := "tool call"
	if earlier.ToolName != "" {
		call = earlier.ToolName + " call"
	}
	if earlier.ToolCallID != "" {
		call += " " + earlier.ToolCallID
	}
	where := "above"
	if earlierCompressed {
		where = "above (shown there in compressed form)"
	}
	return "[same output as the earlier " + call + " " + where + "; repeated verbatim]"
}

// codeBearing kinds are left alone when the task asks to analyze or review
// code (protect_analysis_context).
func codeBearing(k Kind) bool {
	return k == KindCode || k == KindDiff || k == KindSearch
}

// compressBlock compresses one eligible block through the pipeline and
// enforces the guarantees on the result: fewer tokens than the original,
// kept lines verbatim, no retrieval markers, a JSON object stays an object.
func compressBlock(b *Block, q *relevance.Query, tok tokens.Counter, prof profile, base BlockResult, pressure float64, stop func() bool, memo *lines.Memo) BlockResult {
	text := b.Text
	if b.JSONObject && !isJSONObject(text) {
		return base
	}
	job := &blockJob{query: q, prof: prof, pressure: pressure, isError: b.IsError, jsonObject: b.JSONObject, stop: stop, memo: memo}
	if !b.JSONObject {
		job.textKind = base.Kind // what unchanged detected on the same text
	}
	out, kind, ok := job.run(text)
	if stop != nil && stop() {
		// The caller gave up: checking and counting out is wasted.
		return base
	}
	if job.protected {
		base.Protected = true
		return base
	}
	if !ok || out == text || IntroducesRetrievalMarker(text, out) {
		return base
	}
	if b.JSONObject && !isJSONObject(out) {
		return base
	}
	if !tok.Exact() && len(out) >= len(text) {
		return base
	}
	after := tok.Count(out)
	if after >= base.TokensBefore {
		return base
	}
	return BlockResult{Changed: true, Text: out, Kind: kind, TokensBefore: base.TokensBefore, TokensAfter: after}
}

// isJSONObject reports whether text is exactly one JSON object (the shape
// a Gemini functionResponse.response must keep).
func isJSONObject(text string) bool {
	t, err := jsonspan.ParseString(text, jsonspan.Options{})
	return err == nil && t.NumRoots() == 1 && t.Kind(0) == jsonspan.Object
}
