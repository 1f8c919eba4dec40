package sdk

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestObjectGetString: strings and numbers are text, absent and null are
// missing, anything else is an error naming the member.
func TestObjectGetString(t *testing.T) {
	const absent = "(absent)"
	get := func(raw string) (string, bool, error) {
		o := Object{}
		if raw != absent {
			o["name"] = json.RawMessage(raw)
		}
		return o.GetString("name")
	}
	for raw, want := range map[string]string{
		`""`:                      "",
		`"Ann"`:                   "Ann",
		`"caf\u00e9 \"x\""`:       `café "x"`,
		`42`:                      "42",
		`-1.5e3`:                  "-1.5e3",
		`12345678901234567890123`: "12345678901234567890123",
		` 7 `:                     "7",
	} {
		if got, ok, err := get(raw); err != nil || !ok || got != want {
			t.Errorf("GetString(%s) = %q, %v, %v; want %q", raw, got, ok, err, want)
		}
	}
	for _, raw := range []string{absent, `null`, ` null `} {
		if got, ok, err := get(raw); err != nil || ok || got != "" {
			t.Errorf("GetString(%s) = %q, %v, %v; want it missing", raw, got, ok, err)
		}
	}
	for _, raw := range []string{`true`, `{"a":1}`, `["a"]`, `"unterminated`, `12abc`, `012`, `-`} {
		if got, ok, err := get(raw); err == nil || !strings.Contains(err.Error(), "name is not a string") {
			t.Errorf("GetString(%s) = %q, %v, %v; want an error naming the member", raw, got, ok, err)
		}
	}
}

func TestDecodeObject(t *testing.T) {
	tests := []struct {
		data, wrapper string
		want          string // the object's members, re-encoded; "" for an error
		err           string
	}{
		{data: `{"email":"a@x.com","n":1}`, wrapper: "customer", want: `{"email":"a@x.com","n":1}`},
		{data: `{"customer":{"email":"a@x.com"}}`, wrapper: "customer", want: `{"email":"a@x.com"}`},
		{data: `{"customer":{"email":"a@x.com"},"note":"x"}`, wrapper: "customer", want: `{"customer":{"email":"a@x.com"},"note":"x"}`},
		{data: `{"customer":{"email":"a@x.com"}}`, wrapper: "", want: `{"customer":{"email":"a@x.com"}}`},
		{data: `{"":{"email":"a@x.com"}}`, wrapper: "", want: `{"":{"email":"a@x.com"}}`},
		{data: `{}`, wrapper: "customer", want: `{}`},
		{data: `{"customer":"a@x.com"}`, wrapper: "customer", err: "customers record c1: customer is not a JSON object"},
		{data: `{"customer":null}`, wrapper: "customer", err: "customers record c1: customer is not a JSON object"},
		{data: `[1,2]`, wrapper: "customer", err: "customers record c1: data is not a JSON object"},
		{data: `null`, err: "customers record c1: data is not a JSON object"},
		{data: `not json`, err: "customers record c1: data is not a JSON object"},
		{data: ``, err: "customers record c1: data is not a JSON object"},
	}
	for _, tt := range tests {
		o, err := DecodeObject(Record{Stream: "customers", Key: "c1", Data: []byte(tt.data)}, tt.wrapper)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err || KindOf(err) != KindBadRecord {
				t.Errorf("DecodeObject(%s, %q) = %v, %v; want bad record %q", tt.data, tt.wrapper, o, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("DecodeObject(%s, %q): %v", tt.data, tt.wrapper, err)
			continue
		}
		if got, _ := json.Marshal(o); string(got) != tt.want {
			t.Errorf("DecodeObject(%s, %q) = %s, want %s", tt.data, tt.wrapper, got, tt.want)
		}
	}
}

func ExampleDecodeObject() {
	rec := Record{Stream: "customers", Key: "c1", Data: []byte(`{"customer":{"email":"ann@example.com","id":1042}}`)}
	o, err := DecodeObject(rec, "customer")
	if err != nil {
		fmt.Println(err)
		return
	}
	id, _, _ := o.GetString("id")
	o.SetString("note", "from cxhub")
	fmt.Println(id, string(o["note"]))

	_, err = DecodeObject(Record{Stream: "customers", Key: "c2", Data: []byte(`[]`)}, "customer")
	fmt.Println(err, KindOf(err))
	// Output:
	// 1042 "from cxhub"
	// customers record c2: data is not a JSON object bad_record
}
