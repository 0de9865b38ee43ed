package compress

// This file exposes a few unexported pieces to the external test package
// compress_test, whose corpus-driven tests read the shared corpus through
// internal/corpus. Only test binaries see these names.

// DetectKind names the kind of a payload, as the engine's pipeline does.
var DetectKind = detectKind
