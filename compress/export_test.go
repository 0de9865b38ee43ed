package compress

import "testing"

// This file exposes a few unexported pieces to the external test package
// compress_test, whose corpus-driven tests read the shared corpus through
// internal/corpus. Only test binaries see these names.

// Hints is what the native engine tells a content compressor about a block.
type Hints = hints

// KindCompressor is one of the log, search, listing and diff compressors
// with the detector that claims its input.
type KindCompressor struct {
	Kind     Kind
	Detect   func(text string) bool
	Compress func(text string, h *Hints) (out string, ok bool)
}

// KindCompressors returns the log, search, listing and diff compressors in
// the order a dispatcher tries them (most specific first).
func KindCompressors() []KindCompressor {
	return []KindCompressor{
		{KindDiff, looksLikeDiff, compressDiff},
		{KindSearch, looksLikeSearch, compressSearch},
		{KindListing, looksLikeListing, compressListing},
		{KindLog, looksLikeLog, compressLog},
	}
}

// BlockHints builds the hints the native engine gives a compressor for a
// block: the terms of its task that are rare in it (blockTerms) and its
// error flag.
func BlockHints(b Block) *Hints {
	return &hints{taskTerms: blockTerms(b.Task, b.Text), isError: b.IsError}
}

// CheckOutput runs k on in and asserts what every content compressor
// promises (see checkOutput); it returns the output, or in when k declines.
func CheckOutput(t testing.TB, name string, k KindCompressor, in string, h *Hints) string {
	t.Helper()
	return checkOutput(t, name, k.Compress, in, h)
}
