// Package engine runs pipelines: it reads batches from a source connector,
// maps and filters them, writes them to a destination connector and records
// the outcome in the state store.
//
// The delivery rule: a checkpoint from the source is persisted only in the
// same transaction as, or after, the final outcome of every record read
// before it — written (with the destination id, kept as a link) or
// dead-lettered (with its payload and reason). A crash at any moment
// therefore loses nothing: the next run resumes from the last persisted
// checkpoint and re-delivers what came after it, which destinations absorb
// because they write idempotently (upsert by key, or update the linked id).
//
// Failures are handled by kind (sdk.ErrorKind): per-record transient and
// rate-limited failures are retried with exponential backoff, honouring
// the wait a rate limit asked for, and dead-lettered when the retry budget
// is spent; bad records are dead-lettered at once (or stop the run with
// on_error: stop); config and auth failures stop the run. A retryable
// failure of the whole run (a plugin that crashed, a broken stream)
// restarts both connectors and resumes from the last checkpoint.
//
// The engine knows connectors only through the sdk interfaces, started by a
// Launcher: plugin processes in production, in-process values in tests.
package engine
