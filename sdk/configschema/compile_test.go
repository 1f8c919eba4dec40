package configschema_test

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk/configschema"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestCompile(t *testing.T) {
	tests := []struct {
		name    string
		schema  string
		wantErr string   // in the error; "" for none
		valid   []string // documents the schema accepts
		invalid []string // documents it refuses
	}{{
		name: "blank", schema: " \n",
	}, {
		name:    "object",
		schema:  `{"type":"object","required":["token"],"properties":{"token":{"type":"string","secret":true}}}`,
		valid:   []string{`{"token":"t"}`},
		invalid: []string{`{}`, `{"token":3}`},
	}, {
		name:    "local ref",
		schema:  `{"$defs":{"url":{"type":"string","pattern":"^https?://"}},"properties":{"base_url":{"$ref":"#/$defs/url"}}}`,
		valid:   []string{`{"base_url":"https://x"}`},
		invalid: []string{`{"base_url":"ftp://x"}`},
	}, {
		// 2020-12: items applies after prefixItems.
		name:    "draft 2020-12 by default",
		schema:  `{"prefixItems":[{"type":"string"}],"items":false}`,
		valid:   []string{`["a"]`},
		invalid: []string{`["a","b"]`},
	}, {
		// draft-07 ignores prefixItems, and items false allows no item.
		name:    "another draft when named",
		schema:  `{"$schema":"http://json-schema.org/draft-07/schema#","prefixItems":[{"type":"string"}],"items":false}`,
		valid:   []string{`[]`},
		invalid: []string{`["a"]`},
	}, {
		name: "external ref", schema: `{"$ref":"https://example.com/config.json"}`,
		wantErr: `external $ref "https://example.com/config.json" is not supported: the schema must be self-contained`,
	}, {
		name: "file ref", schema: `{"properties":{"a":{"$ref":"other.json"}}}`,
		wantErr: "the schema must be self-contained",
	}, {
		name: "not JSON", schema: `{"type":`, wantErr: "parsing: ",
	}, {
		name: "invalid", schema: `{"type":"objekt"}`, wantErr: "compiling: ",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sch, err := configschema.Compile(tt.schema)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Compile(%s) = %v, want an error saying %q", tt.schema, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Compile(%s): %v", tt.schema, err)
			}
			if strings.TrimSpace(tt.schema) == "" {
				if sch != nil {
					t.Fatalf("Compile of a blank schema = %v, want nil", sch)
				}
				return
			}
			for _, doc := range tt.valid {
				if err := validate(t, sch, doc); err != nil {
					t.Errorf("%s was refused: %v", doc, err)
				}
			}
			for _, doc := range tt.invalid {
				if err := validate(t, sch, doc); err == nil {
					t.Errorf("%s was accepted", doc)
				}
			}
		})
	}
}

func TestCompileAtNamesTheSchema(t *testing.T) {
	const url = "cxhub:///records/people.schema.json"
	_, err := configschema.CompileAt(url, `{"type":"objekt"}`)
	if err == nil || !strings.Contains(err.Error(), url) {
		t.Errorf("CompileAt(%q) of an invalid schema = %v, want an error naming %s", url, err, url)
	}
	_, err = configschema.Compile(`{"type":"objekt"}`)
	if err == nil || !strings.Contains(err.Error(), configschema.ConfigURL) {
		t.Errorf("Compile of an invalid schema = %v, want an error naming %s", err, configschema.ConfigURL)
	}
}

func validate(t *testing.T, sch *jsonschema.Schema, doc string) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("test document %s: %v", doc, err)
	}
	return sch.Validate(inst)
}
