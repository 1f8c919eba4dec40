package file

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/tidwall/gjson"
)

// scanJSON validates data as one JSON value, by the grammar of
// gjson.ValidBytes (which the writer used before, and the reader still
// uses), and reports in the same pass whether it has whitespace outside
// strings: compact data is stored as it is, without a copy.
//
// It walks the text like gjson does, but skips over the content of strings
// eight bytes at a time. Its nesting is recursive, like gjson's: callers
// bound the depth first (jsonDepth).
func scanJSON(data []byte) (valid, compact bool) {
	s := jsonScan{data: data}
	i := s.space(0)
	if i == len(data) {
		return false, false
	}
	i, ok := s.value(i)
	if !ok {
		return false, false
	}
	if i = s.space(i); i != len(data) {
		return false, false
	}
	return true, !s.ws
}

type jsonScan struct {
	data []byte
	ws   bool // whitespace was seen outside strings
}

// space returns the index of the first byte at or after i that is not
// JSON whitespace.
func (s *jsonScan) space(i int) int {
	for ; i < len(s.data); i++ {
		switch s.data[i] {
		case ' ', '\t', '\n', '\r':
			s.ws = true
		default:
			return i
		}
	}
	return i
}

// value checks the value that starts at i (not whitespace) and returns
// the index after it.
func (s *jsonScan) value(i int) (int, bool) {
	switch s.data[i] {
	case '{':
		return s.object(i + 1)
	case '[':
		return s.array(i + 1)
	case '"':
		return s.str(i + 1)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return validnumber(s.data, i)
	case 't':
		return s.word(i, "true")
	case 'f':
		return s.word(i, "false")
	case 'n':
		return s.word(i, "null")
	}
	return i, false
}

func (s *jsonScan) word(i int, w string) (int, bool) {
	if len(s.data)-i >= len(w) && string(s.data[i:i+len(w)]) == w {
		return i + len(w), true
	}
	return i, false
}

// object checks an object's members after its '{'.
func (s *jsonScan) object(i int) (int, bool) {
	data := s.data
	if i = s.space(i); i == len(data) {
		return i, false
	}
	if data[i] == '}' {
		return i + 1, true
	}
	for {
		if data[i] != '"' {
			return i, false
		}
		var ok bool
		if i, ok = s.str(i + 1); !ok {
			return i, false
		}
		if i = s.space(i); i == len(data) || data[i] != ':' {
			return i, false
		}
		if i = s.space(i + 1); i == len(data) {
			return i, false
		}
		if i, ok = s.value(i); !ok {
			return i, false
		}
		if i = s.space(i); i == len(data) {
			return i, false
		}
		switch data[i] {
		case '}':
			return i + 1, true
		case ',':
			if i = s.space(i + 1); i == len(data) {
				return i, false
			}
		default:
			return i, false
		}
	}
}

// array checks an array's elements after its '['.
func (s *jsonScan) array(i int) (int, bool) {
	data := s.data
	if i = s.space(i); i == len(data) {
		return i, false
	}
	if data[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = s.value(i); !ok {
			return i, false
		}
		if i = s.space(i); i == len(data) {
			return i, false
		}
		switch data[i] {
		case ']':
			return i + 1, true
		case ',':
			if i = s.space(i + 1); i == len(data) {
				return i, false
			}
		default:
			return i, false
		}
	}
}

const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
)

// swarSpecial marks (with its high bit) the first byte of x, little-endian,
// that is a quote, a backslash or a control character; it is zero when
// there is none. Bytes above the first may be marked wrongly (a borrow
// carries up), so only the lowest mark counts.
func swarSpecial(x uint64) uint64 {
	q := x ^ (swarLo * '"')
	b := x ^ (swarLo * '\\')
	return (((x - swarLo*0x20) &^ x) | ((q - swarLo) &^ q) | ((b - swarLo) &^ b)) & swarHi
}

// str checks a string's content and closing quote, after its opening
// quote, as gjson does: no control characters, and only JSON's escapes.
func (s *jsonScan) str(i int) (int, bool) {
	data := s.data
	for {
		for len(data)-i >= 8 {
			m := swarSpecial(binary.LittleEndian.Uint64(data[i:]))
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(data) {
			return i, false
		}
		switch c := data[i]; {
		case c == '"':
			return i + 1, true
		case c < ' ':
			return i, false
		case c == '\\':
			i++
			if i == len(data) {
				return i, false
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				for range 4 {
					i++
					if i >= len(data) || !isHex(data[i]) {
						return i, false
					}
				}
				i++
			default:
				return i, false
			}
		default:
			i++
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// validnumber checks the number that starts at i, as gjson does: JSON's
// grammar, except that what follows it is left to the caller.
func validnumber(data []byte, i int) (int, bool) {
	if data[i] == '-' {
		i++
		if i == len(data) || data[i] < '0' || data[i] > '9' {
			return i, false
		}
	}
	if data[i] == '0' {
		i++
	} else {
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i == len(data) || data[i] < '0' || data[i] > '9' {
			return i, false
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i == len(data) || data[i] < '0' || data[i] > '9' {
			return i, false
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	return i, true
}

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
