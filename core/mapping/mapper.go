package mapping

import (
	"encoding/json"
	"fmt"

	"github.com/tidwall/gjson"
)

// Field is one destination field of a pipeline's map. Exactly one of Expr and
// Const is set.
type Field struct {
	// Name is the destination field. Dots make nested objects:
	// "properties.email" becomes {"properties":{"email":...}}.
	Name string
	// Expr is a gjson path into the source record, or a template when it
	// contains "{{". It is "" when Const is set.
	Expr string
	// Const is a constant JSON value of any type, emitted as is. It is nil when
	// Expr is set.
	Const json.RawMessage
}

// FieldError is the error Compile returns: which field (its index in the
// slice given to Compile) could not be compiled, and why.
type FieldError struct {
	Index int
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("map field %d: %v", e.Index, e.Err) }

func (e *FieldError) Unwrap() error { return e.Err }

// Mapper builds destination records from source records. It is compiled once
// by Compile, is immutable and is safe for concurrent use. A nil *Mapper is
// the identity.
type Mapper struct {
	root []*node
}

type nodeKind uint8

const (
	nodePath     nodeKind = iota // a plain gjson path: its raw value is valid JSON
	nodeComputed                 // a gjson path with modifiers, literals or multipaths: check the result
	nodeTemplate
	nodeConst
	nodeObject // a nested object: children
)

// node is one key of the output object.
type node struct {
	kind     nodeKind
	seg      string // the key, one segment of the destination name
	key      []byte // seg JSON-encoded, followed by ':'
	path     string
	look     lookup // path, for Doc.get
	tmpl     template
	constant []byte
	children []*node

	// For messages: the field that created the node and its full name.
	field int
	name  string
}

// Apply appends to dst the mapped JSON object built from src and returns the
// extended buffer. src must be a JSON object; anything else (invalid JSON, an
// array, a string...) is an error wrapping ErrNotObject, and dst comes back
// unchanged. A nil *Mapper appends src as is once it has been checked.
//
// Apply allocates nothing when dst has room for the result, except where gjson
// must unescape a string it reads or evaluate a modifier. dst must not
// overlap src, and src must not change during the call.
func (m *Mapper) Apply(dst, src []byte) ([]byte, error) {
	d := unindexedDoc(src)
	defer putDoc(d)
	if d.err = checkObject(src); d.err != nil {
		return dst, d.err
	}
	return m.ApplyDoc(dst, d)
}

// ApplyDoc is Apply for a record prepared with Doc.Reset: the record is not
// checked again, and the map's plain paths are answered from the Doc's one
// pass over it.
func (m *Mapper) ApplyDoc(dst []byte, d *Doc) ([]byte, error) {
	if d.err != nil {
		return dst, d.err
	}
	if m == nil {
		return append(dst, d.src...), nil
	}
	start := len(dst)
	out := append(dst, '{')
	out, _, err := appendMembers(out, d, m.root)
	if err != nil {
		return dst[:start], err
	}
	return append(out, '}'), nil
}

// appendMembers appends the members of one object (without its braces) and
// returns how many it wrote: missing values and empty nested objects are left
// out.
func appendMembers(dst []byte, d *Doc, nodes []*node) ([]byte, int, error) {
	n := 0
	for _, nd := range nodes {
		mark := len(dst)
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, nd.key...)
		switch nd.kind {
		case nodePath, nodeComputed:
			if nd.kind == nodePath {
				if raw, ok := d.rawMember(&nd.look); ok {
					if raw == "" {
						dst = dst[:mark]
						continue
					}
					dst = append(dst, raw...)
					break
				}
			}
			r := d.get(&nd.look)
			raw, check := r.Raw, nd.kind == nodeComputed
			if raw == "" {
				if !r.Exists() {
					dst = dst[:mark]
					continue
				}
				raw, check = r.String(), true // a value gjson calculated without raw text
			}
			if check && !gjson.Valid(raw) {
				return dst, n, fmt.Errorf("mapping: field %d %q: path %q produced invalid JSON %.40q", nd.field, nd.name, nd.path, raw)
			}
			dst = append(dst, raw...)
		case nodeTemplate:
			dst = nd.tmpl.appendJSON(dst, d.src)
		case nodeConst:
			dst = append(dst, nd.constant...)
		case nodeObject:
			dst = append(dst, '{')
			var k int
			var err error
			dst, k, err = appendMembers(dst, d, nd.children)
			if err != nil {
				return dst, n, err
			}
			if k == 0 {
				dst = dst[:mark]
				continue
			}
			dst = append(dst, '}')
		}
		n++
	}
	return dst, n, nil
}
