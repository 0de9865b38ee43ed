package compress

import (
	"github.com/tsheadroom/tsheadroom/compress/diff"
	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/jsonfold"
	"github.com/tsheadroom/tsheadroom/compress/listing"
	"github.com/tsheadroom/tsheadroom/compress/search"
)

// compressKind runs the compressor of kind k on in.
func compressKind(k Kind, in *fold.Input) (string, bool) {
	switch k {
	case KindLog, KindText:
		return fold.Text(in)
	case KindCode:
		return "", false
	case KindDiff:
		return diff.Compress(in)
	case KindJSON:
		return jsonfold.Compress(in)
	case KindSearch:
		return search.Compress(in)
	case KindListing:
		return listing.Compress(in)
	}
	// Kinds not yet moved onto the fold toolkit keep their compressors.
	comp := compressorFor(k)
	if comp == nil {
		return "", false
	}
	return safeCompress(comp, in.Text, legacyHints(in))
}

// legacyHints builds the hints of the compressors not yet moved onto the
// fold toolkit from an Input.
func legacyHints(in *fold.Input) *hints {
	var terms []string
	for _, t := range in.Query.Terms {
		if t.Latest && t.Prior >= 1 {
			terms = append(terms, t.Text)
		}
	}
	h := &hints{
		taskTerms:  rareTerms(terms, in.Text),
		aggressive: in.Budget.Aggressive,
		keepRatio:  in.Budget.Ratio,
		isError:    in.IsError,
	}
	return h
}
