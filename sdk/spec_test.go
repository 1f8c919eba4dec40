package sdk

import (
	"github.com/tidwall/gjson"
	"slices"
	"strings"
	"testing"
)

func TestSpecSecretFields(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   []string
	}{
		{"no schema", "", nil},
		{"no secrets", `{"type":"object","properties":{"base_url":{"type":"string"}}}`, nil},
		{"top level, sorted", `{"type":"object","properties":{
			"token":{"type":"string","secret":true},
			"base_url":{"type":"string"},
			"api_key":{"type":"string","secret":true},
			"public":{"type":"string","secret":false}}}`,
			[]string{"api_key", "token"}},
		{"nested", `{"type":"object","properties":{
			"oauth":{"type":"object","properties":{
				"client_id":{"type":"string"},
				"client_secret":{"type":"string","secret":true},
				"refresh":{"type":"object","properties":{"token":{"type":"string","secret":true}}}}},
			"password":{"type":"string","secret":true}}}`,
			[]string{"oauth.client_secret", "oauth.refresh.token", "password"}},
		{"a secret object", `{"type":"object","properties":{
			"credentials":{"type":"object","secret":true,"properties":{"key":{"type":"string","secret":true}}}}}`,
			[]string{"credentials", "credentials.key"}},
		{"arrays, maps, refs and combinators", `{"type":"object","$defs":{
				"account":{"type":"object","properties":{"api_key":{"type":"string","secret":true}}},
				"loop":{"type":"object","properties":{"next":{"$ref":"#/$defs/loop"}}}},
			"properties":{
				"accounts":{"type":"array","items":{"$ref":"#/$defs/account"}},
				"streams":{"type":"object","additionalProperties":{"type":"object","properties":{"token":{"type":"string","secret":true}}}},
				"by_region":{"type":"object","patternProperties":{"^[a-z]+$":{"type":"string","secret":true}}},
				"auth":{"oneOf":[{"properties":{"password":{"type":"string","secret":true}}},{"properties":{"key":{"secret":true}}}]},
				"odd.name":{"type":"string","secret":true},
				"chain":{"$ref":"#/$defs/loop"}}}`,
			[]string{"accounts.#.api_key", "auth.key", "auth.password", "by_region.@values", `odd\.name`, "streams.@values.#.token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Spec{ConfigSchema: tt.schema}.SecretFields()
			if !slices.Equal(got, tt.want) {
				t.Errorf("SecretFields() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSecretFieldsFindTheValues checks that the paths SecretFields gives
// name the secret values in a config, as the core reads them to redact.
func TestSecretFieldsFindTheValues(t *testing.T) {
	spec := Spec{ConfigSchema: `{"type":"object","properties":{
		"accounts":{"type":"array","items":{"type":"object","properties":{"api_key":{"secret":true}}}},
		"streams":{"type":"object","additionalProperties":{"type":"object","properties":{"token":{"secret":true}}}},
		"keys":{"type":"array","secret":true,"items":{"type":"string"}},
		"odd.name":{"secret":true}}}`}
	config := `{"accounts":[{"api_key":"k1"},{"api_key":"k2"}],"streams":{"a":{"token":"t1"},"b":{"token":"t2"}},"odd.name":"o1","keys":["x1","x2"]}`
	var found []string
	for _, path := range spec.SecretFields() {
		r := gjson.Get(config, path)
		if r.IsArray() {
			for _, v := range r.Array() {
				found = append(found, v.String())
			}
			continue
		}
		found = append(found, r.String())
	}
	slices.Sort(found)
	if want := []string{"k1", "k2", "o1", "t1", "t2", "x1", "x2"}; !slices.Equal(found, want) {
		t.Errorf("secret values found %q, want %q (paths %q)", found, want, spec.SecretFields())
	}
}

func TestSpecValidate(t *testing.T) {
	valid := func() Spec {
		return Spec{Name: "x", Version: "1.0.0", ConfigSchema: `{"type":"object"}`,
			Streams: []StreamSpec{{Name: "a"}, {Name: "b"}}}
	}
	tests := []struct {
		name   string
		change func(*Spec)
		want   string // "" means valid
	}{
		{"valid", func(*Spec) {}, ""},
		{"no schema, no streams", func(s *Spec) { s.ConfigSchema, s.Streams = "", nil }, ""},
		{"no name", func(s *Spec) { s.Name = "" }, "name is empty"},
		{"no version", func(s *Spec) { s.Version = "" }, "spec x: version is empty"},
		{"schema not JSON", func(s *Spec) { s.ConfigSchema = "{type: object}" }, "config schema is not a JSON object"},
		{"schema an array", func(s *Spec) { s.ConfigSchema = "[]" }, "config schema is not a JSON object"},
		{"stream without name", func(s *Spec) { s.Streams[1].Name = "" }, "stream 1 has no name"},
		{"stream twice", func(s *Spec) { s.Streams[1].Name = "a" }, `stream "a" is declared twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.change(&s)
			err := s.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSpecStreams(t *testing.T) {
	s := Spec{Streams: []StreamSpec{{Name: "contacts", CursorField: "updated"}, {Name: "tickets"}}}
	if got := s.StreamNames(); !slices.Equal(got, []string{"contacts", "tickets"}) {
		t.Errorf("StreamNames() = %q, want [contacts tickets]", got)
	}
	if st, ok := s.Stream("contacts"); !ok || st.CursorField != "updated" {
		t.Errorf("Stream(contacts) = %+v, %v; want the contacts stream", st, ok)
	}
	if _, ok := s.Stream("orders"); ok {
		t.Error("Stream(orders) found a stream the spec does not have")
	}
}
