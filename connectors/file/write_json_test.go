package file

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestScanJSON(t *testing.T) {
	for _, tt := range []struct {
		in             string
		valid, compact bool
	}{
		{`{"a":"b c","d":[1,2]}`, true, true},
		{`{"a": "b"}`, true, false},
		{`{"a":"x\" y","b":1 }`, true, false},
		{`{"a":"x\\","b":"y z"}`, true, true},
		{`{"a":"x\\\" ","b":"\n"}`, true, true},
		{"{\"a\":\"x\"\n}", true, false},
		{`{"a":"0123456789abcdef\"0123456789abcdef\\","b":"\u00e9\ud83d\ude00 caf\u00c9","c":"é ü 😀"}`, true, true},
		{`{"a":-0.5e+10,"b":[true,false,null,{}],"c":[],"d":{"e":[[]]}}`, true, true},
		{`[ 1 , 2 ]`, true, false},
		{`"a string"`, true, true},
		{`{"a":"0123456789` + "\t" + `abcdef"}`, false, false}, // a control character in a string
		{`{"a":"0123456789abcdef\x"}`, false, false},
		{`{"a":"0123456789abcdef\u12G4"}`, false, false},
		{`{"a":"0123456789abcdef`, false, false},
		{`{"a":1,}`, false, false},
		{`[1,]`, false, false},
		{`{"a":01}`, false, false},
		{`{"a":1.}`, false, false},
		{`{"a":1e}`, false, false},
		{`{"a":-}`, false, false},
		{`{"a":tru}`, false, false},
		{`{"a":1} x`, false, false},
		{`{"a" 1}`, false, false},
		{``, false, false},
		{` `, false, false},
	} {
		valid, compact := scanJSON([]byte(tt.in))
		if valid != tt.valid || compact != tt.compact {
			t.Errorf("scanJSON(%s) = %v, %v; want %v, %v", tt.in, valid, compact, tt.valid, tt.compact)
		}
		if gv := gjson.Valid(tt.in); gv != valid {
			t.Errorf("scanJSON(%s): valid %v, gjson says %v", tt.in, valid, gv)
		}
	}
}

// FuzzScanJSON checks scanJSON against what the writer did before it: a
// text is stored as it is when gjson finds it valid and it has no
// whitespace outside strings (isCompact).
func FuzzScanJSON(f *testing.F) {
	for _, seed := range []string{
		`{"a":"b c","d":[1,2]}`, `{"a": "b"}`, `{"a":"x\\\" ","b":"\n"}`,
		`{"id":"cust-0000001","notes":"lorem ipsum lorem ipsum lorem ipsum","n":-1.5e3,"t":[true,false,null]}`,
		"{\"a\":\"\xff\xfe\x01\"}", `{"a":"\ud800"}`, `[1,2,{"x":{}}]`, `{"a":1}  `, "\t{}\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxJSONDepth && jsonDepth(data) > maxJSONDepth {
			return // the writer refuses it before
		}
		valid, compact := scanJSON(data)
		if want := gjson.ValidBytes(data); valid != want {
			t.Fatalf("scanJSON(%q): valid %v, gjson says %v", data, valid, want)
		}
		if valid && compact != isCompact(data) {
			t.Fatalf("scanJSON(%q): compact %v, isCompact says %v", data, compact, !compact)
		}
		// A string long enough for the eight-byte steps, at every alignment.
		for pad := range 9 {
			s := `{"k` + strings.Repeat("x", pad) + `":"` + string(bytes.ReplaceAll(data, []byte(`"`), nil)) + `"}`
			v, c := scanJSON([]byte(s))
			if want := gjson.Valid(s); v != want || (v && c != isCompact([]byte(s))) {
				t.Fatalf("scanJSON(%q) = %v, %v; gjson says valid %v", s, v, c, want)
			}
		}
	})
}

// isCompact reports whether data has no whitespace outside strings: the
// check the writer made before scanJSON, kept to test it against.
func isCompact(data []byte) bool {
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			return false
		case '"':
			for {
				j := bytes.IndexByte(data[i+1:], '"')
				if j < 0 {
					return true // unterminated: the validation says so
				}
				i += 1 + j
				backslashes := 0
				for k := i - 1; k >= 0 && data[k] == '\\'; k-- {
					backslashes++
				}
				if backslashes%2 == 0 {
					break
				}
			}
		}
	}
	return true
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
