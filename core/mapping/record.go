package mapping

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/tidwall/gjson"
)

// ErrNotObject is wrapped by every error Apply returns for a source record
// that is not a JSON object (invalid JSON, or an array, string, number...).
// The record itself is bad: the engine dead-letters it.
var ErrNotObject = errors.New("record is not a JSON object")

// bytesString returns b as a string without copying it. The string is only
// used while b is neither modified nor released, within a single call.
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// checkObject returns nil when src is a valid JSON document whose top-level
// value is an object, and an error wrapping ErrNotObject otherwise.
func checkObject(src []byte) error {
	if !gjson.ValidBytes(src) {
		return fmt.Errorf("mapping: %w: invalid JSON", ErrNotObject)
	}
	for _, c := range src {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return nil
		case '[':
			return fmt.Errorf("mapping: %w: got an array", ErrNotObject)
		case '"':
			return fmt.Errorf("mapping: %w: got a string", ErrNotObject)
		case 't', 'f':
			return fmt.Errorf("mapping: %w: got a boolean", ErrNotObject)
		case 'n':
			return fmt.Errorf("mapping: %w: got null", ErrNotObject)
		default:
			return fmt.Errorf("mapping: %w: got a number", ErrNotObject)
		}
	}
	return fmt.Errorf("mapping: %w: invalid JSON", ErrNotObject) // unreachable: ValidBytes rejects blank input
}

// isSpace reports whether c is JSON whitespace; templates trim and collapse
// exactly these characters.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// appendEscaped appends s to dst escaped as the inside of a JSON string
// (without the quotes), exactly as gjson.AppendJSONString escapes it.
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			dst = append(dst, s[:i]...)
			at := len(dst)
			dst = gjson.AppendJSONString(dst, s[i:])
			// Drop the quotes gjson put around it.
			n := copy(dst[at:], dst[at+1:len(dst)-1])
			return dst[:at+n]
		}
	}
	return append(dst, s...)
}
