package compress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/tsheadroom/tsheadroom/compress/tokens"
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
	log   *slog.Logger
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
}

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
	return strconv.FormatFloat(p.keepRatio, 'g', -1, 64) + "/" + strconv.FormatBool(p.aggressive)
}

// Compress rewrites the eligible blocks of req. The result for block i
// depends only on blocks 0..i and the config (prefix stability), and the
// same request always gives the same bytes.
func (n *Native) Compress(ctx context.Context, req *Request) (*Result, error) {
	if req == nil {
		return nil, errors.New("native: nil request")
	}
	if err := req.Config.Validate(); err != nil {
		return nil, fmt.Errorf("native: invalid config: %w", err)
	}
	tok := tokens.For(req.Model)
	prof := profileOf(req.Config)
	res := &Result{Blocks: make([]BlockResult, len(req.Blocks))}
	// firstSeen maps a tool output's text to the first block that had it,
	// for the repeated-output note.
	firstSeen := make(map[string]int)
	for i := range req.Blocks {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("native: compress block %d of %d: %w", i, len(req.Blocks), err)
		}
		b := &req.Blocks[i]
		r := n.block(req, i, tok, prof, firstSeen, res.Blocks[:i])
		if r.Changed {
			n.log.Debug("block compressed", "session", req.Session, "kind", string(r.Kind),
				"tokens_before", r.TokensBefore, "tokens_after", r.TokensAfter)
		}
		if b.Source == ToolOutput {
			if _, ok := firstSeen[b.Text]; !ok {
				firstSeen[b.Text] = i
			}
		}
		res.Blocks[i] = r
	}
	return res, nil
}

// block computes the result of block i.
func (n *Native) block(req *Request, i int, tok tokens.Counter, prof profile, firstSeen map[string]int, earlier []BlockResult) BlockResult {
	b := &req.Blocks[i]
	cfg := req.Config
	if cfg.Protects(b) {
		return n.unchanged(b, tok)
	}
	base := n.unchanged(b, tok)
	if base.TokensBefore < cfg.MinTokensToCompress || b.Text == "" {
		return base
	}
	if b.Source == ToolOutput {
		if j, ok := firstSeen[b.Text]; ok {
			note := duplicateNote(&req.Blocks[j], earlier[j].Changed)
			if after := tok.Count(note); after < base.TokensBefore && (tok.Exact() || len(note) < len(b.Text)) {
				return BlockResult{Changed: true, Text: note, Kind: KindDuplicate, TokensBefore: base.TokensBefore, TokensAfter: after}
			}
			return base
		}
	}
	analysis := cfg.ProtectAnalysisContext && analysisIntent(b.Task)
	var key cacheKey
	if n.cache != nil {
		key = n.cache.keyOf("block", tok.Name(), b.Text, b.Task, prof.key(),
			strconv.FormatBool(b.IsError), strconv.FormatBool(b.JSONObject), strconv.FormatBool(analysis))
		if r, ok := n.cache.get(key); ok {
			return r
		}
	}
	r := compressBlock(b, tok, prof, analysis, base)
	if n.cache != nil {
		n.cache.put(key, r)
	}
	return r
}

// unchanged returns the result of a block left as it is: its kind and token
// count (cached, since counting a large block is the costly part).
func (n *Native) unchanged(b *Block, tok tokens.Counter) BlockResult {
	var key cacheKey
	if n.cache != nil {
		key = n.cache.keyOf("count", tok.Name(), b.Text, strconv.FormatBool(b.JSONObject))
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

// compressBlock detects and compresses one eligible block and enforces the
// guarantees on the result: fewer tokens than the original, no retrieval
// markers, a JSON object stays an object.
func compressBlock(b *Block, tok tokens.Counter, prof profile, analysis bool, base BlockResult) BlockResult {
	text := b.Text
	if b.JSONObject && !isJSONObject(text) {
		return base
	}
	if analysis && codeBearing(base.Kind) {
		return base
	}
	h := &hints{
		taskTerms:  blockTerms(b.Task, text),
		stems:      stemTerms(b.Task),
		keepRatio:  prof.keepRatio,
		aggressive: prof.aggressive,
		isError:    b.IsError,
	}
	comp := compressorFor(base.Kind)
	if comp == nil {
		return base
	}
	out, ok := safeCompress(comp, text, h)
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
	return BlockResult{Changed: true, Text: out, Kind: base.Kind, TokensBefore: base.TokensBefore, TokensAfter: after}
}

// safeCompress runs a compressor and turns a panic (a bug on some input)
// into "no change": bad input must never take the request down.
func safeCompress(comp contentCompressor, text string, h *hints) (out string, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = "", false
		}
	}()
	return comp(text, h)
}

// compressorFor returns the content compressor of a kind, or nil for the
// kinds left alone (code, text).
func compressorFor(k Kind) contentCompressor {
	switch k {
	case KindJSON:
		return compressJSON
	case KindHTML:
		return compressHTML
	case KindDiff:
		return compressDiff
	case KindSearch:
		return compressSearch
	case KindListing:
		return compressListing
	case KindTable:
		return compressTable
	case KindLog:
		return compressLog
	}
	return nil
}

// compressText detects the kind of a text and compresses it with that
// kind's compressor (used for content nested in another block, such as a
// log inside a JSON string).
func compressText(text string, h *hints) (string, Kind, bool) {
	k := detectKind(text)
	comp := compressorFor(k)
	if comp == nil {
		return "", k, false
	}
	out, ok := safeCompress(comp, text, h)
	if !ok || len(out) >= len(text) {
		return "", k, false
	}
	return out, k, true
}
