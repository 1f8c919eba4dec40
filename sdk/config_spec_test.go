package sdk_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// acmeConfig declares every kind of property a connector's config has.
type acmeConfig struct {
	Token    string            `json:"token" required:"true" secret:"true" minLength:"1" doc:"API token."`
	BaseURL  string            `json:"base_url" default:"https://api.acme.test" pattern:"^https?://" doc:"Root of the API."`
	Rate     int               `json:"rate" default:"4" minimum:"1" maximum:"100"`
	Mode     string            `json:"mode" enum:"fast,safe" default:"safe"`
	Create   bool              `json:"create" default:"true"`
	Fields   []string          `json:"fields" uniqueItems:"true" minLength:"1" default:"[\"id\"]"`
	Accounts []acmeAccount     `json:"accounts"`
	Streams  map[string]stream `json:"streams" keyPattern:"^[a-z]+$"`
	Nested   nestedConfig      `json:"nested"`
	Empty    string            `json:"empty" default:""`
	Region   string            `json:"region"`
	Host     string            `json:"host"`
	_        struct{}          `anyOfRequired:"region,host"`

	derived string // not in the schema
}

type acmeAccount struct {
	Name   string `json:"name" required:"true"`
	APIKey string `json:"api_key" secret:"true"`
}

type stream struct {
	Key string `json:"key" default:"id" minLength:"1"`
}

type nestedConfig struct {
	Depth int `json:"depth" default:"2"`
}

// Validate derives a field, and refuses a rate of 13.
func (c *acmeConfig) Validate() error {
	if c.Rate == 13 {
		return errors.New("rate: 13 is unlucky")
	}
	c.derived = c.Mode + "!"
	return nil
}

func TestConfigSchemaOf(t *testing.T) {
	schema := sdk.ConfigSchemaOf[acmeConfig]()
	want := map[string]string{
		"$schema":                            `"https://json-schema.org/draft/2020-12/schema"`,
		"type":                               `"object"`,
		"additionalProperties":               `false`,
		"required":                           `["token"]`,
		"properties.token.type":              `"string"`,
		"properties.token.secret":            `true`,
		"properties.token.minLength":         `1`,
		"properties.token.description":       `"API token."`,
		"properties.base_url.default":        `"https://api.acme.test"`,
		"properties.base_url.pattern":        `"^https?://"`,
		"properties.rate.type":               `"integer"`,
		"properties.rate.minimum":            `1`,
		"properties.rate.maximum":            `100`,
		"properties.rate.default":            `4`,
		"properties.mode.enum":               `["fast","safe"]`,
		"properties.create.type":             `"boolean"`,
		"properties.create.default":          `true`,
		"properties.fields.type":             `"array"`,
		"properties.fields.uniqueItems":      `true`,
		"properties.fields.items":            `{"type":"string","minLength":1}`,
		"properties.fields.default":          `["id"]`,
		"properties.accounts.items.required": `["name"]`,
		"properties.streams.propertyNames":   `{"pattern":"^[a-z]+$"}`,
		"properties.streams.additionalProperties.properties.key.default": `"id"`,
		"properties.nested.additionalProperties":                         `false`,
		"properties.nested.properties.depth.default":                     `2`,
		"properties.empty.default":                                       `""`,
	}
	for path, w := range want {
		if got := gjson.Get(schema, path).Raw; compact(got) != w {
			t.Errorf("%s = %s, want %s", path, got, w)
		}
	}
	if gjson.Get(schema, "properties.derived").Exists() {
		t.Errorf("the unexported field is in the schema:\n%s", schema)
	}
	// The properties keep the struct's order, for the reference page.
	var order []string
	gjson.Get(schema, "properties").ForEach(func(k, _ gjson.Result) bool {
		order = append(order, k.String())
		return true
	})
	if want := []string{"token", "base_url", "rate", "mode", "create", "fields", "accounts", "streams", "nested", "empty", "region", "host"}; !reflect.DeepEqual(order, want) {
		t.Errorf("properties in order %v, want %v", order, want)
	}
}

