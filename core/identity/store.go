package identity

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Ref names one source record: its connection, stream and key.
type Ref struct {
	Connection string `json:"connection"`
	Stream     string `json:"stream"`
	Key        string `json:"key"`
}

func (r Ref) String() string { return r.Connection + "/" + r.Stream + "/" + r.Key }

// The kinds of record the index keeps (sdk.CanonicalKind values).
const (
	KindCustomer    = "customer"
	KindInteraction = "interaction"
)

// Record is a source record as the index keeps it.
type Record struct {
	Ref Ref
	// Kind is KindCustomer or KindInteraction.
	Kind string
	// InteractionKind is the stream's (ticket, note...) or, for mixed
	// streams, the record's interaction_type field.
	InteractionKind string
	// Fields are the record's canonical fields (email, phone, name,
	// customer_id, occurred_at...) as read, before normalisation.
	Fields map[string]string
	// Links are refs the record is known to be the same customer as: the
	// core's links (an object it was written to) and cross-system ids.
	Links []Link
	// Data is the source record's JSON, as read.
	Data json.RawMessage
	// UpdatedAt is the record's version time.
	UpdatedAt time.Time
	// Customer is the customer the record belongs to (0: none yet).
	Customer int64
	// Seq orders records by when the index first saw them.
	Seq int64
}

// Link is a ref a record points at, and the rule that says so.
type Link struct {
	Ref  Ref    `json:"ref"`
	Rule string `json:"rule"`
}

// Identifier is one normalised value of a record that can join it to
// other records.
type Identifier struct {
	Type  string // email, phone, ref
	Value string
	// Rule says where it came from (email, phone, self, customer_id,
	// link:<pipeline>, external_id...).
	Rule string
	// Glue is false for a value the rules refuse to join on (a shared
	// mailbox, a value listed in never_match); it is kept for the profile.
	Glue bool
	// Kind is the record's kind (filled in by the store on reads).
	Kind string
}

// Member is a record sharing an identifier, with its customer.
type Member struct {
	Record   int64 // the record's Seq
	Customer int64
	Kind     string // the record's kind
}

// Store is the index's storage: one implementation per backend, each
// passing identitytest.Run. Everything happens in transactions: Update
// runs fn in one read-write transaction (all or nothing), View in a
// read-only one. A Store is safe for concurrent use; one process writes.
//
// The store also keeps the index's queue: the stage queues each batch a
// pipeline reads (Enqueue, durable when it returns, and never waiting for
// an Update under way), and the index takes batches from it in order
// (Queued) and marks them indexed in the transaction that indexes them
// (Tx.Dequeue), so each is indexed once whenever the process stops.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
	// Enqueue adds an item to the queue and returns its Seq, higher than
	// every Seq the queue ever returned.
	Enqueue(ctx context.Context, data []byte) (int64, error)
	// Queued returns up to limit items not yet dequeued whose Seq is
	// above after, oldest first (after 0: from the first).
	Queued(ctx context.Context, after int64, limit int) ([]QueueItem, error)
	Close() error
}

// Tx is one transaction of a Store. Records are found by Ref or by Seq.
type Tx interface {
	// Get returns a record (without Data unless withData) and whether it exists.
	Get(ref Ref, withData bool) (Record, bool, error)
	// Put stores rec (new, or replacing the one with its Ref, keeping its
	// Seq) with its identifiers, and returns its Seq.
	Put(rec Record, ids []Identifier) (int64, error)
	// PutAll stores records (new, or replacing those with their Ref,
	// keeping their Seq) with their identifiers, ids[i] being recs[i]'s, in
	// as few statements as the backend allows. Refs are distinct; a record
	// with Seq 0 is new (no record with its Ref is stored), one with a Seq
	// is the stored record's new version.
	PutAll(recs []Record, ids [][]Identifier) error
	// GetAll returns the records (without Data) that exist of refs, in no
	// particular order.
	GetAll(refs []Ref) ([]Record, error)
	// Delete removes a record and its identifiers.
	Delete(ref Ref) error
	// Identifiers returns a record's identifiers.
	Identifiers(seq int64) ([]Identifier, error)
	// IdentifiersOf returns the identifiers of records, by Seq.
	IdentifiersOf(seqs []int64) (map[int64][]Identifier, error)
	// Shared says, for each of values of an identifier type that some
	// record carries, who carries it (values no record carries are absent).
	Shared(typ string, values []string) (map[string]Sharers, error)
	// Sharing returns the records that have the identifier (type and
	// value) as glue (Identifier.Glue: a record that carries it without
	// being joined by it is not one), at most limit of them (0: all), in
	// no particular order.
	Sharing(typ, value string, limit int) ([]Member, error)
	// CountSharing counts the records of kind that have the identifier.
	CountSharing(typ, value, kind string) (int, error)
	// Members returns a customer's records (without Data), by Seq.
	Members(customer int64) ([]Record, error)
	// SetCustomer moves records (by Seq) to a customer.
	SetCustomer(seqs []int64, customer int64) error
	// Merge moves every record of the customers from to survivor, and
	// makes each of from resolve to survivor.
	Merge(from []int64, survivor int64) error
	// NewCustomer returns a new customer id, higher than every other.
	NewCustomer() (int64, error)
	// NewCustomers returns n new customer ids, ascending, higher than
	// every other.
	NewCustomers(n int) ([]int64, error)
	// Resolve follows merges: the live customer an id stands for now, and
	// false if there is none.
	Resolve(customer int64) (int64, bool, error)
	// CustomersWith returns the customers holding the identifier.
	CustomersWith(typ, value string) ([]int64, error)
	// Search returns up to limit customers with an identifier value or a
	// canonical field containing text (case-insensitive).
	Search(text string, limit int) ([]int64, error)
	// Scan returns up to limit records (without Data) with Seq above after, by Seq.
	Scan(after int64, limit int) ([]Record, error)
	// Customers returns up to limit live customer ids above after, ascending.
	Customers(after int64, limit int) ([]int64, error)
	// Dequeue takes the queue's items up to Seq upTo, with the
	// transaction: they are not Queued again once it commits. It returns
	// false if another transaction took every one of them already (then
	// they must not be indexed again: newer items may have been).
	Dequeue(upTo int64) (bool, error)
	// Meta and SetMeta keep small values (the rules' fingerprint).
	Meta(key string) (string, error)
	SetMeta(key, value string) error
}

// ErrNotFound is returned for a customer, email or phone the index does
// not know.
var ErrNotFound = errors.New("no such customer")
