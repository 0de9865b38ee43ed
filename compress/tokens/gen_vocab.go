//go:build ignore

// gen_vocab writes vocab/<encoding>.bin, the vocabularies of the exact
// encodings in rank order, out of the tokenizer library's embedded maps
// (reading those maps is what made the first count of a process slow):
//
//	go run gen_vocab.go
//
// Format: "tokv1", the token count n as 4 bytes little-endian, n token
// lengths of one byte each, then the tokens' bytes back to back. The
// package's tests check the files against the library.
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log"
	"os"

	"github.com/tiktoken-go/tokenizer"
)

func main() {
	for _, enc := range []tokenizer.Encoding{tokenizer.O200kBase, tokenizer.Cl100kBase} {
		codec, err := tokenizer.Get(enc)
		if err != nil {
			log.Fatal(err)
		}
		var lens, toks bytes.Buffer
		n := 0
		for id := uint(0); ; id++ {
			t, err := codec.Decode([]uint{id})
			if err != nil || t == "" {
				break
			}
			if len(t) > 255 {
				log.Fatalf("%s: token %d is %d bytes long", enc, id, len(t))
			}
			lens.WriteByte(byte(len(t)))
			toks.WriteString(t)
			n++
		}
		var out bytes.Buffer
		out.WriteString(vocabMagic)
		binary.Write(&out, binary.LittleEndian, uint32(n))
		out.Write(lens.Bytes())
		out.Write(toks.Bytes())
		name := fmt.Sprintf("vocab/%s.bin", enc)
		if err := os.WriteFile(name, out.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d tokens, %d bytes\n", name, n, out.Len())
	}
}

const vocabMagic = "tokv1" // as in vocab.go
