package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync"

	"github.com/cxhub/cxhub/sdk/configschema"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/tidwall/gjson"
)

// ConfigSchemaOf returns the config schema (for Spec.ConfigSchema) that
// the struct T declares with its tags: one declaration of a connection's
// config gives its schema, its defaults, its secrets, its reference page
// and, with DecodeConfig, its decoding. configschema.Reflect lists the
// tags:
//
//	type Config struct {
//		Token   string `json:"token" required:"true" secret:"true" minLength:"1" doc:"API token."`
//		BaseURL string `json:"base_url" default:"https://api.example.com" pattern:"^https?://" doc:"Root of the API."`
//		Rate    int    `json:"requests_per_second" default:"4" minimum:"1" maximum:"100" doc:"Pace of requests."`
//	}
//
// A tag that does not fit its field is a bug of the connector, found by
// the first call (its conformance suite makes one): ConfigSchemaOf panics
// on it, as regexp.MustCompile does, since a Spec has no error to return.
func ConfigSchemaOf[T any]() string {
	r, err := reflectConfig[T]()
	if err != nil {
		panic(err)
	}
	return r.schema
}

// ConfigValidator is implemented by a config struct that checks what its
// schema cannot say (a URL that parses, a duration, two fields that go
// together) or derives fields from others. DecodeConfig calls Validate on
// the decoded config, defaults applied; an error it returns is made a
// ConfigError unless it already has a kind.
type ConfigValidator interface {
	Validate() error
}

// DecodeConfig decodes a connection's config into T: it validates raw
// against ConfigSchemaOf[T] exactly as the core does (so that a config is
// checked the same way in-process, in tests and in production), applies
// the schema's defaults to what raw leaves out, decodes raw on top, and
// calls Validate if *T is a ConfigValidator. Integral numbers written as
// 1e3 or 1000.0, which the schema's "integer" accepts, decode into integer
// fields. Every failure is a ConfigError naming the property at fault.
func DecodeConfig[T any](raw Config) (T, error) {
	var cfg T
	r, err := reflectConfig[T]()
	if err != nil {
		return cfg, err
	}
	doc := []byte(raw)
	if len(bytes.TrimSpace(doc)) == 0 {
		doc = []byte("{}")
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return cfg, ConfigError(fmt.Errorf("decode config: %w", err))
	}
	if err := r.compiled.Validate(inst); err != nil {
		return cfg, ConfigError(fmt.Errorf("decode config: %s", strings.Join(configschema.Violations(err, doc), "; ")))
	}
	if err := json.Unmarshal(r.defaults, &cfg); err != nil {
		return cfg, fmt.Errorf("decode config defaults: %w", err)
	}
	norm, err := json.Marshal(integral(inst))
	if err != nil {
		return cfg, ConfigError(fmt.Errorf("decode config: %w", err))
	}
	if err := json.Unmarshal(norm, &cfg); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			// A number the schema allows that the field cannot hold: 1e30 for an int64.
			return cfg, ConfigError(fmt.Errorf("decode config: %s is %s: does not fit in %s", te.Field,
				gjson.GetBytes(doc, te.Field).Raw, te.Type))
		}
		return cfg, ConfigError(fmt.Errorf("decode config: %w", err))
	}
	if v, ok := any(&cfg).(ConfigValidator); ok {
		if err := v.Validate(); err != nil {
			if KindOf(err) == KindUnknown {
				err = ConfigError(err)
			}
			return cfg, err
		}
	}
	return cfg, nil
}

// integral rewrites the integral numbers of a decoded JSON value (1e3,
// 1000.0) as integers, so that they decode into integer fields.
func integral(v any) any {
	switch v := v.(type) {
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return v
		}
		f, ok := new(big.Float).SetPrec(256).SetString(string(v))
		if ok && f.IsInt() {
			i, _ := f.Int(nil)
			return json.Number(i.String())
		}
		return v
	case map[string]any:
		for k, e := range v {
			v[k] = integral(e)
		}
	case []any:
		for i, e := range v {
			v[i] = integral(e)
		}
	}
	return v
}

// reflectedConfig is what one config struct gives, computed once.
type reflectedConfig struct {
	schema   string
	defaults []byte
	compiled *jsonschema.Schema
}

// reflectedConfigs caches reflectConfig by type: a struct's tags do not
// change while the program runs.
var reflectedConfigs sync.Map // reflect.Type → *reflectedConfig or error

func reflectConfig[T any]() (*reflectedConfig, error) {
	t := reflect.TypeFor[T]()
	if v, ok := reflectedConfigs.Load(t); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*reflectedConfig), nil
	}
	r, err := configschema.Reflect(t)
	var out *reflectedConfig
	if err == nil {
		var sch *jsonschema.Schema
		if sch, err = configschema.Compile(r.Schema); err == nil {
			out = &reflectedConfig{schema: r.Schema, defaults: r.Defaults, compiled: sch}
		}
	}
	if err != nil {
		err = fmt.Errorf("config struct %s: %w", t, err)
		reflectedConfigs.Store(t, err)
		return nil, err
	}
	reflectedConfigs.Store(t, out)
	return out, nil
}
