// Package sdktest is the conformance suite for cxhub connectors: a
// connector author runs it from an ordinary `go test`, and it checks the
// contract of the sdk package against the connector served through the
// real protocol, either in the test process ([host.LaunchInProcess]:
// debuggable, race-checked, goroutine-leak checked) or as a built plugin
// binary ([host.Launch], exactly as the core starts it).
//
// It is for connector authors and for this repository's connectors. It is
// not a unit-test framework for a connector's internals (test those
// directly), nor a load test: it runs a few dozen records per stream and
// asserts behaviour, never speed.
//
// # A run
//
// The author fills a [Suite] with a working config and a small driver
// that knows the system behind the connector (how to seed it and read it
// back, as the acceptance kits of Conduit and Terraform ask), and calls
// [Suite.Run] from a test:
//
//	func TestConformance(t *testing.T) {
//		sdktest.Suite{Connector: New(), Config: cfg, Driver: driver}.Run(t)
//	}
//
// Run starts the connector, then runs these subtests in order, each
// failing with what it expected and what came back:
//
//   - spec: the spec is valid, its config schema compiles (with
//     sdk/configschema, exactly as the core compiles it), the configs given validate
//     against it, credential-looking properties are marked secret, every
//     stream declares a primary key, a canonical kind and a capability, and
//     the version is semver.
//   - check: Check succeeds with Config; fails with a config error naming
//     each required field when it is left out; with an auth error for
//     BadCredentials; with a transient error, promptly, for Unreachable; and,
//     if the driver is a [Faulter], with the kind each HTTP status means.
//   - discover: Discover returns valid streams, consistent with the spec.
//   - read/<stream>/{full,resume,incremental,cancel,faults} (a [SourceDriver]):
//     the driver seeds the stream; a full read returns every seeded key
//     once, as valid records, in checkpoint order (no record after a
//     checkpoint has a smaller cursor than one before it), with a checkpoint
//     after the last; a read from each of a few checkpoints taken mid-read misses
//     nothing after it and sends nothing again from before it; a read from
//     the last checkpoint returns nothing, and after the driver changes the
//     system, exactly what changed. The one exception is a stream's
//     declared look-back ([Suite].LookBack): records sent before a
//     checkpoint whose cursor lies within it of the checkpoint's greatest
//     cursor may come again, and only those; a read
//     cancelled after its first batch ends promptly with the context's
//     error. In process the suite also sees the connector's own side of
//     that read: its Read must return, within five seconds, the context's
//     error or the one Emit gave it (not nil, unless it had sent
//     everything), must not call Emit or Checkpoint again once one failed,
//     and must leave no goroutine behind. With a [Faulter], for the first
//     stream read, a read while the system answers 401, 429 or 503 to every
//     request fails with KindAuth, KindRateLimited or KindTransient.
//   - write/<stream>/{idempotent,target_id,bad_record,faults,delete} (a
//     [DestinationDriver]): writing the same records twice, in other
//     batches, gives each record the same id and leaves one object per
//     record; the first write says created=true for each record the
//     destination did not hold before (the driver's Count, asked first; a
//     Count that fails then counts as empty), every later one
//     created=false; writing changed records with the ids as TargetID
//     updates the same objects; a bad record fails alone, with
//     KindBadRecord. For a stream that declares Capabilities.Delete,
//     deleting half the records by TargetID with data {} removes exactly
//     those objects, the same deletes again succeed (idempotent), and a
//     delete of a record the destination never held succeeds; no delete
//     fails or says created=true. With a
//     [Faulter], for the first stream written, a batch written while the
//     system answers 401, 429 or 503 fails with the status's kind, as a
//     whole or record by record.
//   - goroutines (in process only): once the connector is stopped, no
//     goroutine it started is left.
//
// Parts the suite cannot check with what it was given (no driver, no
// BadCredentials, a stream without incremental reads) are skipped with
// t.Skip and a reason, never passed silently: run `go test -v` to see them.
// A subtest selected alone (go test -run 'TestConformance/read/people/resume')
// first runs the check it starts from (the full read; for target_id, the
// idempotent write) and fails if that fails: it never skips to green.
//
// The suite's own files are named sdktest_*.go, so that a failure's
// location (sdktest_read.go:142) is never taken for a file of the
// connector's own.
//
// The goroutine checks look at the whole test process: do not run a Suite
// in parallel with other tests (no t.Parallel around it), and start the
// system it talks to (a sandbox) before Run.
//
// In process, the suite serves the connector through a thin wrapper that
// watches its reads; for the cancelled read it holds the Emit or
// Checkpoint call that completes the first batch until the cancel has
// reached the connector (as a core that is behind would), so that even a
// connector that reads everything in a blink is caught ignoring its
// context. A binary is seen through the protocol only: there the cancel
// check can only say that the host's side of the read ends.
//
// The fault checks fail the next 50 requests, more than a connector's
// retries, and each call must still return within Suite.Timeout: a
// connector whose retries wait long (exponential backoff, Retry-After) is
// best run by the suite with a config, or options, that retry little and
// wait briefly.
//
// Nothing in the suite measures speed: the only times it enforces are
// Suite.Timeout for each call and five seconds for a cancelled read to end.
package sdktest
