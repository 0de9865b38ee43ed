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
	// byPath finds a nested field by its parent field (a member's or a
	// nested one) and its own member name (raw, "" for an array's
	// elements).
	byPath map[pathStep]*field
	leaves int
}

type pathStep struct {
	parent *field
	key    string
}

// nestedSet returns fs's nested fields, making them.
func (fs *fieldSet) nestedSet() *nestedSet {
	if fs.nested == nil {
		fs.nested = &nestedSet{byPath: map[pathStep]*field{}}
		ns := &fs.nested.fieldSet
		ns.numItems, ns.topK, ns.rarePerField = fs.numItems, fs.topK, fs.rarePerField
		ns.wantMax, ns.wantMin, ns.wantNew, ns.wantOld = fs.wantMax, fs.wantMin, fs.wantNew, fs.wantOld
	}
	return fs.nested
}

// walk records the leaves under member m of item x, whose field is
// parent.
func (ns *nestedSet) walk(c *compressor, x int32, m int, parent *field) {
	ns.leaves = 0
	ns.walkUnder(c, x, m, parent, 1)
}

func (ns *nestedSet) walkUnder(c *compressor, x int32, v int, parent *field, depth int) {
	t := c.t
	for k := t.First(v); k >= 0 && ns.leaves < maxNestedLeaves; k = t.Next(k) {
		step := pathStep{parent: parent}
		if t.IsMember(k) {
			step.key = t.RawKey(k)
		}
		f := ns.byPath[step]
		if f == nil {
			if len(ns.list) >= maxFields {
				// Paths past the bound are mostly member names that
				// are data (a map's keys), whose rarity means nothing.
				return
			}
			f = &field{key: step.key, firstAt: -1, constant: true, scalar: true, nested: true}
			ns.list = append(ns.list, f)
			ns.byPath[step] = f
		}
		switch t.Kind(k) {
		case jsonspan.Object, jsonspan.Array:
			// A container counts as present (a rare "error" object) but
			// has no value to compare.
			f.count++
			if f.firstAt < 0 {
				f.firstAt = x
			}
			f.lastAt, f.scalar, f.highCard = x, false, true
			if depth < maxNestedDepth {
				ns.walkUnder(c, x, k, f, depth+1)
			}
		default:
			ns.leaves++
			f.add(c, &ns.fieldSet, x, k)
		}
	}
}
