package compress

import (
	"github.com/tsheadroom/tsheadroom/compress/diff"
	"github.com/tsheadroom/tsheadroom/compress/docs"
	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/jsonfold"
	"github.com/tsheadroom/tsheadroom/compress/listing"
	"github.com/tsheadroom/tsheadroom/compress/markup"
	"github.com/tsheadroom/tsheadroom/compress/search"
	"github.com/tsheadroom/tsheadroom/compress/table"
)

// detectedKind pairs a kind's detector with its compressor, so that adding
// a kind is one row and the two cannot drift apart.
type detectedKind struct {
	kind     Kind
	detect   func(text string) bool
	compress func(in *fold.Input) (string, bool)
}

// detectedKinds are tried in order, from the most specific kind to the
// most general: the first detector that claims a text names its kind.
// Text that none claims is KindText.
var detectedKinds = []detectedKind{
	{KindJSON, jsonfold.Detect, jsonfold.Compress},
	{KindHTML, markup.Detect, markup.Compress},
	{KindDiff, diff.Detect, diff.Compress},
	{KindSearch, search.Detect, search.Compress},
	{KindTable, table.Detect, table.Compress},
	{KindDoc, docs.Detect, docs.Compress},
	{KindListing, listing.Detect, listing.Compress},
	// Code reaches its compressor only under context pressure (the
	// pipeline leaves it alone otherwise): the generic fold keeps what the
	// task names and summarises the rest.
	{KindCode, looksLikeCode, fold.Text},
	{KindLog, looksLikeLog, fold.Text},
}

// compressKind runs the compressor of kind k on in.
func compressKind(k Kind, in *fold.Input) (string, bool) {
	if k == KindText {
		// What no detector claims is folded generically, as a log is.
		return fold.Text(in)
	}
	for _, d := range detectedKinds {
		if d.kind == k {
			return d.compress(in)
		}
	}
	return "", false
}
