package sdk

import (
	"bytes"
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
