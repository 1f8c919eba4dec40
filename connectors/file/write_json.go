package file

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/tidwall/gjson"
)

// swarLo and swarHi find a byte in eight at once (skipString).
const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
)

// members iterates over the top-level members of a valid, compact JSON
// object (what compactJSON returns), without parsing their values.
type members struct {
	obj []byte
	i   int
}

// next returns the next member's name and value, as raw JSON text: the
// name with its quotes.
func (m *members) next() (name, value []byte, ok bool) {
	obj, i := m.obj, m.i
	if i == 0 {
		i = 1 // after the '{'
	}
	if i >= len(obj) || obj[i] != '"' {
		return nil, nil, false
	}
	end := skipString(obj, i+1)
	name = obj[i:end]
	i = end + 1 // after the ':'
	end = skipValue(obj, i)
	value = obj[i:end]
	if end < len(obj) && obj[end] == ',' {
		end++
	}
	m.i = end
	return name, value, true
}

// skipString returns the index after the closing quote of the string
// whose content starts at i.
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

// skipValue returns the index after the compact value that starts at i.
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
	for i < len(data) && data[i] != ',' && data[i] != '}' && data[i] != ']' {
		i++
	}
	return i
}

// memberName returns a member's name, unescaped, from its raw text.
func memberName(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	return gjson.ParseBytes(raw).Str
}
