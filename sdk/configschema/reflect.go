package configschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Draft is the "$schema" of every schema Reflect writes.
const Draft = "https://json-schema.org/draft/2020-12/schema"

// Reflected is what Reflect derives from one config struct.
type Reflected struct {
	// Schema is the JSON Schema text, for sdk.Spec.ConfigSchema.
	Schema string
	// Defaults is a JSON object of the default of every property that has
	// one, nested objects included (not the values of maps or the
	// elements of arrays, which have no place before the config names
	// them). Decoding it into a zero struct before the config gives the
	// config its defaults.
	Defaults []byte
}

// Reflect derives a config schema from a struct type (or a pointer to
// one). Every exported field with a json name is a property, in field
// order, of the type its Go type says: string, integer, number, boolean,
// array (a slice), object (a map with string keys, or a nested struct).
// A struct allows no property it does not declare. Tags say the rest:
//
//	doc:"..."           the description
//	required:"true"     the property must be present
//	secret:"true"       "secret": true: the core redacts the value
//	default:"..."       the default: the text itself for a string, else JSON (4, true, ["a"])
//	enum:"a,b"          the allowed values, comma-separated, typed as the field
//	minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf:"n"
//	minLength, maxLength, pattern, format:"..."
//	minItems, maxItems, uniqueItems, minProperties, maxProperties
//	keyPattern:"..."    the pattern every key of a map must match (propertyNames)
//
// A field of type any or json.RawMessage takes any JSON value, or those
// of the types its tag type:"string,integer" lists. A blank field declares
// a rule of the whole object: `_ struct{} anyOfRequired:"subdomain,base_url"`
// requires at least one of the properties named, and `_ struct{}
// additionalProperties:"true"` lets the object hold properties it does not
// declare (a record whose other fields are kept as they are).
//
// On a slice or a map, enum, minLength, maxLength, pattern and format
// apply to its elements or values, and the count keywords to it. A tag
// that does not fit its field is an error, so that a typo does not quietly
// loosen the schema.
func Reflect(t reflect.Type) (Reflected, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return Reflected{}, fmt.Errorf("reflecting config schema of %s: want a struct", t)
	}
	root, defaults, err := structSchema(t, t.String())
	if err != nil {
		return Reflected{}, fmt.Errorf("reflecting config schema of %s: %w", t, err)
	}
	root.insertFront("$schema", Draft)
	flat, err := marshal(root)
	if err != nil {
		return Reflected{}, fmt.Errorf("writing config schema of %s: %w", t, err)
	}
	var schema bytes.Buffer
	if err := json.Indent(&schema, flat, "", "  "); err != nil {
		return Reflected{}, fmt.Errorf("indenting config schema of %s: %w", t, err)
	}
	def, err := marshal(defaults)
	if err != nil {
		return Reflected{}, fmt.Errorf("writing config defaults of %s: %w", t, err)
	}
	if _, err := Compile(schema.String()); err != nil {
		return Reflected{}, fmt.Errorf("config schema of %s: %w", t, err)
	}
	return Reflected{Schema: schema.String(), Defaults: def}, nil
}

