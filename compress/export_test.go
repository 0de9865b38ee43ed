package compress

// This file exposes a few unexported pieces to the external test package
// compress_test, whose corpus-driven tests read the shared corpus through
// internal/corpus. Only test binaries see these names.

// SamePieces fails unless the hand-written pre-tokenizer splits a text
// exactly as the tokenizer library does (see samePieces).
var SamePieces = samePieces

// CheckCountsMatchCodec fails unless the memoized BPE counts equal the
// library codec's (see checkCountsMatchCodec).
var CheckCountsMatchCodec = checkCountsMatchCodec

// DetectKind names the kind of a payload, as the engine's pipeline does.
var DetectKind = detectKind
