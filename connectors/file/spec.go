package file

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.2.1" // 0.2.0: append-only writes with a key index (README.md); 0.2.1: a delete of an unlinked record succeeds, check says whether a missing dir can be made

// Spec describes the connector. Its streams depend on the directory's
// files, so it lists none: Discover finds them.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:    "file",
		Version: Version,
		Kind:    sdk.Generic,
		Description: "Reads and writes CSV and JSON Lines files, one file per stream in a directory. " +
			"Reads are incremental by file offset, or by a cursor field; writes upsert and delete by key, " +
			"idempotently and durably. The streams are the files found in the configured directory, " +
			"so this spec lists none: discover them with a configuration.",
		ConfigSchema: sdk.ConfigSchemaOf[config](),
	}
}
