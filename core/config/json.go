package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// jsonNumber is a number YAML and JSON write alike.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// maxJSONNodes bounds the size of the JSON one YAML value may expand to
// through aliases, so that a "billion laughs" file fails instead of
// exhausting memory.
const maxJSONNodes = 1 << 20

// configJSON converts a connection's config, which must be a mapping, to a
// JSON object with the keys in file order and their case preserved. Errors
// never quote the config's values: they may be secrets.
func (d *decoder) configJSON(n *yaml.Node, path string) (json.RawMessage, bool) {
	if r := resolve(n); !d.bad[r] && (r == nil || r.Kind != yaml.MappingNode) {
		d.errs.at(r, path, fmt.Sprintf("expected a mapping of the connector's settings, got %s", kindOf(r)))
		return nil, false
	}
	return d.toJSON(n, path)
}

// toJSON converts any YAML value to JSON. Mapping keys keep their case and
// order, merge keys (<<) are expanded and aliases followed.
func (d *decoder) toJSON(n *yaml.Node, path string) (json.RawMessage, bool) {
	w := &jsonWriter{d: d, active: map[*yaml.Node]bool{}, ok: true}
	w.value(n, path)
	return w.buf.Bytes(), w.ok
}

type jsonWriter struct {
	d      *decoder
	buf    bytes.Buffer
	active map[*yaml.Node]bool // alias targets being written, to stop cycles
	count  int
	ok     bool
}

func (w *jsonWriter) fail(n *yaml.Node, path, msg string) {
	w.d.errs.at(n, path, msg)
	w.ok = false
}

func (w *jsonWriter) value(n *yaml.Node, path string) {
	w.count++
	if w.count > maxJSONNodes {
		if w.count == maxJSONNodes+1 {
			w.fail(n, path, "value is too large (do aliases expand it exponentially?)")
		}
		w.buf.WriteString("null")
		return
	}
	if n.Kind == yaml.AliasNode {
		target := n.Alias
		if target == nil || w.active[target] {
			w.fail(n, path, "alias refers to a value that contains it")
			w.buf.WriteString("null")
			return
		}
		w.active[target] = true
		w.value(target, path)
		delete(w.active, target)
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		w.buf.WriteByte('{')
		for i, p := range w.d.pairs(n, path, "key") {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.buf.Write(jsonString(p.key.Value))
			w.buf.WriteByte(':')
			w.value(p.val, keyPath(path, p.key.Value))
		}
		w.buf.WriteByte('}')
	case yaml.SequenceNode:
		w.buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.value(item, indexPath(path, i))
		}
		w.buf.WriteByte(']')
	case yaml.ScalarNode:
		w.scalar(n, path)
	default:
		w.buf.WriteString("null")
	}
}

func (w *jsonWriter) scalar(n *yaml.Node, path string) {
	if w.d.bad[n] {
		w.ok = false
		w.buf.WriteString("null")
		return
	}
	switch n.ShortTag() {
	case tagNull:
		w.buf.WriteString("null")
	case tagInt, tagFloat:
		if jsonNumber.MatchString(n.Value) {
			w.buf.WriteString(n.Value) // exactly as written, however many digits
			return
		}
		fallthrough // 0x1F, 0o17, 1_000, +5, .5: let YAML read them
	case tagBool:
		var v any
		if err := n.Decode(&v); err != nil {
			w.fail(n, path, fmt.Sprintf("cannot read %s: %v", kindOf(n), err))
			w.buf.WriteString("null")
			return
		}
		if f, isFloat := v.(float64); isFloat && (math.IsInf(f, 0) || math.IsNaN(f)) {
			w.fail(n, path, "infinity and NaN cannot be represented in JSON")
			w.buf.WriteString("null")
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			w.fail(n, path, fmt.Sprintf("cannot convert %s to JSON: %v", kindOf(n), err))
			w.buf.WriteString("null")
			return
		}
		w.buf.Write(b)
	default: // strings, timestamps, binary and custom tags keep their text
		w.buf.Write(jsonString(n.Value))
	}
}

// jsonString encodes s as a JSON string, leaving <, > and & as they are.
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
