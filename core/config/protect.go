package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// YAML does not allow "{" and "}" in an unquoted value inside a flow
// collection, so `config: {token: ${TOKEN}}`, the natural way to write a
// reference, is a syntax error to a YAML parser. Before parsing, the braces
// of each ${...} on one line, without quotes or braces inside, are swapped
// for two private-use characters YAML treats as ordinary text, and swapped
// back in every key and value of the parsed tree. Characters, and so
// columns, stay where they were.
const (
	openMark  = '\uE000'
	closeMark = '\uE001'
)

// protectRefs returns data with the braces of every ${...} replaced by the
// marks. It fails if the file already holds one of the marks.
func protectRefs(file string, data []byte) ([]byte, error) {
	s := string(data)
	if i := strings.IndexAny(s, string([]rune{openMark, closeMark})); i >= 0 {
		line := strings.Count(s[:i], "\n") + 1
		return nil, Errors{{File: file, Line: line, Msg: fmt.Sprintf("the file contains the reserved character %U", []rune(s[i:])[0])}}
	}
	if !strings.Contains(s, "${") {
		return data, nil
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "${") {
			rest := s[i+2:]
			// Only a plausible reference: what ends at a quote or
			// brace first is left to the YAML parser.
			if end := strings.IndexAny(rest, "}\n\"'{"); end >= 0 && rest[end] == '}' {
				b.WriteByte('$')
				b.WriteRune(openMark)
				b.WriteString(rest[:end])
				b.WriteRune(closeMark)
				i += 2 + end + 1
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return []byte(b.String()), nil
}

// restoreRefs puts the braces protectRefs replaced back into every key and
// value under n.
func restoreRefs(n *yaml.Node) {
	if strings.ContainsAny(n.Value, string([]rune{openMark, closeMark})) {
		n.Value = strings.NewReplacer(string(openMark), "{", string(closeMark), "}").Replace(n.Value)
	}
	for _, c := range n.Content {
		restoreRefs(c)
	}
}
