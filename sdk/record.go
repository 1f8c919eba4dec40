package sdk

import "time"

// Operation is what a record asks of its destination.
type Operation int8

const (
	// Upsert creates the object or updates it. It is the zero value.
	Upsert Operation = iota
	// Delete removes the object, if the destination has it.
	Delete
)

// String returns "upsert" or "delete".
func (o Operation) String() string {
	if o == Delete {
		return "delete"
	}
	return "upsert"
}

// Record is one object moving between systems.
type Record struct {
	// Stream names the stream the record belongs to (contacts, tickets...).
	Stream string
	// Key identifies the record in its source system: its primary key.
	Key string
	// Op is Upsert (the zero value) or Delete.
	Op Operation
	// Data is one JSON object. It is never decoded by the core unless a
	// pipeline maps it; keep it as bytes.
	Data []byte
	// UpdatedAt is when the source last changed the record; zero if unknown.
	UpdatedAt time.Time
	// TargetID is set on records given to a Writer: the id the destination
	// returned for this source record on an earlier write (the core's link
	// table), or empty if it has never been written there. A destination
	// whose API has no upsert updates this id instead of creating anew.
	TargetID string
	// Problem, set by a Source, says why the record cannot be used (a line
	// that is not JSON, a row with too many cells); Data then holds the raw
	// input. The core dead-letters such a record with this reason and goes on.
	Problem string
}
