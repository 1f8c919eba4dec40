package state

import (
	"fmt"
	"time"
)

// FingerprintQuery names the fingerprints LookupFingerprints looks for:
// those Scope keeps on the links from (SrcConnection, SrcStream) to
// (DstConnection, DstStream), found by the links' source keys or, with
// ByDst, by their destination ids.
//
// A fingerprint is what the engine remembers of the content it last synced
// between a link's two objects, so that it can tell a real change from a
// write that would change nothing and from the echo of its own write (see
// docs/two-way.md). It is kept on the link (state.Link.Fingerprint),
// written by the statement that writes the link.
type FingerprintQuery struct {
	Scope                    string
	SrcConnection, SrcStream string
	DstConnection, DstStream string
	ByDst                    bool
}

// Conflict is a field both sides of a two-way sync changed since it was
// last synced, and how the field's rule settled it.
type Conflict struct {
	ID       int64  `json:"id"` // 0 for a new one
	Sync     string `json:"sync"`
	Pipeline string `json:"pipeline"` // the pipeline that met it
	RunID    int64  `json:"run_id"`
	// Connection, Stream and Key name side a's object.
	Connection string    `json:"connection"`
	Stream     string    `json:"stream"`
	Key        string    `json:"key"`
	Field      string    `json:"field"`      // the field, as written to the pipeline's destination
	ValueA     string    `json:"value_a"`    // side a's value, JSON
	ValueB     string    `json:"value_b"`    // side b's value, JSON
	Rule       string    `json:"rule"`       // the field's owner rule: a, b or latest
	Winner     string    `json:"winner"`     // the side whose value was kept: a or b
	CreatedAt  time.Time `json:"created_at"` // set by the store
}

// Validate reports a conflict with a missing field.
func (c Conflict) Validate() error {
	if c.Sync == "" || c.Connection == "" || c.Stream == "" || c.Key == "" || c.Field == "" {
		return fmt.Errorf("conflict of %s on %s/%s/%q field %q: sync, object and field are required",
			c.Sync, c.Connection, c.Stream, c.Key, c.Field)
	}
	return nil
}

// ConflictFilter selects conflicts: zero values select any sync and all
// of them.
type ConflictFilter struct {
	Sync  string
	ID    int64 // only this one
	Limit int
}

// ConflictChoice is a person's choice for a parked conflict: the side whose
// value is kept, "a" or "b".
type ConflictChoice struct {
	ID     int64
	Winner string
}
