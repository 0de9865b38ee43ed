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

// compressKind runs the compressor of kind k on in.
func compressKind(k Kind, in *fold.Input) (string, bool) {
	switch k {
	case KindLog, KindText:
		return fold.Text(in)
	case KindDiff:
		return diff.Compress(in)
	case KindJSON:
		return jsonfold.Compress(in)
	case KindSearch:
		return search.Compress(in)
	case KindListing:
		return listing.Compress(in)
	case KindTable:
		return table.Compress(in)
	case KindHTML:
		return markup.Compress(in)
	case KindDoc:
		return docs.Compress(in)
	}
	return "", false
}
