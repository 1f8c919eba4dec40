package config

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// envName is what may stand between ${ and } (or :-).
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// interpolate replaces environment variable references in every scalar value
// of the tree under n (mapping keys are left alone), recording an error at
// each value that cannot be expanded and marking it bad so that later checks
// do not complain about it a second time. Aliases are skipped: the node they
// name is expanded where it is defined.
func (d *decoder) interpolate(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			d.interpolate(c, path)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			d.interpolate(n.Content[i+1], keyPath(path, n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			d.interpolate(c, indexPath(path, i))
		}
	case yaml.ScalarNode:
		d.interpolateScalar(n, path)
	}
}

// interpolateScalar expands one scalar. A plain (unquoted, untagged) scalar
// that was exactly one reference gets its YAML type from the expanded text,
// so `port: ${PORT}` with PORT=9101 is the number 9101; any other scalar keeps
// its type.
func (d *decoder) interpolateScalar(n *yaml.Node, path string) {
	if !strings.Contains(n.Value, "$") {
		return
	}
	out, whole, err := expand(n.Value, d.lookupEnv)
	if err != nil {
		d.errs.at(n, path, err.Error())
		d.bad[n] = true
		return
	}
	n.Value = out
	const notPlain = yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle | yaml.TaggedStyle
	if whole && n.Style&notPlain == 0 {
		n.Tag = "" // ShortTag then resolves the tag from the new value
		n.Tag = n.ShortTag()
	}
}

// expand replaces ${VAR} and ${VAR:-default} in s with the variable's value
// (the default when VAR is unset or empty) and $${ with a literal ${. whole
// reports whether s was exactly one reference. The error names every unset
// variable without a default; it never contains a variable's value.
func expand(s string, lookup func(string) (string, bool)) (out string, whole bool, err error) {
	var b strings.Builder
	var missing []string
	refs := 0
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", false, fmt.Errorf(`unterminated "${" (write "$${" for a literal "${")`)
		}
		body := s[i+2 : i+2+end]
		name, def, hasDef := strings.Cut(body, ":-")
		if !envName.MatchString(name) {
			return "", false, fmt.Errorf(`invalid environment variable reference "${%s}" (expected ${NAME} or ${NAME:-default}, NAME made of letters, digits and "_"; write "$${" for a literal "${")`, body)
		}
		if strings.Contains(def, "${") {
			return "", false, fmt.Errorf(`nested reference in the default of "${%s}" is not supported`, name)
		}
		val, ok := lookup(name)
		switch {
		case hasDef && val == "":
			val = def
		case !ok:
			missing = append(missing, name)
		}
		b.WriteString(val)
		refs++
		if i == 0 && i+2+end+1 == len(s) {
			whole = true
		}
		i += 2 + end + 1
	}
	switch len(missing) {
	case 0:
		return b.String(), whole && refs == 1, nil
	case 1:
		return "", false, fmt.Errorf("environment variable %s is not set", missing[0])
	default:
		return "", false, fmt.Errorf("environment variables %s are not set", strings.Join(missing, ", "))
	}
}
