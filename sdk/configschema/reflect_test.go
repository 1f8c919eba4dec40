package configschema_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk/configschema"
)

// A tag that does not fit its field is refused, so that a typo never
// quietly loosens a schema.
func TestReflectRefusesTagsThatDoNotFit(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"not a struct", 3, "want a struct"},
		{"minimum on a string", struct {
			A string `json:"a" minimum:"1"`
		}{}, "a: minimum does not apply"},
		{"minLength on an int", struct {
			A int `json:"a" minLength:"1"`
		}{}, "a: minLength does not apply"},
		{"pattern on a bool", struct {
			A bool `json:"a" pattern:"x"`
		}{}, "a: pattern on a field that holds no strings"},
		{"minimum not a number", struct {
			A int `json:"a" minimum:"one"`
		}{}, `minimum:"one": want a number`},
		{"default of the wrong type", struct {
			A int `json:"a" default:"four"`
		}{}, `a: default "four"`},
		{"enum of the wrong type", struct {
			A int `json:"a" enum:"1,two"`
		}{}, `a: enum value "two"`},
		{"uniqueItems on a string", struct {
			A string `json:"a" uniqueItems:"true"`
		}{}, "uniqueItems"},
		{"keyPattern on a slice", struct {
			A []string `json:"a" keyPattern:"x"`
		}{}, "keyPattern on a field that is not a map"},
		{"no json name", struct {
			A string
		}{}, "A: no json name"},
		{"a channel", struct {
			A chan int `json:"a"`
		}{}, "a: type chan int has no config schema"},
		{"a map with int keys", struct {
			A map[int]string `json:"a"`
		}{}, "keys must be strings"},
		{"a type tag on a string", struct {
			A string `json:"a" type:"string,integer"`
		}{}, "a type tag needs a field of type any"},
		{"a blank field that says nothing", struct {
			_ struct{} `doc:"a"`
		}{}, "a blank field declares nothing"},
		{"a pattern that does not compile", struct {
			A string `json:"a" pattern:"("`
		}{}, "compiling"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configschema.Reflect(reflect.TypeOf(tt.v))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Reflect = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestReflectDefaults(t *testing.T) {
	type inner struct {
		N int `json:"n" default:"3"`
		M int `json:"m"`
	}
	type cfg struct {
		S     string   `json:"s" default:"x"`
		L     []string `json:"l" default:"[\"a\",\"b\"]"`
		None  string   `json:"none"`
		In    inner    `json:"in"`
		Empty struct {
			K string `json:"k"`
		} `json:"empty"`
	}
	r, err := configschema.Reflect(reflect.TypeOf(cfg{}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(r.Defaults), `{"s":"x","l":["a","b"],"in":{"n":3}}`; got != want {
		t.Errorf("Defaults = %s, want %s", got, want)
	}
}

func TestReflectOpenObjectsAndAnyValues(t *testing.T) {
	type record struct {
		ID    json.RawMessage `json:"id" required:"true" type:"string,integer"`
		Extra any             `json:"extra"`
		_     struct{}        `additionalProperties:"true"`
	}
	type cfg struct {
		Records []record `json:"records"`
	}
	r, err := configschema.Reflect(reflect.TypeOf(cfg{}))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Properties struct {
			Records struct {
				Items map[string]any `json:"items"`
			} `json:"records"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(r.Schema), &got); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got.Properties.Records.Items)
	if want := `{"properties":{"extra":{},"id":{"type":["string","integer"]}},"required":["id"],"type":"object"}`; string(b) != want {
		t.Errorf("records' items = %s, want %s", b, want)
	}
}
