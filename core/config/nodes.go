package config

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// YAML tags, as Node.ShortTag returns them.
const (
	tagStr       = "!!str"
	tagInt       = "!!int"
	tagFloat     = "!!float"
	tagBool      = "!!bool"
	tagNull      = "!!null"
	tagMerge     = "!!merge"
	tagTimestamp = "!!timestamp"
	tagBinary    = "!!binary"
)

// maxMergeDepth bounds how deeply merge keys (<<) may nest, which also stops
// a mapping that merges itself.
const maxMergeDepth = 32

// pair is one key and value of a YAML mapping.
type pair struct{ key, val *yaml.Node }

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxMergeDepth; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit YAML null.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == tagNull)
}

// isMerge reports whether key is a YAML merge key (<<).
func isMerge(key *yaml.Node) bool {
	return key.Kind == yaml.ScalarNode && key.ShortTag() == tagMerge
}

// keyPath joins a mapping key onto a key path.
func keyPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// indexPath joins a list index onto a key path.
func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// describe says what a node is, for "got ..." in error messages. Strings
// are quoted and shortened; use kindOf where the value may be a secret.
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil || n.Kind == 0 {
		return "nothing"
	}
	if n.Kind != yaml.ScalarNode {
		return kindOf(n)
	}
	switch n.ShortTag() {
	case tagNull:
		return "null"
	case tagStr, tagTimestamp, tagBinary:
		s := n.Value
		if utf8.RuneCountInString(s) > 40 {
			s = string([]rune(s)[:40]) + "..."
		}
		return strconv.Quote(s)
	default:
		return n.Value
	}
}

// kindOf says what kind of value a node is, without its value.
func kindOf(n *yaml.Node) string {
	n = resolve(n)
	if n == nil || n.Kind == 0 {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case tagNull:
		return "null"
	case tagInt, tagFloat:
		return "a number"
	case tagBool:
		return "a boolean"
	default:
		return "a string"
	}
}

// pairs returns the key/value pairs of mapping n in file order, with merge
// keys (<<) expanded: keys written in n win over merged ones, and earlier
// merged mappings win over later ones, as YAML specifies. It reports
// duplicate keys, non-scalar keys and bad merges; the pairs it returns have
// unique scalar keys.
// what names the keys in the duplicate error ("key", "connection name").
func (d *decoder) pairs(n *yaml.Node, path, what string) []pair {
	return d.pairsDepth(n, path, what, 0)
}

func (d *decoder) pairsDepth(n *yaml.Node, path, what string, depth int) []pair {
	explicit := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode && !isMerge(k) {
			if first, dup := explicit[k.Value]; dup {
				d.errs.at(k, keyPath(path, k.Value), fmt.Sprintf("duplicate %s %q (first defined at line %d)", what, k.Value, first.Line))
				continue
			}
			explicit[k.Value] = k
		}
	}
	seen := map[string]bool{}
	var out []pair
	add := func(p pair) {
		if !seen[p.key.Value] {
			seen[p.key.Value] = true
			out = append(out, p)
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case isMerge(k):
			for _, p := range d.merged(k, v, path, what, depth) {
				if explicit[p.key.Value] == nil {
					add(p)
				}
			}
		case k.Kind != yaml.ScalarNode:
			d.errs.at(k, path, fmt.Sprintf("expected a plain key, got %s", kindOf(k)))
		case explicit[k.Value] == k:
			add(pair{k, v})
		}
	}
	return out
}

// merged returns the pairs a merge key (<<) brings in: those of one mapping
// or of a list of mappings.
func (d *decoder) merged(k, v *yaml.Node, path, what string, depth int) []pair {
	if depth >= maxMergeDepth {
		d.errs.at(k, path, "merge keys (<<) nest too deeply (does a mapping merge itself?)")
		return nil
	}
	v = resolve(v)
	sources := []*yaml.Node{v}
	if v != nil && v.Kind == yaml.SequenceNode {
		sources = sources[:0]
		for _, item := range v.Content {
			sources = append(sources, resolve(item))
		}
	}
	var out []pair
	for _, src := range sources {
		if src == nil || src.Kind != yaml.MappingNode {
			d.errs.at(k, path, "a merge key (<<) takes a mapping or a list of mappings, such as <<: *defaults")
			return nil
		}
		out = append(out, d.pairsDepth(src, path, what, depth+1)...)
	}
	// Earlier sources win: keep the first of each key.
	seen := map[string]bool{}
	uniq := out[:0]
	for _, p := range out {
		if !seen[p.key.Value] {
			seen[p.key.Value] = true
			uniq = append(uniq, p)
		}
	}
	return uniq
}
