package jsonspan_test

import (
	"fmt"

	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
)

// A request body parsed once; values found by name and replaced by span,
// the rest of the body copied byte for byte.
func Example() {
	body := []byte(`{"model": "m", "messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "long output"}]}`)
	t, err := jsonspan.Parse(body, jsonspan.Options{RejectDuplicateNames: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for m := range t.Kids(t.Get(0, "messages")) {
		role, _ := t.Text(t.Get(m, "role"))
		if role != "tool" {
			continue
		}
		c := t.Get(m, "content")
		start, end := t.Span(c)
		out := string(body[:start]) + jsonspan.Quote("short") + string(body[end:])
		fmt.Println(out)
	}
	// Output:
	// {"model": "m", "messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "short"}]}
}
