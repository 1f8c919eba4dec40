package sdk

import (
	"encoding/json"
	"testing"
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
