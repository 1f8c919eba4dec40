package sdk

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

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

// TestObjectGetString: strings and numbers are text, absent and null are
// missing, anything else is an error naming the member.
func TestObjectGetString(t *testing.T) {
	const absent = "(absent)"
	tests := []struct {
		raw  string // the member's raw JSON; absent for none
		want string
		ok   bool
		err  bool
	}{
		{raw: absent},
		{raw: `null`},
		{raw: ` null `},
		{raw: `""`, want: "", ok: true},
		{raw: `"Ann"`, want: "Ann", ok: true},
		{raw: `"caf\u00e9 \"x\""`, want: `café "x"`, ok: true},
		{raw: `42`, want: "42", ok: true},
		{raw: `-1.5e3`, want: "-1.5e3", ok: true},
		{raw: `12345678901234567890123`, want: "12345678901234567890123", ok: true},
		{raw: ` 7 `, want: "7", ok: true},
		{raw: `true`, err: true},
		{raw: `{"a":1}`, err: true},
		{raw: `["a"]`, err: true},
		{raw: `"unterminated`, err: true},
		{raw: `12abc`, err: true},
		{raw: `012`, err: true},
		{raw: `-`, err: true},
	}
	for _, tt := range tests {
		o := Object{}
		if tt.raw != absent {
			o["name"] = json.RawMessage(tt.raw)
		}
		got, ok, err := o.GetString("name")
		if tt.err {
			if err == nil || !strings.Contains(err.Error(), "name is not a string") {
				t.Errorf("GetString(%s) = %q, %v, %v; want an error naming the member", tt.raw, got, ok, err)
			}
			continue
		}
		if err != nil || got != tt.want || ok != tt.ok {
			t.Errorf("GetString(%s) = %q, %v, %v; want %q, %v", tt.raw, got, ok, err, tt.want, tt.ok)
		}
	}
}

func TestObjectSetString(t *testing.T) {
	o := Object{"n": json.RawMessage(`1`)}
	o.SetString("n", `a "quoted" <b>`)
	if got, ok, err := o.GetString("n"); err != nil || !ok || got != `a "quoted" <b>` {
		t.Errorf("after SetString, GetString = %q, %v, %v", got, ok, err)
	}
	if !json.Valid(o["n"]) {
		t.Errorf("SetString wrote %s, not JSON", o["n"])
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
