package sdk

import (
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
