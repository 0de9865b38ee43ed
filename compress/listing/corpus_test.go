package listing

import "testing"

// TestCorpus runs the compressor on every tool output of the development
// corpus that Detect claims (see kindtest.Compressor.Corpus).
func TestCorpus(t *testing.T) {
	blocks, before, after := kt.Corpus(t)
	if blocks == 0 {
		t.Fatalf("Detect claims no block of the corpus")
	}
	t.Logf("%d blocks: %d -> %d bytes (%.1f%% saved)", blocks, before, after, 100*float64(before-after)/float64(before))
}
