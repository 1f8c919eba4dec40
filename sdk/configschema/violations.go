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
		case *kind.AdditionalProperties:
			for _, name := range k.Properties {
				out = append(out, join(at, name)+": unknown property")
			}
		default:
			what := at
			if what == "" {
				what = "the config"
			}
			value := gjson.GetBytes(doc, pointerPath(ve.InstanceLocation)).Raw
			if len(ve.InstanceLocation) == 0 {
				value = strings.TrimSpace(string(doc))
			}
			if len(value) > 60 {
				value = value[:57] + "..."
			}
			out = append(out, fmt.Sprintf("%s is %s: %s", what, value, ve.ErrorKind.LocalizedString(p)))
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
