package sqlite

import (
	"encoding/json"
	"slices"
)

// marshalFields encodes a record's canonical fields as json.Marshal does
// (keys sorted, the same bytes: Search matches the stored text), without
// its reflection when every key and value is plain printable ASCII that
// json.Marshal writes as is; anything else goes through json.Marshal.
func marshalFields(fields map[string]string) ([]byte, error) {
	if fields == nil {
		return json.Marshal(fields)
	}
	size := 2
	for k, v := range fields {
		if !plainJSON(k) || !plainJSON(v) {
			return json.Marshal(fields)
		}
		size += len(k) + len(v) + 6
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]byte, 0, size)
	out = append(out, '{')
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, k...)
		out = append(out, `":"`...)
		out = append(out, fields[k]...)
		out = append(out, '"')
	}
	return append(out, '}'), nil
}

// plainJSON says whether json.Marshal writes s's bytes unchanged between
// its quotes: printable ASCII, without a quote, a backslash, or the <, >
// and & it escapes for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
