// Package statetest is the acceptance suite every state backend must pass:
// the behaviour the engine and the hub rely on (the transaction rule,
// checkpoints, runs, links both ways, dead letters and their replay, the
// inbox of pushed records), written once against the state.Store
// interface. A new backend is done when Run passes against it:
//
//	func TestAcceptance(t *testing.T) {
//		statetest.Run(t, func(t *testing.T) state.Store { return openFresh(t) })
//	}
//
// It is a test helper: only tests import it.
package statetest

import (
	"context"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

// Opener returns a new, empty store for one test, writable; the suite
// closes it at the test's end.
type Opener func(t *testing.T) state.Store

// Run runs every acceptance test against stores from open, each as a
// subtest with a fresh store.
func Run(t *testing.T, open Opener) {
	fresh := func(t *testing.T) state.Store {
		t.Helper()
		s := open(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"CheckpointsUpsertAndReset", testCheckpointsUpsertAndReset},
		{"DeadLettersLifecycle", testDeadLettersLifecycle},
		{"DeadLetterOfExplicitRunAndPipeline", testDeadLetterOfExplicitRunAndPipeline},
		{"DeadLetterKindAndPages", testDeadLetterKindAndPages},
		{"LinksUpsertReplaceAndLookup", testLinksUpsertReplaceAndLookup},
		{"LookupLinksInBulk", testLookupLinksInBulk},
		{"LookupLinksBothWays", testLookupLinksBothWays},
		{"LookupLinksOddKeys", testLookupLinksOddKeys},
		{"LinksRepeatedInOneBatch", testLinksRepeatedInOneBatch},
		{"RunsLifecycle", testRunsLifecycle},
		{"RunsDefaultLimit", testRunsDefaultLimit},
		{"CommitIsAtomic", testCommitIsAtomic},
		{"CommitCancelledForReal", testCommitCancelledForReal},
		{"CommitCountsAccumulate", testCommitCountsAccumulate},
		{"CommitValidates", testCommitValidates},
		{"ConcurrentCommits", testConcurrentCommits},
		{"InboxAppendReadAndDedup", testInboxAppendReadAndDedup},
		{"InboxCursorMovesWithCommit", testInboxCursorMovesWithCommit},
		{"InboxPrune", testInboxPrune},
		{"RecordsAnyBytes", testRecordsAnyBytes},
		{"AlertLifecycle", testAlertLifecycle},
		{"PausedPipelines", testPausedPipelines},
		{"Fingerprints", testFingerprints},
		{"Conflicts", testConflicts},
		{"ConflictValuesAnyBytes", testConflictValuesAnyBytes},
		{"LeaseAcquireRenewRelease", testLeaseAcquireRenewRelease},
		{"LeaseExpiryAndTakeover", testLeaseExpiryAndTakeover},
		{"FencedWritesRefused", testFencedWritesRefused},
		{"WorkersHeartbeat", testWorkersHeartbeat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, fresh) })
	}
}

// lk is a link, in field order.
func lk(srcConn, srcStream, srcKey, dstConn, dstStream, dstID string) state.Link {
	return state.Link{SrcConnection: srcConn, SrcStream: srcStream, SrcKey: srcKey,
		DstConnection: dstConn, DstStream: dstStream, DstID: dstID}
}

func startRun(t testing.TB, s state.Store, pipeline string) int64 {
	t.Helper()
	id, err := s.StartRun(context.Background(), pipeline)
	if err != nil {
		t.Fatalf("StartRun(%s): %v", pipeline, err)
	}
	return id
}

func mustCommit(t testing.TB, s state.Store, c state.Commit) {
	t.Helper()
	if err := s.Commit(context.Background(), c); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}
