package sdktest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaURL names a schema inside its own compiler.
const schemaURL = "cxhub:///sdktest.schema.json"

// noLoader refuses external $refs: the core refuses them too, since a
// connector's schemas must be self-contained.
type noLoader struct{}

func (noLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("external $ref %q is not supported: the schema must be self-contained", u)
}

// compileSchema compiles a JSON Schema as the core does: draft 2020-12
// unless the schema says otherwise, no external references. An empty
// schema gives nil.
func compileSchema(raw string) (*jsonschema.Schema, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(noLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("add schema: %w", err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("compile schema: %w", err)
	}
	return sch, nil
}

// validateJSON checks a JSON document against a compiled schema; a nil
// schema accepts anything.
func validateJSON(sch *jsonschema.Schema, doc []byte) error {
	if sch == nil {
		return nil
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		doc = []byte("{}")
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return errors.New(violations(ve))
		}
		return err
	}
	return nil
}

// validateConfig checks a config against the spec's config schema.
func validateConfig(spec sdk.Spec, cfg sdk.Config) error {
	sch, err := compileSchema(spec.ConfigSchema)
	if err != nil {
		return err
	}
	return validateJSON(sch, cfg)
}

// violations lists a validation error's violations on one line: "at
// '/records': got null, want array; at '/file': ...", without the header
// line naming the schema.
func violations(ve *jsonschema.ValidationError) string {
	lines := strings.Split(ve.Error(), "\n")
	var out []string
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- ")); l != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return strings.TrimSpace(lines[0])
	}
	return strings.Join(out, "; ")
}
