package file

import (
	"bytes"
	"slices"
	"testing"

	"github.com/tidwall/gjson"
)

func TestIsCompact(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{`{"a":"b c","d":[1,2]}`, true},
		{`{"a": "b"}`, false},
		{`{"a":"x\" y","b":1 }`, false},
		{`{"a":"x\\","b":"y z"}`, true},
		{`{"a":"x\\\" ","b":"\n"}`, true},
		{"{\"a\":\"x\"\n}", false},
	} {
		if got := isCompact([]byte(tt.in)); got != tt.want {
			t.Errorf("isCompact(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzCSVRow checks the CSV rows the writer makes (widenHeader, then
// appendCSVObject, one pass over each object's members) against those it
// made before with gjson: the header's columns in the order first seen,
// and each row the cells csvCellsRef gives.
func FuzzCSVRow(f *testing.F) {
	for _, seed := range []string{
		`{"id":1,"name":"Ann"}`,
		`{"id":2,"name":"Bob, \"B\"","note":null}`,
		`{"id":3,"tags":["a","b"],"addr":{"city":"X","n":[1,{"y":"]}"}]}}`,
		`{"id":"x","id":"y","a\u0062":"\u00e9\n","ab":true,"":false,"c":-1.5e3}`,
		`{"n\"q":"x\\y","z":"a\r\nb","e":""}`, `{}`, `{"only":""}`,
	} {
		f.Add([]byte(seed), []byte(`{"id":0,"extra":"\"q\""}`))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var objs [][]byte
		for _, data := range [][]byte{a, b} {
			data = bytes.TrimSpace(data)
			if len(data) == 0 || data[0] != '{' || (len(data) > maxJSONDepth && jsonDepth(data) > maxJSONDepth) {
				return
			}
			obj, err := compactJSON(data)
			if err != nil {
				return
			}
			objs = append(objs, obj)
		}
		for n := 1; n <= 2; n++ { // the header of the first object, and of both
			checkCSVRows(t, objs[:n])
		}
	})
}

func checkCSVRows(t *testing.T, objs [][]byte) {
	w := &writer{format: formatCSV, columns: map[string]int{}, m: indexMeta{}}
	var recs []parsed
	for _, obj := range objs {
		recs = append(recs, parsed{obj: obj})
	}
	if err := w.widenHeader(recs); err != nil {
		t.Fatal(err)
	}
	// The header before: each object's top-level names, in order, once.
	var want []string
	for _, obj := range objs {
		gjson.ParseBytes(obj).ForEach(func(k, _ gjson.Result) bool {
			if !slices.Contains(want, k.Str) {
				want = append(want, k.Str)
			}
			return true
		})
	}
	if !slices.Equal(w.header, want) && !(len(want) == 0 && len(w.header) == 0) {
		t.Fatalf("header %q, want %q", w.header, want)
	}
	for _, obj := range objs {
		got, all := w.appendCSVObject([]byte("x"), obj)
		if !all {
			t.Fatalf("row of %s: a member without a column", obj)
		}
		if ref := appendCSVRow([]byte("x"), csvCellsRef(w, obj)); !bytes.Equal(got, ref) {
			t.Fatalf("row of %s:\n%q\nwant\n%q", obj, got, ref)
		}
	}
}

// csvCellsRef is how the writer made an object's row before
// appendCSVObject.
func csvCellsRef(w *writer, obj []byte) []string {
	cells := make([]string, len(w.header))
	gjson.ParseBytes(obj).ForEach(func(k, v gjson.Result) bool {
		switch v.Type {
		case gjson.String:
			cells[w.columns[k.Str]] = v.Str
		case gjson.Null:
			cells[w.columns[k.Str]] = ""
		default:
			cells[w.columns[k.Str]] = v.Raw
		}
		return true
	})
	return cells
}
