package compress

import (
	"strconv"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/tokens"
)

// Restore decisions are memoized. Every request of a conversation carries
// its old tool outputs again, and checking each compressed block against
// every turn written after it (term counts over the original, a relevance
// index, compressing again) cost most of a request whose blocks all hit the
// result cache. The decision is a pure function of the first-sight result
// (named by its cache key, which covers the block, its task, the knobs and
// the tokenizer) and of the follow-ups in order, so it is keyed by a chain:
// the key after follow-up k names the first-sight key and follow-ups 0..k.
// The first follow-up that needs something back decides, so an entry
// stored after follow-up n ("none of 0..n triggers", or "follow-up j
// triggered, giving r") stays true for every later request, which holds
// the same follow-ups and more: a repeated request costs one lookup, a new
// turn the check of that turn alone.
//
// fresh (whether the deciding turn is new in this request) is not part of
// the key: it is set from the request at hand.

// restore re-judges a compressed block by the turns written after it (see
// restore.go) and returns its final form.
func (n *Native) restore(req *Request, i int, base, first BlockResult, firstKey cacheKey, tok tokens.Counter, prof profile, pressure float64, stop func() bool, memo *lines.Memo) BlockResult {
	fs := followups(req, i)
	if len(fs) == 0 {
		return first
	}
	if n.restores == nil || (firstKey == cacheKey{}) {
		r, _ := n.judge(req, i, base, first, fs, 0, tok, prof, pressure, stop, memo)
		return r
	}
	keys := make([]cacheKey, len(fs)+1)
	keys[0] = n.restores.chain(firstKey, "restore")
	for k := range fs {
		f := &fs[k]
		keys[k+1] = n.restores.chain(keys[k], f.text, f.asked, f.context, strconv.FormatBool(f.lastOutputBefore))
	}
	from := 0
	for k := len(fs); k > 0; k-- {
		r, at, ok := n.restores.lookup(keys[k])
		if !ok {
			continue
		}
		if at > 0 {
			r.RestoreFresh = fs[at-1].fresh
			return r
		}
		if k == len(fs) {
			return first // none needs anything back: the first form stays
		}
		from = k // none of fs[:k] needs anything back
		break
	}
	r, at := n.judge(req, i, base, first, fs, from, tok, prof, pressure, stop, memo)
	if stop == nil || !stop() {
		memo := r
		memo.RestoreFresh = false
		if at < 0 {
			// The first form stays; the entry need not hold its text twice.
			memo = BlockResult{}
		}
		n.restores.store(keys[len(fs)], memo, at+1)
	}
	return r
}
