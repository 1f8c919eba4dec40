package mapping

import (
	"testing"

	"github.com/tidwall/gjson"
)

// sameAsGjson fails t unless the Doc's answer for path is gjson's on the
// whole record (but for Index, which nothing here uses).
func sameAsGjson(t *testing.T, src []byte, path string) {
	t.Helper()
	var d Doc
	d.Reset(src)
	l := newLookup(path)
	got, want := d.get(&l), gjson.GetBytes(src, path)
	if got.Type != want.Type || got.Raw != want.Raw || got.Str != want.Str || got.Num != want.Num || got.Exists() != want.Exists() {
		t.Fatalf("record %q, path %q: Doc gave %#v, gjson %#v", src, path, got, want)
	}
	if raw, ok := d.rawMember(&l); ok && raw != want.Raw {
		t.Fatalf("record %q, path %q: Doc's raw member %q, gjson's raw %q", src, path, raw, want.Raw)
	}
}

func TestDocAnswersAsGjson(t *testing.T) {
	records := []string{
		customer,
		`{"a":1,"a":2}`, // the first of a duplicate key
		` { "a" : "x\"y" , "b" : [ 1 , {"c":"}"} ] , "c":{"d":{"e":true}} } `,
		`{"em\u0061il":"x@y","email":"second"}`, // an escaped key: gjson unescapes it
		`{"a":"\u00e9","n":-0.5e-3,"z":null,"f":false}`,
		`{"0":"zero","a-b":1,"_x":{"1":"one"}}`,
		`{}`,
		`{"a":`,  // invalid: gjson's answers
		`[1,2]`,  // not an object
		`"text"`, // not an object
		``,
	}
	paths := []string{"a", "b", "c", "c.d", "c.d.e", "b.1.c", "b.0", "b.#", "email", "n", "z", "f",
		"0", "a-b", "_x.1", "missing", "a.missing", "properties.email", "properties.company", "tags.0", "tags"}
	for _, r := range records {
		for _, p := range paths {
			sameAsGjson(t, []byte(r), p)
		}
	}
}

func TestLookupPlainPaths(t *testing.T) {
	for path, plain := range map[string]bool{
		"a": true, "a.b": true, "a_b-c.d0": true, "tags.0": true,
		"0": false, "a..b": false, ".a": false, "a.": false, "a.*": false, "a\\.b": false,
		"a|b": false, "@this": false, "#": false, "a.#": false, `a.#(b=="c")`: false, "{a,b}": false,
	} {
		if got := newLookup(path).plain; got != plain {
			t.Errorf("newLookup(%q).plain = %t, want %t", path, got, plain)
		}
	}
}

func FuzzDocAnswersAsGjson(f *testing.F) {
	f.Add([]byte(customer), "properties.email")
	f.Add([]byte(`{"a":1,"a":2}`), "a")
	f.Add([]byte(`{"a\"":1,"a":2}`), "a")
	f.Add([]byte(` {"a" : [ {"b":"]"} ] } `), "a.0.b")
	f.Fuzz(func(t *testing.T, src []byte, path string) {
		sameAsGjson(t, src, path)
	})
}
