package statetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// testLeaseAcquireRenewRelease: a free lease is taken with token 1; its
// holder extends it with the same token; another holder is refused while
// it is unexpired; a released lease is taken by the other with a higher
// token, and the old holder can neither renew nor release it.
func testLeaseAcquireRenewRelease(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	a, err := s.AcquireLease(ctx, "p", "w1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if a.Pipeline != "p" || a.Holder != "w1" || a.Token != 1 || time.Until(a.ExpiresAt) < 50*time.Second {
		t.Fatalf("first lease = %+v", a)
	}
	again, err := s.AcquireLease(ctx, "p", "w1", time.Minute)
	if err != nil || again.Token != a.Token {
		t.Fatalf("the holder acquiring again = %+v, %v; want token %d", again, err, a.Token)
	}
	cur, err := s.AcquireLease(ctx, "p", "w2", time.Minute)
	if !errors.Is(err, state.ErrLeaseHeld) || cur.Holder != "w1" {
		t.Fatalf("another holder acquiring a held lease = %+v, %v; want ErrLeaseHeld naming w1", cur, err)
	}
	r, err := s.RenewLease(ctx, a, 2*time.Minute)
	if err != nil || r.Token != a.Token || !r.ExpiresAt.After(a.ExpiresAt) {
		t.Fatalf("renew = %+v, %v; want the same token, later expiry than %v", r, err, a.ExpiresAt)
	}
	if _, err := s.AcquireLease(ctx, "q", "w2", time.Minute); err != nil {
		t.Fatalf("a lease on another pipeline: %v", err)
	}
	if err := s.CheckFence(ctx, state.Fence{Pipeline: "p", Token: a.Token}); err != nil {
		t.Errorf("checking the holder's fence: %v", err)
	}
	for _, f := range []state.Fence{{Pipeline: "p", Token: a.Token + 1}, {Pipeline: "p", Token: 0}, {Pipeline: "never", Token: 1}} {
		if err := s.CheckFence(ctx, f); !errors.Is(err, state.ErrFenced) {
			t.Errorf("checking the fence %+v no lease has = %v, want ErrFenced", f, err)
		}
	}

	if err := s.ReleaseLease(ctx, r); err != nil {
		t.Fatal(err)
	}
	b, err := s.AcquireLease(ctx, "p", "w2", time.Minute)
	if err != nil || b.Token <= a.Token || b.Holder != "w2" {
		t.Fatalf("acquiring a released lease = %+v, %v; want w2 with a token above %d", b, err, a.Token)
	}
	if _, err := s.RenewLease(ctx, a, time.Minute); !errors.Is(err, state.ErrFenced) {
		t.Errorf("the old holder renewing = %v, want ErrFenced", err)
	}
	if err := s.CheckFence(ctx, state.Fence{Pipeline: "p", Token: a.Token}); !errors.Is(err, state.ErrFenced) {
		t.Errorf("checking the old holder's fence after a release and takeover = %v, want ErrFenced", err)
	}
	if err := s.CheckFence(ctx, state.Fence{Pipeline: "p", Token: b.Token}); err != nil {
		t.Errorf("checking the new holder's fence: %v", err)
	}
	if err := s.ReleaseLease(ctx, a); err != nil {
		t.Errorf("a stale release: %v", err)
	}
	leases, err := s.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 2 || leases[0].Pipeline != "p" || leases[0].Holder != "w2" || leases[0].Token != b.Token || leases[1].Pipeline != "q" {
		t.Errorf("leases = %+v; a stale release must leave w2's lease alone", leases)
	}
	if _, err := s.AcquireLease(ctx, "", "w1", time.Minute); err == nil {
		t.Error("a lease without a pipeline was granted")
	}
}

