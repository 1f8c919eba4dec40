package sqlite

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestMarshalFieldsAsJSON checks that marshalFields gives json.Marshal's
// bytes, on plain values and on every kind it leaves to json.Marshal.
func TestMarshalFieldsAsJSON(t *testing.T) {
	for _, m := range []map[string]string{
		nil, {},
		{"email": "a@example.com", "name": "Ann Lee", "phone": "+1 (555) 010-0001", "updated_at": "2026-01-01T00:00:00Z"},
		{"b": "1", "a": "2", "a2": "", "A": "~ !#$%'()*+,-./:;=?@[]^_`{|}"},
		{"name": `say "hi"`}, {"name": `back\slash`}, {"name": "a<b>&c"}, {"name": "tab\there"},
		{"name": "Zoë"}, {"name": "line\u2028sep"}, {"name": "bad \xff byte"}, {"k\x01": "v"}, {"name": "del\x7f"},
	} {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalFields(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", m, got, want)
		}
	}
}
