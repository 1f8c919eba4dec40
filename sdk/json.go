package sdk

import (
	"bytes"
	"encoding/binary"
	"iter"
	"math/bits"
	"strconv"
)

// WithField returns a copy of the JSON object object with the member
// name: value added first, value being raw JSON. It is how a connector adds
// a field to a record it read (a parent's id, an association) without
// decoding the record. object must be a JSON object that does not already
// have name; anything else is returned unchanged.
func WithField(object []byte, name string, value []byte) []byte {
	obj := bytes.TrimSpace(object)
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' || len(value) == 0 {
		return bytes.Clone(object)
	}
	out := make([]byte, 0, len(obj)+len(name)+len(value)+4)
	out = append(out, '{')
	out = strconv.AppendQuote(out, name)
	out = append(out, ':')
	out = append(out, value...)
	if rest := bytes.TrimSpace(obj[1 : len(obj)-1]); len(rest) > 0 {
		out = append(out, ',')
		out = append(out, rest...)
	}
	return append(out, '}')
}

// Members yields each top-level member of object, in order: its name as
// written (quotes and any escapes included; gjson.ParseBytes(name).Str
// unescapes it) and its value's raw JSON text. It parses no value and
// allocates nothing, so a connector (or the core) can visit a record's
// members in one pass instead of one gjson lookup each. object must be a
// valid JSON object, whitespace allowed: Members does not validate (check
// with gjson.Valid first), and stops at the first thing that is not a
// member.
func Members(object []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(name, value []byte) bool) {
		i := skipSpace(object, 0)
		if i == len(object) || object[i] != '{' {
			return
		}
		i++
		for {
			i = skipSpace(object, i)
			if i < len(object) && object[i] == ',' {
				i = skipSpace(object, i+1)
			}
			if i == len(object) || object[i] != '"' {
				return // '}' or the end
			}
			end := skipString(object, i+1)
			name := object[i:end]
			v := skipSpace(object, end)
			if v == len(object) || object[v] != ':' {
				return
			}
			v = skipSpace(object, v+1)
			if v == len(object) {
				return
			}
			i = skipValue(object, v)
			if !yield(name, object[v:i]) {
				return
			}
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Eight bytes at a time: swarLo has a one in each byte, swarHi its top bit.
const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
)

// skipString returns the index after the closing quote of the string
// whose content starts at i. It looks at eight bytes at a time for a quote
// or a backslash.
func skipString(data []byte, i int) int {
	for {
		for len(data)-i >= 8 {
			x := binary.LittleEndian.Uint64(data[i:])
			q := x ^ (swarLo * '"')
			b := x ^ (swarLo * '\\')
			if m := (((q - swarLo) &^ q) | ((b - swarLo) &^ b)) & swarHi; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(data) {
			return len(data)
		}
		switch data[i] {
		case '"':
			return i + 1
		case '\\':
			i += 2
		default:
			i++
		}
	}
}

// skipValue returns the index after the valid JSON value that starts at i.
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i+1)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = skipString(data, i+1)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
