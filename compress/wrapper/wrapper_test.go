package wrapper

import (
	"strings"
	"testing"
)

func TestPeel(t *testing.T) {
	cases := []struct {
		name, text    string
		head, payload string
		tail          string
	}{
		{
			name:    "exit code line",
			text:    "Exit code 1\nnpm ERR! code ELIFECYCLE\nnpm ERR! errno 1\n",
			head:    "Exit code 1\n",
			payload: "npm ERR! code ELIFECYCLE\nnpm ERR! errno 1\n",
		},
		{
			name:    "exit code, wall time, output",
			text:    "Exit code: 0\nWall time: 1.4 seconds\nOutput:\n==1== Memcheck\n==1== ERROR SUMMARY: 0 errors\n",
			head:    "Exit code: 0\nWall time: 1.4 seconds\nOutput:\n",
			payload: "==1== Memcheck\n==1== ERROR SUMMARY: 0 errors\n",
		},
		{
			name:    "command directory output envelope",
			text:    "Command: make test\nDirectory: (root)\nOutput: ok  pkg/a 0.1s\nFAIL pkg/b\nError: (none)\nExit Code: 2\nSignal: (none)\nBackground PIDs: (none)\nProcess Group PGID: 4242",
			head:    "Command: make test\nDirectory: (root)\nOutput: ",
			payload: "ok  pkg/a 0.1s\nFAIL pkg/b\n",
			tail:    "Error: (none)\nExit Code: 2\nSignal: (none)\nBackground PIDs: (none)\nProcess Group PGID: 4242",
		},
		{
			name:    "payload on the output line, longer than a wrapper value",
			text:    "Command: dump\nDirectory: (root)\nOutput: {\"a\":\"" + strings.Repeat("x", 400) + "\"}\nError: (none)\nExit Code: 0",
			head:    "Command: dump\nDirectory: (root)\nOutput: ",
			payload: "{\"a\":\"" + strings.Repeat("x", 400) + "\"}\n",
			tail:    "Error: (none)\nExit Code: 0",
		},
		{
			name:    "no wrapper",
			text:    "total 12\ndrwxr-xr-x 2 dev dev 4096 Jun 1 a\n",
			payload: "total 12\ndrwxr-xr-x 2 dev dev 4096 Jun 1 a\n",
		},
		{
			name:    "payload of repeated keys is not a wrapper",
			text:    "Downloading: https://x/a\nDownloading: https://x/b\nDownloaded: https://x/a\n",
			payload: "Downloading: https://x/a\nDownloading: https://x/b\nDownloaded: https://x/a\n",
		},
	}
	for _, c := range cases {
		got := Peel(c.text)
		if got.Head != c.head || got.Payload != c.payload || got.Tail != c.tail {
			t.Errorf("%s:\n got  %q | %q | %q\n want %q | %q | %q", c.name, got.Head, got.Payload, got.Tail, c.head, c.payload, c.tail)
		}
		if got.Head+got.Payload+got.Tail != c.text {
			t.Errorf("%s: parts do not add up to the text", c.name)
		}
	}
}

func FuzzPeel(f *testing.F) {
	f.Add("Exit code: 1\nOutput:\nx\n")
	f.Add("Command: a\nOutput: b\nc\nError: (none)\n")
	f.Fuzz(func(t *testing.T, s string) {
		p := Peel(s)
		if p.Head+p.Payload+p.Tail != s {
			t.Fatalf("parts %q %q %q do not add up to %q", p.Head, p.Payload, p.Tail, s)
		}
	})
}
