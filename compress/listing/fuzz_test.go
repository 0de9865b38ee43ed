package listing

import "testing"

// FuzzCompress checks, on any input, that Detect and Compress do not
// panic, and that a rewrite is shorter, keeps lines verbatim outside notes
// and is deterministic.
func FuzzCompress(f *testing.F) {
	kt.Fuzz(f,
		"a/b\na/c\nd\n",
		".:\ntotal 1\n-rw-r--r-- 1 a b 1 Jan  1  2025 x\n\n./y:\ntotal 0\n",
		"root\n├── a\n│   └── b\n└── c\n",
		"1K\ta/b\n2M\ta\n",
	)
}
