package configschema

import (
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"github.com/tidwall/gjson"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Violations words a validation error of doc, one line per violated
// keyword, each naming the property by its dotted path and quoting the
// value as written: `count is -1: must be >= 0`, `token: missing`,
// `cuont: unknown property`. An error that is not a
// *jsonschema.ValidationError gives its own message.
func Violations(err error, doc []byte) []string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []string{err.Error()}
	}
	p := message.NewPrinter(language.English)
	var out []string
	var walk func(*jsonschema.ValidationError)
	walk = func(ve *jsonschema.ValidationError) {
		switch ve.ErrorKind.(type) {
		case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
			if len(ve.Causes) > 0 {
				for _, c := range ve.Causes {
					walk(c)
				}
				return
			}
		}
		at := strings.Join(ve.InstanceLocation, ".")
		switch k := ve.ErrorKind.(type) {
		case *kind.Required:
			for _, name := range k.Missing {
				out = append(out, join(at, name)+": missing")
			}
		case *kind.AnyOf:
			if names := missing(ve); names != nil {
				out = append(out, join(at, strings.Join(names, " or "))+": missing: give one")
				return
			}
			value := gjson.GetBytes(doc, pointerPath(ve.InstanceLocation)).Raw
			out = append(out, fmt.Sprintf("%s is %s: %s", orConfig(at), clip(value), ve.ErrorKind.LocalizedString(p)))
		case *kind.AdditionalProperties:
			for _, name := range k.Properties {
				out = append(out, join(at, name)+": unknown property")
			}
		default:
			what := orConfig(at)
			value := gjson.GetBytes(doc, pointerPath(ve.InstanceLocation)).Raw
			if len(ve.InstanceLocation) == 0 {
				value = strings.TrimSpace(string(doc))
			}
			out = append(out, fmt.Sprintf("%s is %s: %s", what, clip(value), ve.ErrorKind.LocalizedString(p)))
		}
	}
	walk(ve)
	return out
}

func join(base, name string) string {
	if base == "" {
		return name
	}
	return base + "." + name
}

// pointerPath turns an instance location into a gjson path.
func pointerPath(tokens []string) string {
	parts := make([]string, len(tokens))
	for i, t := range tokens {
		var b strings.Builder
		for _, r := range t {
			if strings.ContainsRune(`.*?|#@\!=<>%"`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, ".")
}

// missing returns the properties an anyOf of required alternatives lacks,
// or nil if one of its alternatives failed for another reason.
func missing(ve *jsonschema.ValidationError) []string {
	var names []string
	var walk func(*jsonschema.ValidationError) bool
	walk = func(e *jsonschema.ValidationError) bool {
		if r, ok := e.ErrorKind.(*kind.Required); ok {
			names = append(names, r.Missing...)
			return true
		}
		if len(e.Causes) == 0 {
			return false
		}
		for _, c := range e.Causes {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	for _, c := range ve.Causes {
		if !walk(c) {
			return nil
		}
	}
	return names
}

func orConfig(at string) string {
	if at == "" {
		return "the config"
	}
	return at
}

// clip shortens a value quoted in a message.
func clip(value string) string {
	if len(value) > 60 {
		return value[:57] + "..."
	}
	return value
}
