package compress

import "github.com/tsheadroom/tsheadroom/compress/fold"

// Budgets: the one place where the knobs (target_ratio, savings_profile)
// and the pressure of an oversized request become the size a block's lossy
// steps aim at.
//
// A block keeps a fixed floor plus a share of the rest: small outputs are
// not cut at all, and large ones shrink roughly in proportion. The share
// depends on the kind, because what a reader needs of a kind differs: a
// build log is read for its errors, a search result or a diff for most of
// its hits.

// floorBytes is what every block may keep before its share applies (about
// 500 tokens): outputs up to about this size are only rewritten losslessly.
const floorBytes = 2048

// losslessBelow is the size (about 1,500 tokens) under which a block is
// only rewritten losslessly: cutting it would save little and risk the
// line a question needs.
const losslessBelow = 6 << 10

// bigShare is the part of a block kept at the full share.
const bigShare = 64 << 10

// keepShare is the share of the rest of a block that lossy steps keep when
// target_ratio is not set.
func keepShare(k Kind) float64 {
	switch k {
	case KindSearch, KindDiff:
		return 0.12
	case KindHTML:
		return 0.10
	case KindDoc:
		return 0.06
	case KindListing, KindTable, KindJSON:
		return 0.08
	}
	return 0.07
}

// budgetFor returns the budget of a payload of n bytes of kind k under
// profile p. pressure in (0, 1] scales it down when the request does not
// fit the model's context window (1 otherwise).
func budgetFor(k Kind, n int, p profile, pressure float64) fold.Budget {
	floor := float64(floorBytes)
	share := keepShare(k)
	if p.aggressive {
		floor /= 2
		share /= 2
	}
	if p.keepRatio > 0 {
		// An explicit target: aim at that share of the whole block, with
		// a smaller floor so the target means what it says.
		floor = min(floor, 512)
		share = p.keepRatio
	}
	floor *= pressure
	share *= pressure
	if p.restoreBoost > 0 {
		floor *= p.restoreBoost
		share *= p.restoreBoost
	}
	floor += float64(p.restoreExtra)
	// Past bigShare bytes the share falls to a third: a huge output is
	// read for the few things asked about, which are kept anyway.
	rest := max(0, float64(n)-floor)
	bytes := floor + share*min(rest, bigShare) + share/3*max(0, rest-bigShare)
	if p.keepRatio > 0 {
		bytes = max(floor, p.keepRatio*pressure*float64(n))
	}
	return fold.Budget{
		Bytes:      int(bytes),
		Lossy:      float64(n) > max(floor*1.5, losslessBelow*pressure),
		Aggressive: p.aggressive,
		Ratio:      p.keepRatio,
	}
}
