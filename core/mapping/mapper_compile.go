package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// Compile checks a pipeline's map and compiles it into a Mapper. The error is
// a *FieldError naming the first field that is wrong. No fields at all
// compiles to a nil *Mapper, the identity.
func Compile(fields []Field) (*Mapper, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	m := &Mapper{}
	for i, f := range fields {
		segs, err := splitName(f.Name)
		if err != nil {
			return nil, &FieldError{Index: i, Err: err}
		}
		nd, err := compileValue(f)
		if err != nil {
			return nil, &FieldError{Index: i, Err: fmt.Errorf("%q: %w", f.Name, err)}
		}
		nd.field, nd.name = i, f.Name
		if err := m.insert(nd, segs); err != nil {
			return nil, &FieldError{Index: i, Err: err}
		}
	}
	return m, nil
}

// compileValue compiles what a field produces; the caller places it.
func compileValue(f Field) (*node, error) {
	switch {
	case f.Const != nil && f.Expr != "":
		return nil, errors.New("has both an expression and a constant")
	case f.Const != nil:
		c := bytes.TrimSpace(f.Const)
		if len(c) == 0 || !gjson.ValidBytes(c) {
			return nil, fmt.Errorf("constant %.40q is not valid JSON", f.Const)
		}
		return &node{kind: nodeConst, constant: bytes.Clone(c)}, nil
	case f.Expr == "":
		return nil, errors.New("empty expression")
	case strings.Contains(f.Expr, "{{"):
		t, err := compileTemplate(f.Expr)
		if err != nil {
			return nil, fmt.Errorf("template %q: %w", f.Expr, err)
		}
		return &node{kind: nodeTemplate, tmpl: t}, nil
	}
	if err := checkPath(f.Expr); err != nil {
		return nil, fmt.Errorf("path %q: %w", f.Expr, err)
	}
	kind := nodePath
	if strings.ContainsAny(f.Expr, "!@{[") {
		// Modifiers (@reverse), literals (!true) and multipaths ({a,b}) build
		// new JSON that Apply checks before copying it.
		kind = nodeComputed
		// Literals do not depend on the record: catch those gjson renders as
		// something that is not JSON (!nan, [!inf]) now rather than per record.
		if r := gjson.Get("{}", f.Expr); r.Raw != "" && !gjson.Valid(r.Raw) {
			return nil, fmt.Errorf("path %q produces invalid JSON %.40q", f.Expr, r.Raw)
		}
	}
	return &node{kind: kind, path: f.Expr, look: newLookup(f.Expr)}, nil
}

// splitName splits a destination name at its dots.
func splitName(name string) ([]string, error) {
	if name == "" {
		return nil, errors.New("empty destination name")
	}
	segs := strings.Split(name, ".")
	for _, s := range segs {
		if s == "" {
			return nil, fmt.Errorf("destination %q has an empty segment", name)
		}
	}
	return segs, nil
}

// insert places a compiled field in the output tree at the place its name
// segments lead to.
func (m *Mapper) insert(leaf *node, segs []string) error {
	name := leaf.name
	level := &m.root
	for j, seg := range segs {
		last := j == len(segs)-1
		prefix := strings.Join(segs[:j+1], ".")
		var found *node
		for _, nd := range *level {
			if nd.seg == seg {
				found = nd
				break
			}
		}
		switch {
		case found == nil && last:
			leaf.seg, leaf.key = seg, appendKey(nil, seg)
			*level = append(*level, leaf)
			return nil
		case found == nil:
			obj := &node{kind: nodeObject, seg: seg, key: appendKey(nil, seg), field: leaf.field, name: name}
			*level = append(*level, obj)
			level = &obj.children
		case found.kind != nodeObject && found.name == name:
			return fmt.Errorf("destination %q is already mapped by field %d", name, found.field)
		case found.kind != nodeObject || last:
			return fmt.Errorf("destination %q conflicts with field %d %q: %q cannot be both a value and an object",
				name, found.field, found.name, prefix)
		default:
			level = &found.children
		}
	}
	return nil
}

// appendKey appends seg as a JSON object key followed by ':'.
func appendKey(dst []byte, seg string) []byte {
	return append(gjson.AppendJSONString(dst, seg), ':')
}
