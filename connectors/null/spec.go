package null

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.1.0"

// Spec describes the connector. Its streams are those of the config, so
// it lists none: Discover gives them, and a pipeline may name any stream
// (OpenWriter refuses one the config does not list).
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:    "null",
		Version: Version,
		Kind:    sdk.Generic,
		Description: "A destination that drops every record it is given and answers each as written: " +
			"for load tests and pipeline dry runs. It counts what it received and can write the totals to a file.",
		ConfigSchema: sdk.ConfigSchemaOf[config](),
	}
}

// streamSpec describes an accepted stream.
func streamSpec(name string) sdk.StreamSpec {
	return sdk.StreamSpec{
		Name:        name,
		Description: "Accepts upserts and deletes, and drops them.",
		Canonical:   sdk.CanonicalOther,
		// Records are never decoded: the path is the usual one, declared
		// because every stream names its key.
		PrimaryKey:   []string{"id"},
		Capabilities: sdk.Capabilities{Write: true, Delete: true},
	}
}
