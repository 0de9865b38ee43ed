package jsonfold

import (
	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
)

// Records nest: the value that tells one item from the rest (a condition's
// "status": "False", a limit of "8Gi" where all others have "512Mi", a
// "reason" member only one item has) often lies inside a member that is
// an object or array, where the items' own fields do not reach. The
// nested fields are the leaves below the members, named by their path
// ("status" > "conditions" [] > "reason"); they mark the items holding a
// rare value or a rare key, and the extremes when the task asks for them,
// as the top-level fields do. They take no part in notes or factoring,
// which speak of members.

const (
	// maxNestedDepth bounds the levels below a member that are walked.
	maxNestedDepth = 4
	// maxNestedLeaves bounds the leaves read per item.
	maxNestedLeaves = 64
)

// nestedSet is the fields below the items' members.
type nestedSet struct {
	fieldSet
	// byPath finds a nested field by its parent field and its own member
	// name (raw, "" for an array's elements); the parent is an index in
	// the items' fields, or -2-i for nested field i.
	byPath map[pathStep]int32
	leaves int
}

type pathStep struct {
	parent int32
	key    string
}

// nestedSet returns fs's nested fields, making them.
func (fs *fieldSet) nestedSet() *nestedSet {
	if fs.nested == nil {
		fs.nested = &nestedSet{byPath: map[pathStep]int32{}}
		ns := &fs.nested.fieldSet
		ns.numItems, ns.topK, ns.rarePerField = fs.numItems, fs.topK, fs.rarePerField
		ns.wantMax, ns.wantMin, ns.wantNew, ns.wantOld = fs.wantMax, fs.wantMin, fs.wantNew, fs.wantOld
	}
	return fs.nested
}

// walk records the leaves under member m of item x, whose field is
// parent.
func (ns *nestedSet) walk(c *compressor, x int32, m int, parent int32) {
	if parent < 0 {
		return
	}
	ns.leaves = 0
	ns.walkUnder(c, x, m, parent, 1)
}

func (ns *nestedSet) walkUnder(c *compressor, x int32, v int, parent int32, depth int) {
	t := c.t
	for k := t.First(v); k >= 0; k = t.Next(k) {
		if ns.leaves >= maxNestedLeaves || len(ns.list) >= maxFields && ns.leaves > 0 {
			return
		}
		step := pathStep{parent: parent}
		if t.IsMember(k) {
			step.key = t.RawKey(k)
		}
		i, ok := ns.byPath[step]
		if !ok {
			if len(ns.list) >= maxFields {
				continue
			}
			i = int32(len(ns.list))
			ns.list = append(ns.list, &field{key: step.key, firstAt: -1, constant: true, scalar: true, nested: true})
			ns.byPath[step] = i
		}
		switch f := ns.list[i]; t.Kind(k) {
		case jsonspan.Object, jsonspan.Array:
			// A container counts as present (a rare "error" object) but
			// has no value to compare.
			f.count++
			if f.firstAt < 0 {
				f.firstAt = x
			}
			f.lastAt, f.scalar, f.highCard = x, false, true
			if depth < maxNestedDepth {
				ns.walkUnder(c, x, k, -2-i, depth+1)
			}
		default:
			ns.leaves++
			f.add(c, &ns.fieldSet, x, k)
		}
	}
}

// mark makes must the items holding a rare value of a nested field (or
// its extremes, when the task asks for the largest or newest), and those
// few holding a nested key that almost no item has.
func (ns *nestedSet) mark(items *fieldSet, a *analysis) {
	keep := func(at int32) { a.must[at] = true }
	asked := items.wantMax || items.wantMin || items.wantNew || items.wantOld
	var rareKeys []*field
	for _, f := range ns.list {
		if f.key != "" && f.count <= 2 && items.objects >= 20 {
			rareKeys = append(rareKeys, f)
		}
		if f.count < 3 {
			continue
		}
		if asked && f.numeric() {
			f.nums.keep(a.must)
		}
		if asked && f.dated() {
			f.dates.keep(a.must)
		}
		if f.categorical() {
			ns.markRare(f, a, keep)
		}
	}
	if len(rareKeys) <= 4 {
		for _, f := range rareKeys {
			keep(f.firstAt)
			keep(f.lastAt)
		}
	}
}