// The core finds the secrets a struct tag marks, as it finds those of a
// hand-written schema.
func TestConfigSchemaOfSecrets(t *testing.T) {
	spec := sdk.Spec{Name: "acme", Version: "1.0.0", ConfigSchema: sdk.ConfigSchemaOf[acmeConfig]()}
	if got, want := spec.SecretFields(), []string{"accounts.#.api_key", "token"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SecretFields = %v, want %v", got, want)
	}
}

func TestDecodeConfig(t *testing.T) {
	cfg, err := sdk.DecodeConfig[acmeConfig](sdk.Config(`{"token":"t","rate":1e1,"streams":{"a":{}},"region":"eu"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := acmeConfig{Token: "t", BaseURL: "https://api.acme.test", Rate: 10, Mode: "safe", Create: true,
		Fields: []string{"id"}, Streams: map[string]stream{"a": {}}, Region: "eu", Nested: nestedConfig{Depth: 2}, derived: "safe!"}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("DecodeConfig = %+v, want %+v", cfg, want)
	}
	cfg, err = sdk.DecodeConfig[acmeConfig](sdk.Config(`{"token":"t","host":"h","host":"h","create":false,"fields":["a","b"],"nested":{"depth":0},"mode":"fast"}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Create || !reflect.DeepEqual(cfg.Fields, []string{"a", "b"}) || cfg.Nested.Depth != 0 || cfg.Mode != "fast" {
		t.Errorf("DecodeConfig kept a default over a value set: %+v", cfg)
	}
}

func TestDecodeConfigRefuses(t *testing.T) {
	tests := []struct{ raw, want string }{
		{``, "token: missing"},
		{`{"token":"t"}`, "region or host: missing: give one"},
		{`{"token":""}`, `token is "": minLength`},
		{`{"token":"t","host":"h","rate":0}`, "rate is 0: minimum"},
		{`{"token":"t","host":"h","rate":1.5}`, "rate is 1.5: "},
		{`{"token":"t","host":"h","rate":"4"}`, `rate is "4": got string, want integer`},
		{`{"token":"t","host":"h","mode":"slow"}`, `mode is "slow": value must be one of`},
		{`{"token":"t","host":"h","tokn":"x"}`, "tokn: unknown property"},
		{`{"token":"t","host":"h","fields":["a","a"]}`, "fields is"},
		{`{"token":"t","host":"h","streams":{"A":{}}}`, "streams is"},
		{`{"token":"t","host":"h","accounts":[{"api_key":"k"}]}`, "accounts.0.name: missing"},
		{`{"token":"t","host":"h","nested":{"depth":"x"}}`, `nested.depth is "x"`},
		{`[1]`, "the config is [1]: got array, want object"},
		{`{"token":`, "decode config"},
		{`{"token":"t","host":"h","rate":13}`, "rate: 13 is unlucky"},
		{`{"token":"t","host":"h","nested":{"depth":1e30}}`, "nested.depth is 1e30: does not fit in int"},
	}
	for _, tt := range tests {
		_, err := sdk.DecodeConfig[acmeConfig](sdk.Config(tt.raw))
		if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeConfig(%s) = %v (%s), want a ConfigError saying %q", tt.raw, err, sdk.KindOf(err), tt.want)
		}
	}
}

type badConfig struct {
	Rate string `json:"rate" minimum:"1"`
}

func TestConfigSchemaOfPanicsOnABadTag(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "rate: minimum does not apply") {
			t.Errorf("ConfigSchemaOf of a string with a minimum recovered %v, want a panic naming the tag", r)
		}
	}()
	sdk.ConfigSchemaOf[badConfig]()
}

func TestDecodeConfigOfABadStruct(t *testing.T) {
	if _, err := sdk.DecodeConfig[badConfig](sdk.Config(`{}`)); err == nil || !strings.Contains(err.Error(), "minimum") {
		t.Errorf("DecodeConfig of a bad struct = %v, want its error", err)
	}
}

func compact(raw string) string {
	var b strings.Builder
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '"' && (i == 0 || raw[i-1] != '\\') {
			inString = !inString
		}
		if !inString && (c == ' ' || c == '\n' || c == '\t') {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
