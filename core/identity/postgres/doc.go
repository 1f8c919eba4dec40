// Package postgres is the customer index's PostgreSQL backend
// (identity.Store), for hubs whose state is in PostgreSQL: the index lives
// in the same database, in a schema of its own (cxhub_customers), so that
// it can be dropped to re-index from scratch without touching the state.
//
// Several cxhub workers may share the database. Index transactions take a
// transaction-level advisory lock, so they run one at a time whichever
// worker runs them; queueing a batch takes another, so that the queue's
// seqs commit in order (a batch is never skipped by a Dequeue of a later
// one). Two workers' indexers may index the same queued batch: indexing a
// record twice changes nothing.
package postgres
