// Package identity is cxhub's customer index: it keeps the latest version
// of every source record of a canonical customer or interaction stream
// (sdk.StreamSpec.Canonical), resolves them deterministically into
// customers — normalised email, E.164 phone, cross-system ids and the
// core's own links, under rules written in the config's customers section —
// and answers a customer's profile, timeline and the explanation of every
// link.
//
// An Index does the resolution over a Store, the storage seam: a small
// transactional interface with one implementation per backend
// (identity/sqlite, identity/postgres) and a shared acceptance suite
// (identity/identitytest). It resolves a batch at a time (batch.go): the
// batch's identifiers looked up together, the batch grouped in memory,
// then written at once.
//
// The Stage feeds the index from every pipeline that reads a canonical
// stream — it queues each batch durably in the Store's queue, and the
// Index's indexer resolves the queue in the background (indexer.go), off
// the sync's path — and fills a map's "$customer." fields from the
// customer's profile; Destination is the built-in profile store that a
// pipeline names with `to: {profiles: true}` to backfill the index.
//
// It is not a master-data system: it never writes to a vendor, and it never
// merges on fuzzy similarity.
package identity