// structSchema returns the schema of a struct and the defaults of its
// properties.
func structSchema(t reflect.Type, where string) (*object, *object, error) {
	props, defaults := &object{}, &object{}
	var required []string
	var anyOf []any
	open := false
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Name == "_" {
			if f.Tag.Get("additionalProperties") == "true" {
				open = true
				continue
			}
			names, ok := f.Tag.Lookup("anyOfRequired")
			if !ok {
				return nil, nil, fmt.Errorf("%s: a blank field declares nothing but anyOfRequired or additionalProperties", where)
			}
			for _, name := range strings.Split(names, ",") {
				alt := &object{}
				alt.set("required", []string{name})
				anyOf = append(anyOf, alt)
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if f.Anonymous {
			return nil, nil, fmt.Errorf("%s.%s: embedded fields are not supported: name the field", where, f.Name)
		}
		if name == "" {
			return nil, nil, fmt.Errorf("%s.%s: no json name", where, f.Name)
		}
		at := where + "." + name
		prop, def, err := fieldSchema(f, at)
		if err != nil {
			return nil, nil, err
		}
		props.set(name, prop)
		if def != nil {
			defaults.set(name, def)
		}
		if f.Tag.Get("required") == "true" {
			required = append(required, name)
		}
	}
	s := &object{}
	s.set("type", "object")
	if !open {
		s.set("additionalProperties", false)
	}
	if len(required) > 0 {
		s.set("required", required)
	}
	if len(anyOf) > 0 {
		s.set("anyOf", anyOf)
	}
	s.set("properties", props)
	return s, defaults, nil
}

// fieldSchema returns the schema of one field and its default (nil for none).
func fieldSchema(f reflect.StructField, at string) (*object, any, error) {
	s, elem, err := typeSchema(f.Type, at)
	if err != nil {
		return nil, nil, err
	}
	tag := f.Tag
	var nested *object // a nested struct's defaults
	if t := deref(f.Type); t.Kind() == reflect.Struct {
		var sub *object
		s, sub, err = structSchema(t, at)
		if err != nil {
			return nil, nil, err
		}
		if len(sub.keys) > 0 {
			nested = sub
		}
	}
	if types, ok := tag.Lookup("type"); ok {
		if !isAny(f.Type) {
			return nil, nil, fmt.Errorf("%s: a type tag needs a field of type any or json.RawMessage", at)
		}
		s.set("type", strings.Split(types, ","))
	}
	if doc, ok := tag.Lookup("doc"); ok {
		s.insertFront("description", doc)
	}
	if tag.Get("secret") == "true" {
		s.set("secret", true)
	}
	for _, kw := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} {
		if err := numberKeyword(s, tag, kw, at, isNumber(f.Type)); err != nil {
			return nil, nil, err
		}
	}
	container := elem != nil
	target := s // where the element keywords go
	if container {
		target = elem
	}
	for _, kw := range []string{"minItems", "maxItems", "minProperties", "maxProperties"} {
		fits := (strings.HasSuffix(kw, "Items") && deref(f.Type).Kind() == reflect.Slice) ||
			(strings.HasSuffix(kw, "Properties") && deref(f.Type).Kind() == reflect.Map)
		if err := numberKeyword(s, tag, kw, at, fits); err != nil {
			return nil, nil, err
		}
	}
	for _, kw := range []string{"minLength", "maxLength"} {
		if err := numberKeyword(target, tag, kw, at, isString(elemType(f.Type))); err != nil {
			return nil, nil, err
		}
	}
	for _, kw := range []string{"pattern", "format"} {
		if v, ok := tag.Lookup(kw); ok {
			if !isString(elemType(f.Type)) {
				return nil, nil, fmt.Errorf("%s: %s on a field that holds no strings", at, kw)
			}
			target.set(kw, v)
		}
	}
	if v, ok := tag.Lookup("uniqueItems"); ok {
		if deref(f.Type).Kind() != reflect.Slice || v != "true" {
			return nil, nil, fmt.Errorf("%s: uniqueItems:%q: want \"true\" on a slice", at, v)
		}
		s.set("uniqueItems", true)
	}
	if v, ok := tag.Lookup("keyPattern"); ok {
		if deref(f.Type).Kind() != reflect.Map {
			return nil, nil, fmt.Errorf("%s: keyPattern on a field that is not a map", at)
		}
		kp := &object{}
		kp.set("pattern", v)
		s.set("propertyNames", kp)
	}
	if v, ok := tag.Lookup("enum"); ok {
		var values []any
		for _, part := range strings.Split(v, ",") {
			val, err := literal(elemType(f.Type), part)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: enum value %q: %w", at, part, err)
			}
			values = append(values, val)
		}
		target.set("enum", values)
	}
	var def any
	if v, ok := tag.Lookup("default"); ok {
		if def, err = literal(f.Type, v); err != nil {
			return nil, nil, fmt.Errorf("%s: default %q: %w", at, v, err)
		}
		s.set("default", def)
	} else if nested != nil {
		def = nested
	}
	// The properties of a nested object come last, after its own keywords.
	if props, ok := s.get("properties"); ok {
		s.del("properties")
		s.set("properties", props)
	}
	return s, def, nil
}

