package sdktest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/configschema"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// recordSchemaURL names a stream's record schema inside its compiler, so
// that errors about it do not call it a config schema.
const recordSchemaURL = "cxhub:///stream-record.schema.json"

// compileConfigSchema compiles a spec's config schema exactly as the core
// does (sdk/configschema); an empty schema gives nil.
func compileConfigSchema(raw string) (*jsonschema.Schema, error) {
	return configschema.Compile(raw)
}

// compileRecordSchema compiles a stream's record schema as the core
// compiles config schemas; an empty schema gives nil.
func compileRecordSchema(raw string) (*jsonschema.Schema, error) {
	return configschema.CompileAt(recordSchemaURL, raw)
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
	sch, err := compileConfigSchema(spec.ConfigSchema)
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
