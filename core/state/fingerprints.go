package state

import "fmt"

// Fingerprint is what the engine remembers of one object's synced content,
// so that it can tell a real change from a write that would change nothing
// and from the echo of its own write (see docs/two-way.md). Data is opaque
// to the store: the engine's encoding of per-field hashes.
//
// A fingerprint belongs to a Scope (a pipeline, or a two-way sync: both of
// its pipelines share one) and names one object: (Connection, Stream, Key).
// There is one per scope and object; a new one replaces the old.
type Fingerprint struct {
	Scope      string
	Connection string
	Stream     string
	Key        string
	Data       []byte
}

// Validate reports a fingerprint with a missing field.
func (f Fingerprint) Validate() error {
	if f.Scope == "" || f.Connection == "" || f.Stream == "" || f.Key == "" {
		return fmt.Errorf("fingerprint %s of %s/%s/%q: scope, connection, stream and key are required",
			f.Scope, f.Connection, f.Stream, f.Key)
	}
	return nil
}