// typeSchema returns the schema of a Go type, and for a slice or a map the
// schema of its elements (also inside the first).
func typeSchema(t reflect.Type, at string) (s, elem *object, err error) {
	t = deref(t)
	s = &object{}
	if isAny(t) {
		return s, nil, nil // any JSON value
	}
	switch t.Kind() {
	case reflect.String:
		s.set("type", "string")
	case reflect.Bool:
		s.set("type", "boolean")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s.set("type", "integer")
		if t.Kind() >= reflect.Uint {
			s.set("minimum", 0)
		}
	case reflect.Float32, reflect.Float64:
		s.set("type", "number")
	case reflect.Struct:
		// fieldSchema fills it in.
	case reflect.Slice:
		if elem, err = itemSchema(t.Elem(), at+"[]"); err != nil {
			return nil, nil, err
		}
		s.set("type", "array")
		s.set("items", elem)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, nil, fmt.Errorf("%s: a map's keys must be strings, not %s", at, t.Key())
		}
		if elem, err = itemSchema(t.Elem(), at+"{}"); err != nil {
			return nil, nil, err
		}
		s.set("type", "object")
		s.set("additionalProperties", elem)
	default:
		return nil, nil, fmt.Errorf("%s: type %s has no config schema", at, t)
	}
	return s, elem, nil
}

// itemSchema returns the schema of a slice's elements or a map's values.
func itemSchema(t reflect.Type, at string) (*object, error) {
	if d := deref(t); d.Kind() == reflect.Struct {
		s, _, err := structSchema(d, at)
		return s, err
	}
	s, _, err := typeSchema(t, at)
	return s, err
}

// numberKeyword copies a tag holding a JSON number into s under kw.
func numberKeyword(s *object, tag reflect.StructTag, kw, at string, fits bool) error {
	v, ok := tag.Lookup(kw)
	if !ok {
		return nil
	}
	if !fits {
		return fmt.Errorf("%s: %s does not apply to this field's type", at, kw)
	}
	n := json.Number(v)
	if _, err := n.Float64(); err != nil {
		return fmt.Errorf("%s: %s:%q: want a number", at, kw, v)
	}
	s.set(kw, n)
	return nil
}

// literal parses a tag's value as a value of type t: a string as it is
// written, anything else as JSON.
func literal(t reflect.Type, text string) (any, error) {
	if isString(t) {
		return text, nil
	}
	v := reflect.New(t)
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v.Interface()); err != nil {
		return nil, fmt.Errorf("not a JSON %s: %w", t, err)
	}
	return json.RawMessage(text), nil
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// elemType is the type of a slice's elements or a map's values, or t.
func elemType(t reflect.Type) reflect.Type {
	t = deref(t)
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		return deref(t.Elem())
	}
	return t
}

// isAny reports whether a field holds any JSON value: an interface or a
// json.RawMessage.
func isAny(t reflect.Type) bool {
	t = deref(t)
	return t.Kind() == reflect.Interface || t == reflect.TypeFor[json.RawMessage]()
}

func isString(t reflect.Type) bool { return deref(t).Kind() == reflect.String }

func isNumber(t reflect.Type) bool {
	k := deref(t).Kind()
	return k >= reflect.Int && k <= reflect.Float64
}

// object is a JSON object that keeps its keys in the order they were set,
// so that a schema lists its properties in the order of the struct.
type object struct {
	keys   []string
	values map[string]any
}

func (o *object) set(k string, v any) {
	if o.values == nil {
		o.values = map[string]any{}
	}
	if _, ok := o.values[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.values[k] = v
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.values[k]
	return v, ok
}

func (o *object) del(k string) {
	if _, ok := o.values[k]; !ok {
		return
	}
	delete(o.values, k)
	for i, key := range o.keys {
		if key == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			return
		}
	}
}

// insertFront sets k as the object's first key.
func (o *object) insertFront(k string, v any) {
	o.del(k)
	o.set(k, v)
	o.keys = append([]string{k}, o.keys[:len(o.keys)-1]...)
}

// MarshalJSON writes the object's keys in order.
func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := marshal(k)
		if err != nil {
			return nil, fmt.Errorf("writing key %q: %w", k, err)
		}
		b.Write(key)
		b.WriteByte(':')
		v, err := marshal(o.values[k])
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", k, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal is json.Marshal without HTML escapes, so that a description
// or a pattern reads in the schema as it was written ("<stream>", "&").
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
