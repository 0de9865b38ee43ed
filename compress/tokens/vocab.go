package tokens

import (
	_ "embed"
	"encoding/binary"
	"fmt"
)

// The vocabularies of the exact encodings, in rank order, as gen_vocab.go
// writes them out of the tokenizer library (TestEmbeddedVocab checks them
// against it): reading them is a pass over 2 MB, where building them from
// the library's own maps took hundreds of milliseconds on a process's
// first OpenAI-model call.
var (
	//go:embed vocab/o200k_base.bin
	o200kVocab string
	//go:embed vocab/cl100k_base.bin
	cl100kVocab string
)

const vocabMagic = "tokv1"

// Encoding names.
const (
	o200kName  = "o200k_base"
	cl100kName = "cl100k_base"
)

// vocabOf returns the tokens of the named encoding back to back, in rank
// order, and where each starts (token r is toks[starts[r]:starts[r+1]]).
// toks is the embedded data itself, not a copy.
func vocabOf(name string) (toks string, starts []uint32, err error) {
	var data string
	switch name {
	case o200kName:
		data = o200kVocab
	case cl100kName:
		data = cl100kVocab
	default:
		return "", nil, fmt.Errorf("tokens: no vocabulary for %s", name)
	}
	h := len(vocabMagic) + 4
	if len(data) < h || data[:len(vocabMagic)] != vocabMagic {
		return "", nil, fmt.Errorf("tokens: %s: bad vocabulary", name)
	}
	n := int(binary.LittleEndian.Uint32([]byte(data[len(vocabMagic):h])))
	if len(data) < h+n {
		return "", nil, fmt.Errorf("tokens: %s: vocabulary cut short", name)
	}
	lens, toks := data[h:h+n], data[h+n:]
	starts = make([]uint32, n+1)
	off := uint32(0)
	for r := range n {
		starts[r] = off
		off += uint32(lens[r])
	}
	starts[n] = off
	if int(off) != len(toks) {
		return "", nil, fmt.Errorf("tokens: %s: vocabulary of %d bytes, %d expected", name, len(toks), off)
	}
	return toks, starts, nil
}