// testLeaseExpiryAndTakeover: a lease not renewed expires; another holder
// then takes it with a higher token, and the first can no longer renew.
func testLeaseExpiryAndTakeover(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	a, err := s.AcquireLease(ctx, "p", "w1", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireLease(ctx, "p", "w2", time.Minute); !errors.Is(err, state.ErrLeaseHeld) {
		t.Fatalf("takeover before expiry = %v, want ErrLeaseHeld", err)
	}
	time.Sleep(400 * time.Millisecond)
	if err := s.CheckFence(ctx, state.Fence{Pipeline: "p", Token: a.Token}); !errors.Is(err, state.ErrFenced) {
		t.Errorf("checking the fence of an expired lease nobody took = %v, want ErrFenced", err)
	}
	b, err := s.AcquireLease(ctx, "p", "w2", time.Minute)
	if err != nil || b.Token != a.Token+1 {
		t.Fatalf("takeover after expiry = %+v, %v; want token %d", b, err, a.Token+1)
	}
	if _, err := s.RenewLease(ctx, a, time.Minute); !errors.Is(err, state.ErrFenced) {
		t.Errorf("renewal by the expired holder = %v, want ErrFenced", err)
	}
	// An expired lease is not renewed either, even if nobody took it.
	c, err := s.AcquireLease(ctx, "q", "w1", 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := s.RenewLease(ctx, c, time.Minute); !errors.Is(err, state.ErrFenced) {
		t.Errorf("renewal of an expired lease = %v, want ErrFenced", err)
	}
}

// testFencedWritesRefused: a commit, a run start and a run finish under a
// stale token fail with ErrFenced and write nothing; under the current
// token they succeed; without a fence they are not checked.
func testFencedWritesRefused(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	a, err := s.AcquireLease(ctx, "p", "w1", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	oldCtx := state.WithFence(ctx, state.Fence{Pipeline: "p", Token: a.Token})
	run, err := s.StartRun(oldCtx, "p")
	if err != nil {
		t.Fatalf("StartRun under a valid lease: %v", err)
	}
	mustCommitCtx(t, oldCtx, s, state.Commit{RunID: run, Pipeline: "p", Counts: state.Counts{Read: 1},
		Checkpoints: []state.Checkpoint{{Stream: "s", State: []byte("1")}}})

	time.Sleep(400 * time.Millisecond)
	b, err := s.AcquireLease(ctx, "p", "w2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendInbox(ctx, []state.InboxEntry{{Connection: "c", Stream: "s", Key: "k", Op: "upsert", Data: []byte("{}"), DeliveryID: "d1"}}); err != nil {
		t.Fatal(err)
	}
	inbox, _ := s.ReadInbox(ctx, "c", "s", 0, 10)
	late := state.Commit{RunID: run, Pipeline: "p", Counts: state.Counts{Read: 5, Written: 5},
		Links:       []state.Link{lk("src", "s", "k1", "dst", "s", "d1")},
		DeadLetters: []state.DeadLetter{{Stream: "s", Key: "k2", Op: "upsert", Data: []byte("{}"), Error: "x"}},
		Checkpoints: []state.Checkpoint{{Stream: "s", State: []byte("2")}},
		InboxCursor: inbox[0].ID}
	if err := s.Commit(oldCtx, late); !errors.Is(err, state.ErrFenced) {
		t.Fatalf("a commit with a stale token = %v, want ErrFenced", err)
	}
	if cps, _ := s.Checkpoints(ctx, "p"); string(cps["s"]) != "1" {
		t.Errorf("checkpoint after a fenced commit = %q, want 1", cps["s"])
	}
	if n, _ := s.CountLinks(ctx); n != 0 {
		t.Errorf("a fenced commit stored %d links", n)
	}
	if n, _ := s.CountDeadLetters(ctx, "", ""); n != 0 {
		t.Errorf("a fenced commit stored %d dead letters", n)
	}
	if c, _ := s.InboxCursor(ctx, "p"); c != 0 {
		t.Errorf("a fenced commit moved the inbox cursor to %d", c)
	}
	if r, _ := s.Run(ctx, run); r.Counts.Read != 1 || r.Counts.Written != 0 {
		t.Errorf("a fenced commit counted: %+v", r.Counts)
	}
	// (The takeover may have ended the old holder's run as interrupted
	// already, as PostgreSQL's does: the fenced FinishRun changes nothing
	// either way.)
	before, _ := s.Run(ctx, run)
	if err := s.FinishRun(oldCtx, run, state.RunSucceeded, ""); !errors.Is(err, state.ErrFenced) {
		t.Errorf("FinishRun with a stale token = %v, want ErrFenced", err)
	}
	if r, _ := s.Run(ctx, run); r != before || r.Status == state.RunSucceeded {
		t.Errorf("a fenced FinishRun changed the run: %+v, was %+v", r, before)
	}
	if _, err := s.StartRun(oldCtx, "p"); !errors.Is(err, state.ErrFenced) {
		t.Errorf("StartRun with a stale token = %v, want ErrFenced", err)
	}
	if runs, _ := s.Runs(ctx, state.RunFilter{Pipeline: "p"}); len(runs) != 1 {
		t.Errorf("a fenced StartRun opened a run: %d runs", len(runs))
	}
	// The token of another pipeline's lease does not pass either.
	if err := s.Commit(state.WithFence(ctx, state.Fence{Pipeline: "q", Token: b.Token}), state.Commit{Pipeline: "p",
		Checkpoints: []state.Checkpoint{{Stream: "s", State: []byte("3")}}}); !errors.Is(err, state.ErrFenced) {
		t.Errorf("a commit fenced by an unknown lease = %v, want ErrFenced", err)
	}

	// The new holder writes.
	newCtx := state.WithFence(ctx, state.Fence{Pipeline: "p", Token: b.Token})
	run2, err := s.StartRun(newCtx, "p")
	if err != nil {
		t.Fatalf("StartRun by the new holder: %v", err)
	}
	late.RunID = run2
	mustCommitCtx(t, newCtx, s, late)
	if err := s.FinishRun(newCtx, run2, state.RunSucceeded, ""); err != nil {
		t.Fatalf("FinishRun by the new holder: %v", err)
	}
	if cps, _ := s.Checkpoints(ctx, "p"); string(cps["s"]) != "2" {
		t.Errorf("checkpoint after the new holder's commit = %q, want 2", cps["s"])
	}
	// Released: the holder's own later writes are refused too.
	if err := s.ReleaseLease(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(newCtx, state.Commit{Pipeline: "p"}); !errors.Is(err, state.ErrFenced) {
		t.Errorf("a commit after the release = %v, want ErrFenced", err)
	}
}

// testWorkersHeartbeat: a heartbeat records a worker until its ttl; a
// heartbeat with ttl 0 marks it gone.
func testWorkersHeartbeat(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	for _, id := range []string{"w2", "w1"} {
		if err := s.Heartbeat(ctx, state.Worker{ID: id, Addr: "127.0.0.1:1"}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Heartbeat(ctx, state.Worker{ID: "w1", Addr: "127.0.0.1:2"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	ws, err := s.Workers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 || ws[0].ID != "w1" || ws[0].Addr != "127.0.0.1:2" || ws[1].ID != "w2" ||
		time.Until(ws[0].ExpiresAt) < 50*time.Second || ws[0].SeenAt.IsZero() || ws[0].StartedAt.After(ws[0].SeenAt) {
		t.Fatalf("workers = %+v", ws)
	}
	if err := s.Heartbeat(ctx, state.Worker{ID: "w2"}, 0); err != nil {
		t.Fatal(err)
	}
	ws, _ = s.Workers(ctx)
	if len(ws) != 2 || ws[1].ExpiresAt.After(time.Now()) {
		t.Errorf("a worker that left = %+v, want expired", ws[1])
	}
	if err := s.Heartbeat(ctx, state.Worker{}, time.Minute); err == nil {
		t.Error("a heartbeat without an id was accepted")
	}
}

func mustCommitCtx(t testing.TB, ctx context.Context, s state.Store, c state.Commit) {
	t.Helper()
	if err := s.Commit(ctx, c); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}
