package configschema_test

import (
	"fmt"
	"strings"

	"github.com/cxhub/cxhub/sdk/configschema"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// A connector's config schema, compiled as the core compiles it, checks a
// connection's config.
func ExampleCompile() {
	sch, err := configschema.Compile(`{
	  "type": "object",
	  "required": ["base_url", "token"],
	  "properties": {
	    "base_url": {"type": "string"},
	    "token": {"type": "string", "secret": true}
	  }
	}`)
	if err != nil {
		fmt.Println("the connector's schema is broken:", err)
		return
	}
	for _, cfg := range []string{`{"base_url": "https://acme.example", "token": "t"}`, `{"base_url": "https://acme.example"}`} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(cfg))
		if err != nil {
			fmt.Println("not JSON:", err)
			continue
		}
		fmt.Println(sch.Validate(inst) == nil)
	}
	// Output:
	// true
	// false
}

// A schema that points outside itself is refused: nothing is fetched.
func ExampleCompile_externalRef() {
	_, err := configschema.Compile(`{"$ref": "https://schemas.example/acme.json"}`)
	fmt.Println(err != nil && strings.Contains(err.Error(), "must be self-contained"))
	// Output: true
}
