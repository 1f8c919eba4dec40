package state

import (
	"errors"
	"fmt"
	"time"
)

// InboxEntry is a record that arrived pushed — from a verified webhook —
// rather than read. It is stored before the sender gets its answer, then
// taken through every pipeline that reads its connection's stream, which
// commits its progress with Commit.InboxCursor.
type InboxEntry struct {
	ID         int64 // set by the store, increasing
	Connection string
	Stream     string
	Key        string
	Op         string // "upsert" or "delete"
	Data       []byte
	UpdatedAt  time.Time // the record's own updated_at; zero if unknown
	// DeliveryID identifies the vendor's delivery the record came in (a
	// webhook id), so a redelivery is recognised; empty if unknown.
	DeliveryID string
	// Problem is set when the connector could not make a record of what
	// arrived (Data is then the raw input); it is dead-lettered.
	Problem    string
	ReceivedAt time.Time // set by the store if zero
}

// Validate reports an entry that cannot be stored.
func (e InboxEntry) Validate() error {
	if e.Connection == "" || e.Stream == "" {
		return errors.New("inbox entry: connection and stream are required")
	}
	if e.Key == "" && e.Problem == "" {
		return fmt.Errorf("inbox entry %s/%s: a key is required", e.Connection, e.Stream)
	}
	if e.Op != "upsert" && e.Op != "delete" {
		return fmt.Errorf("inbox entry %s/%s/%q: op %q is neither upsert nor delete", e.Connection, e.Stream, e.Key, e.Op)
	}
	return nil
}
