package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/configschema"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"github.com/tidwall/gjson"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// configSchema is a connector's compiled config schema.
type configSchema struct {
	schema *jsonschema.Schema
	raw    string // the schema's text, to list the properties an object allows
}

// compileConfigSchema compiles spec's config schema as every part of
// cxhub does (sdk/configschema). An empty schema gives nil: any config goes.
func compileConfigSchema(spec sdk.Spec) (*configSchema, error) {
	sch, err := configschema.Compile(spec.ConfigSchema)
	if err != nil || sch == nil {
		return nil, err
	}
	return &configSchema{schema: sch, raw: spec.ConfigSchema}, nil
}

// validate checks one connection's config and records each violation at the
// YAML position of the offending key or value.
func (s *configSchema) validate(errs *errorList, conn *Connection, nodes connNodes, path string) {
	raw := conn.Config
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		errs.at(nodes.configKey, keyPath(path, "config"), fmt.Sprintf("config is not valid JSON: %v", err))
		return
	}
	err = s.schema.Validate(inst)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		if err != nil {
			errs.at(nodes.configKey, keyPath(path, "config"), err.Error())
		}
		return
	}
	r := &schemaReporter{errs: errs, nodes: nodes, path: keyPath(path, "config"), raw: s.raw}
	r.report(ve)
}

// schemaReporter turns a tree of validation errors into positioned errors.
type schemaReporter struct {
	errs  *errorList
	nodes connNodes
	path  string // of the config
	raw   string // the schema's text
}

// report records the leaves of the error tree. Wrapper errors (the whole
// schema, a $ref, allOf) give way to their causes; anyOf and oneOf give one
// error, as their causes describe alternatives.
func (r *schemaReporter) report(ve *jsonschema.ValidationError) {
	switch ve.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
		if len(ve.Causes) > 0 {
			for _, c := range ve.Causes {
				r.report(c)
			}
			return
		}
	}
	key, val, path := r.locate(ve.InstanceLocation)
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		at := key
		if at == nil { // the config itself
			at = r.configNode()
		}
		for _, name := range k.Missing {
			r.errs.at(at, keyPath(path, name), "missing required property")
		}
	case *kind.AdditionalProperties:
		allowed := r.properties(ve.SchemaURL)
		for _, name := range k.Properties {
			at, _, ppath := r.locate(append(ve.InstanceLocation[:len(ve.InstanceLocation):len(ve.InstanceLocation)], name))
			msg := "unknown property (the connector's config schema does not allow it)"
			if len(allowed) > 0 {
				msg = "unknown property " + listHint(name, "expected one of", allowed)
			}
			r.errs.at(at, ppath, msg)
		}
	default:
		at := val
		if at == nil || len(ve.InstanceLocation) == 0 {
			at = r.configNode()
		}
		msg := schemaMessage(ve.ErrorKind)
		if _, ok := ve.ErrorKind.(*kind.Pattern); ok {
			// A pattern says little to whoever did not write it: the
			// property's description says what it wants.
			if doc := strings.TrimSpace(r.schemaAt(ve.SchemaURL).Get("description").String()); doc != "" {
				msg += ": expected " + lowerFirst(strings.TrimSuffix(doc, "."))
			}
		}
		r.errs.at(at, path, msg)
	}
}

// lowerFirst lowers the first letter of a sentence to follow a colon,
// unless it starts a name written in capitals (an acronym such as URL).
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || !unicode.IsUpper(r) {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[size:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// configNode is where errors about the config as a whole point: at its
// "config:" key, or at the connection when the config is absent.
func (r *schemaReporter) configNode() *yaml.Node {
	if r.nodes.configKey != nil {
		return r.nodes.configKey
	}
	return r.nodes.key
}

// locate finds the YAML key and value nodes at a JSON pointer's tokens in the
// config, and the key path to name it by. Nodes it cannot find are nil.
func (r *schemaReporter) locate(tokens []string) (key, val *yaml.Node, path string) {
	path = r.path
	val = r.nodes.config
	for _, tok := range tokens {
		v := resolve(val)
		key, val = nil, nil
		switch {
		case v != nil && v.Kind == yaml.SequenceNode:
			path = path + "[" + tok + "]"
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(v.Content) {
				val = v.Content[i]
			}
		case v != nil && v.Kind == yaml.MappingNode:
			path = keyPath(path, tok)
			quiet := &decoder{errs: errorList{}, bad: map[*yaml.Node]bool{}}
			for _, p := range quiet.pairs(v, "", "key") {
				if p.key.Value == tok {
					key, val = p.key, p.val
					break
				}
			}
		default:
			path = keyPath(path, tok)
		}
	}
	return key, resolve(val), path
}

// schemaAt returns the schema object at schemaLoc (an absolute location
// ending in a JSON pointer fragment) in the schema's text.
func (r *schemaReporter) schemaAt(schemaLoc string) gjson.Result {
	_, frag, _ := strings.Cut(schemaLoc, "#")
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return gjson.Result{}
	}
	obj := gjson.Parse(r.raw)
	if frag != "" {
		for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			obj = obj.Get(gjson.Escape(tok))
		}
	}
	return obj
}

// properties lists, in schema order, the properties the schema object at
// schemaLoc declares.
func (r *schemaReporter) properties(schemaLoc string) []string {
	var names []string
	r.schemaAt(schemaLoc).Get("properties").ForEach(func(k, _ gjson.Result) bool {
		names = append(names, k.String())
		return true
	})
	return names
}

// schemaMessage words one violation without ever quoting the value that
// violates it, which may be a secret.
func schemaMessage(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		got := k.Got
		if got == "integer" {
			got = "number"
		}
		return fmt.Sprintf("expected %s, got %s", alternatives(k.Want), got)
	case *kind.Enum:
		return "expected " + alternatives(jsonValues(k.Want))
	case *kind.Const:
		return "expected " + jsonValues([]any{k.Want})[0]
	case *kind.Format:
		return fmt.Sprintf("expected a valid %s", k.Want)
	case *kind.Pattern:
		return fmt.Sprintf("does not match the pattern %q", k.Want)
	case *kind.MinLength:
		return fmt.Sprintf("expected at least %d characters", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("expected at most %d characters", k.Want)
	case *kind.Minimum:
		return "expected a number >= " + ratString(k.Want)
	case *kind.Maximum:
		return "expected a number <= " + ratString(k.Want)
	case *kind.ExclusiveMinimum:
		return "expected a number > " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return "expected a number < " + ratString(k.Want)
	case *kind.MultipleOf:
		return "expected a multiple of " + ratString(k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("expected at least %d items", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("expected at most %d items", k.Want)
	case *kind.AnyOf, *kind.OneOf:
		if k, ok := k.(*kind.OneOf); ok && len(k.Subschemas) > 1 {
			return "matches more than one of the forms the connector's config schema allows"
		}
		return "does not match any of the forms the connector's config schema allows"
	case *kind.ContentEncoding:
		return fmt.Sprintf("expected %s-encoded content", k.Want)
	case *kind.ContentMediaType:
		return fmt.Sprintf("expected content of media type %s", k.Want)
	case *kind.Not, *kind.FalseSchema:
		return "not allowed by the connector's config schema"
	default:
		// The remaining kinds hold counts, indexes and property names only.
		return k.LocalizedString(message.NewPrinter(language.English))
	}
}

// jsonValues renders schema values (never config values) as JSON.
func jsonValues(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		out[i] = string(b)
	}
	return out
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}
