package sdktest

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// ConfigOf encodes a connection's config for a test: the members of base,
// then the name/value pairs of set on top of them ("page_size", 7,
// "token", "wrong"), where a nil value removes the member. base is not
// changed. It fails t if set is not pairs with string names, or a value
// does not encode.
func ConfigOf(t testing.TB, base map[string]any, set ...any) sdk.Config {
	t.Helper()
	if len(set)%2 != 0 {
		t.Fatalf("config: %d values to set, want name/value pairs", len(set))
	}
	m := maps.Clone(base)
	if m == nil {
		m = map[string]any{}
	}
	for i := 0; i < len(set); i += 2 {
		name, ok := set[i].(string)
		if !ok {
			t.Fatalf("config: member name %v is a %T, want a string", set[i], set[i])
		}
		if set[i+1] == nil {
			delete(m, name)
			continue
		}
		m[name] = set[i+1]
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("encode config: %v", err)
	}
	return b
}
