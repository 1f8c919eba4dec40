package configschema

import (
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ConfigURL is the address Compile gives a config schema inside its
// compiler. Compile errors, and the schema locations of validation errors
// (jsonschema.ValidationError.SchemaURL), start with it.
const ConfigURL = "cxhub:///connector-config.schema.json"

// Compile compiles schema, a connector's config schema (the text of
// sdk.Spec.ConfigSchema), as the core does. A blank schema gives nil and
// no error: the core then accepts any config.
func Compile(schema string) (*jsonschema.Schema, error) {
	return CompileAt(ConfigURL, schema)
}

// CompileAt compiles schema as Compile does, under another address: for a
// connector's other schemas (a stream's record schema), so that errors do
// not call them config schemas. url must be an absolute URL; its scheme
// is only a name, never fetched.
func CompileAt(url, schema string) (*jsonschema.Schema, error) {
	if strings.TrimSpace(schema) == "" {
		return nil, nil
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("parsing: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(noLoader{})
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("adding: %w", err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compiling: %w", err)
	}
	return sch, nil
}

// noLoader refuses every external $ref: nothing is fetched, from the
// network or the disk.
type noLoader struct{}

func (noLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("external $ref %q is not supported: the schema must be self-contained", u)
}
