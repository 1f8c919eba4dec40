package specdoc

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// Header is the first line of every page: it says where the page comes
// from, so that nobody edits it by hand.
const Header = "<!-- Generated from the connector's spec by `make docs`; do not edit. -->"

// Markdown returns the reference page of a connector.
func Markdown(spec sdk.Spec) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\n# The %s connector\n\n", Header, spec.Name)
	fmt.Fprintf(&b, "%s\n\n", spec.Description)
	fmt.Fprintf(&b, "- Version: %s\n- System kind: %s\n- Plugin binary: `cxhub-connector-%s`\n\n", spec.Version, spec.Kind, spec.Name)
	writeConfig(&b, spec)
	writeStreams(&b, spec)
	return b.Bytes()
}

// writeConfig writes the config's keys, nested ones by their dotted path.
func writeConfig(b *bytes.Buffer, spec sdk.Spec) {
	b.WriteString("## Config\n\n")
	schema := gjson.Parse(spec.ConfigSchema)
	if strings.TrimSpace(spec.ConfigSchema) == "" || !schema.Get("properties").Exists() {
		b.WriteString("The connector takes no config.\n\n")
		return
	}
	b.WriteString("| key | type | default | required | secret | description |\n|---|---|---|---|---|---|\n")
	writeProperties(b, schema, "")
	if alts := schema.Get("anyOf.#.required.0").Array(); len(alts) > 0 {
		names := make([]string, len(alts))
		for i, a := range alts {
			names[i] = "`" + a.String() + "`"
		}
		fmt.Fprintf(b, "\nGive at least one of %s.\n", strings.Join(names, ", "))
	}
	b.WriteString("\n")
}

// writeProperties writes one row per property of an object schema, then
// the rows of its nested objects.
func writeProperties(b *bytes.Buffer, obj gjson.Result, prefix string) {
	required := map[string]bool{}
	for _, r := range obj.Get("required").Array() {
		required[r.String()] = true
	}
	obj.Get("properties").ForEach(func(name, prop gjson.Result) bool {
		key := prefix + name.String()
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s |\n", key, strings.ReplaceAll(typeOf(prop), "|", `\|`), strings.ReplaceAll(defaultOf(prop), "|", `\|`),
			yes(required[name.String()]), yes(prop.Get("secret").Bool()), cell(prop.Get("description").String()))
		switch {
		case prop.Get("properties").Exists():
			writeProperties(b, prop, key+".")
		case prop.Get("additionalProperties.properties").Exists():
			writeProperties(b, prop.Get("additionalProperties"), key+".<name>.")
		case prop.Get("items.properties").Exists():
			writeProperties(b, prop.Get("items"), key+"[].")
		}
		return true
	})
}

// typeOf describes a property's type and the bounds it must keep.
func typeOf(prop gjson.Result) string {
	t := prop.Get("type")
	var s string
	switch {
	case t.IsArray():
		var parts []string
		for _, p := range t.Array() {
			parts = append(parts, p.String())
		}
		s = strings.Join(parts, " or ")
	case t.String() == "array":
		s = "list of " + typeOf(prop.Get("items"))
	case t.String() == "object" && prop.Get("additionalProperties").IsObject():
		s = "map of " + typeOf(prop.Get("additionalProperties"))
	case t.Exists():
		s = t.String()
	default:
		s = "any"
	}
	var c []string
	if e := prop.Get("enum"); e.Exists() {
		var vals []string
		for _, v := range e.Array() {
			vals = append(vals, "`"+v.Raw+"`")
		}
		c = append(c, "one of "+strings.Join(vals, ", "))
	}
	bound := func(kw, what string) {
		if v := prop.Get(kw); v.Exists() {
			c = append(c, what+" "+v.Raw)
		}
	}
	bound("minimum", "≥")
	bound("exclusiveMinimum", ">")
	bound("maximum", "≤")
	bound("exclusiveMaximum", "<")
	bound("minLength", "length ≥")
	bound("maxLength", "length ≤")
	bound("minItems", "items ≥")
	bound("maxItems", "items ≤")
	if prop.Get("uniqueItems").Bool() {
		c = append(c, "unique")
	}
	if v := prop.Get("pattern"); v.Exists() {
		c = append(c, "matching `"+v.String()+"`")
	}
	if v := prop.Get("propertyNames.pattern"); v.Exists() {
		c = append(c, "names matching `"+v.String()+"`")
	}
	if v := prop.Get("format"); v.Exists() {
		c = append(c, v.String())
	}
	if len(c) > 0 {
		s += " (" + strings.Join(c, "; ") + ")"
	}
	return s
}

func defaultOf(prop gjson.Result) string {
	d := prop.Get("default")
	if !d.Exists() {
		return ""
	}
	return "`" + d.Raw + "`"
}

// writeStreams writes each stream's capabilities, canonical kind and fields.
func writeStreams(b *bytes.Buffer, spec sdk.Spec) {
	b.WriteString("## Streams\n\n")
	if len(spec.Streams) == 0 {
		b.WriteString("The streams depend on the config: the connector discovers them (`cxhub discover <connection>`).\n")
		return
	}
	b.WriteString("| stream | read | incremental read | write | delete | webhook | canonical kind | primary key | cursor field |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, st := range spec.Streams {
		c := st.Capabilities
		kind := string(st.Canonical)
		if st.InteractionKind != "" {
			kind += " (" + st.InteractionKind + ")"
		}
		fmt.Fprintf(b, "| [`%s`](#%s) | %s | %s | %s | %s | %s | %s | %s | %s |\n", st.Name, anchor(st.Name),
			yes(c.Read), yes(c.IncrementalRead), yes(c.Write), yes(c.Delete), yes(c.Webhook), kind,
			code(strings.Join(st.PrimaryKey, ", ")), code(st.CursorField))
	}
	for _, st := range spec.Streams {
		fmt.Fprintf(b, "\n### %s\n\n", st.Name)
		if st.Description != "" {
			fmt.Fprintf(b, "%s\n\n", st.Description)
		}
		if len(st.CanonicalFields) == 0 {
			b.WriteString("No canonical fields.\n")
			continue
		}
		b.WriteString("| canonical field | path in the record |\n|---|---|\n")
		names := make([]string, 0, len(st.CanonicalFields))
		for n := range st.CanonicalFields {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(b, "| `%s` | `%s` |\n", n, st.CanonicalFields[n])
		}
	}
}

// anchor is the id GitHub gives the heading of a stream.
func anchor(name string) string {
	return strings.ToLower(strings.NewReplacer(" ", "-", ".", "").Replace(name))
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

// cell makes a table cell of plain text: a | would end it, and <stream>
// would be taken for an HTML tag.
func cell(s string) string {
	return cellEscaper.Replace(s)
}

var cellEscaper = strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;")
