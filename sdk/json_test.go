package sdk

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/tidwall/gjson"
)

func TestWithField(t *testing.T) {
	tests := []struct {
		object, name, value, want string
	}{
		{`{"a":1}`, "t", `7`, `{"t":7,"a":1}`},
		{`{}`, "t", `"x"`, `{"t":"x"}`},
		{` { } `, "t", `[1]`, `{"t":[1]}`},
		{"{\n \"a\": {\"b\": 2}\n}", "quote\"d", `null`, `{"quote\"d":null,"a": {"b": 2}}`},
		{`[1,2]`, "t", `7`, `[1,2]`},    // not an object: unchanged
		{`{"a":1}`, "t", ``, `{"a":1}`}, // no value: unchanged
	}
	for _, tt := range tests {
		got := string(WithField([]byte(tt.object), tt.name, []byte(tt.value)))
		if got != tt.want {
			t.Errorf("WithField(%s, %q, %s) = %s, want %s", tt.object, tt.name, tt.value, got, tt.want)
		}
		if tt.object[0] != '[' && !json.Valid([]byte(got)) {
			t.Errorf("WithField(%s) = %s is not JSON", tt.object, got)
		}
	}
	in := []byte(`{"a":1}`)
	out := WithField(in, "b", []byte(`2`))
	out[1] = 'X'
	if string(in) != `{"a":1}` {
		t.Error("WithField changed its input")
	}
}

// membersAsGjson fails t unless Members yields what gjson's ForEach finds
// in object (a valid object): each member's raw name and raw value.
func membersAsGjson(t *testing.T, object []byte) {
	t.Helper()
	var got, want []string
	for name, value := range Members(object) {
		got = append(got, string(name)+"="+string(value))
	}
	gjson.ParseBytes(object).ForEach(func(k, v gjson.Result) bool {
		want = append(want, k.Raw+"="+v.Raw)
		return true
	})
	if !slices.Equal(got, want) {
		t.Fatalf("Members(%s) = %q, gjson finds %q", object, got, want)
	}
}

func TestMembers(t *testing.T) {
	for _, obj := range []string{
		`{}`, ` { } `, `{"a":1}`,
		`{"id":"c1","email":"a@b.c","n":-1.5e3,"t":true,"f":false,"z":null,"a":[1,{"b":"]}"}],"o":{"p":{"q":"}"}}}`,
		` { "a" : "x\"y" , "b" : [ 1 , 2 ] , "c" : { } , "d" : 7 } `,
		`{"a\"b":1,"a\u0062":"\\","a":"0123456789abcdef\"0123456789abcdef\\"}`,
		`{"dup":1,"dup":2}`,
		"{\n\t\"a\":\r\n1\n}",
	} {
		membersAsGjson(t, []byte(obj))
	}
	// Stopping early stops the walk.
	n := 0
	for range Members([]byte(`{"a":1,"b":2,"c":3}`)) {
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("walked %d members after a break at 2", n)
	}
}

func FuzzMembers(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":[{"c":"]"}],"d":"e\"f"}`))
	f.Add([]byte(` { "a" : { "b" : "c" } } `))
	f.Fuzz(func(t *testing.T, object []byte) {
		if !gjson.ValidBytes(object) || !gjson.ParseBytes(object).IsObject() {
			return
		}
		membersAsGjson(t, object)
	})
}
