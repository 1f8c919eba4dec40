package statetest

import (
	"context"
	"fmt"
	"github.com/cxhub/cxhub/core/state"
	"testing"
	"time"
)

func dlKeys(dls []state.DeadLetter) string {
	var s []string
	for _, d := range dls {
		s = append(s, d.Pipeline+"/"+d.Key+":"+string(d.Status))
	}
	return fmt.Sprint(s)
}

func testDeadLettersLifecycle(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	runP := startRun(t, s, "p")
	runQ := startRun(t, s, "q")
	recordTime := time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.FixedZone("CEST", 7200))
	before := time.Now().Add(-time.Second)
	mustCommit(t, s, state.Commit{RunID: runP, Pipeline: "p", DeadLetters: []state.DeadLetter{
		{Stream: "contacts", Key: "k1", Op: "upsert", Data: []byte(`{"email":"bad"}`), UpdatedAt: recordTime,
			ErrorKind: "bad_record", Error: "invalid email"},
		{Stream: "contacts", Key: "k2", Op: "delete", ErrorKind: "bad_record", Error: "no such user", Attempts: 3},
	}, Counts: state.Counts{DeadLettered: 2}})
	mustCommit(t, s, state.Commit{RunID: runQ, Pipeline: "q", DeadLetters: []state.DeadLetter{
		{Stream: "tickets", Key: "t1", Op: "upsert", Data: []byte(`{}`), ErrorKind: "bad_record", Error: "too long"},
	}})

	all, err := s.DeadLetters(ctx, state.DeadLetterFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := dlKeys(all); got != "[p/k1:pending p/k2:pending q/t1:pending]" {
		t.Fatalf("DeadLetters() = %s", got)
	}
	d1 := all[0]
	if d1.ID == 0 || d1.RunID != runP || d1.Stream != "contacts" || d1.Op != "upsert" ||
		string(d1.Data) != `{"email":"bad"}` || !d1.UpdatedAt.Equal(recordTime) || d1.UpdatedAt.Location() != time.UTC ||
		d1.ErrorKind != "bad_record" || d1.Error != "invalid email" || d1.Attempts != 1 ||
		d1.CreatedAt.Before(before) || d1.LastTriedAt.Before(before) {
		t.Errorf("first dead letter = %+v", d1)
	}
	if d2 := all[1]; d2.Attempts != 3 || !d2.UpdatedAt.IsZero() || len(d2.Data) != 0 || d2.Op != "delete" {
		t.Errorf("second dead letter = %+v", d2)
	}

	// Filters.
	for _, tc := range []struct {
		f    state.DeadLetterFilter
		want string
	}{
		{state.DeadLetterFilter{Pipeline: "p"}, "[p/k1:pending p/k2:pending]"},
		{state.DeadLetterFilter{Pipeline: "q", Status: state.DeadLetterPending}, "[q/t1:pending]"},
		{state.DeadLetterFilter{Status: state.DeadLetterReplayed}, "[]"},
		{state.DeadLetterFilter{IDs: []int64{all[2].ID, all[0].ID, 999}}, "[p/k1:pending q/t1:pending]"},
		{state.DeadLetterFilter{Pipeline: "q", IDs: []int64{all[0].ID}}, "[]"},
		{state.DeadLetterFilter{Limit: 2}, "[p/k1:pending p/k2:pending]"},
	} {
		got, err := s.DeadLetters(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if dlKeys(got) != tc.want {
			t.Errorf("DeadLetters(%+v) = %s, want %s", tc.f, dlKeys(got), tc.want)
		}
	}
	if _, err := s.DeadLetters(ctx, state.DeadLetterFilter{Status: "lost"}); err == nil {
		t.Error("an invalid status filter was accepted")
	}

	// A replay: k1 fails again (twice, the second time with a total), k2 is
	// written.
	replay := startRun(t, s, "p")
	time.Sleep(2 * time.Millisecond)
	mustCommit(t, s, state.Commit{RunID: replay, Pipeline: "p",
		DeadLetters: []state.DeadLetter{{ID: d1.ID, ErrorKind: "config", Error: "still invalid", Attempts: d1.Attempts}},
		Replayed:    []int64{all[1].ID}})
	mustCommit(t, s, state.Commit{RunID: replay, Pipeline: "p",
		DeadLetters: []state.DeadLetter{{ID: d1.ID, ErrorKind: "bad_record", Error: "third time", Attempts: 10}}})
	got, _ := s.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: "p"})
	if dlKeys(got) != "[p/k1:pending p/k2:replayed]" {
		t.Fatalf("after replay: %s", dlKeys(got))
	}
	k1 := got[0]
	if k1.Attempts != 10 || k1.Error != "third time" || k1.ErrorKind != "bad_record" ||
		!k1.LastTriedAt.After(d1.LastTriedAt) || !k1.CreatedAt.Equal(d1.CreatedAt) ||
		string(k1.Data) != string(d1.Data) || k1.RunID != runP {
		t.Errorf("k1 after failed replays = %+v (was %+v)", k1, d1)
	}
	if got[1].Attempts != 4 {
		t.Errorf("k2 after its replay: attempts = %d, want 4", got[1].Attempts)
	}

	// Attempts grow by one when the replay does not count them itself.
	mustCommit(t, s, state.Commit{RunID: replay, Pipeline: "p", DeadLetters: []state.DeadLetter{{ID: d1.ID, ErrorKind: "bad_record", Error: "again"}}})
	if got, _ := s.DeadLetters(ctx, state.DeadLetterFilter{IDs: []int64{d1.ID}}); got[0].Attempts != 11 {
		t.Errorf("attempts = %d, want 11", got[0].Attempts)
	}

	// Discard.
	n, err := s.SetDeadLetterStatus(ctx, []int64{all[2].ID, 12345}, state.DeadLetterDiscarded)
	if err != nil || n != 1 {
		t.Errorf("SetDeadLetterStatus = %d, %v; want 1", n, err)
	}
	if _, err := s.SetDeadLetterStatus(ctx, []int64{all[2].ID}, "gone"); err == nil {
		t.Error("an invalid status was accepted")
	}
	for _, tc := range []struct {
		pipeline string
		status   state.DeadLetterStatus
		want     int64
	}{
		{"", "", 3}, {"", state.DeadLetterPending, 1}, {"p", "", 2}, {"p", state.DeadLetterReplayed, 1},
		{"q", state.DeadLetterDiscarded, 1}, {"q", state.DeadLetterPending, 0}, {"nope", "", 0},
	} {
		if n, err := s.CountDeadLetters(ctx, tc.pipeline, tc.status); err != nil || n != tc.want {
			t.Errorf("CountDeadLetters(%q, %q) = %d, %v; want %d", tc.pipeline, tc.status, n, err, tc.want)
		}
	}
}

func testDeadLetterOfExplicitRunAndPipeline(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	run := startRun(t, s, "p")
	other := startRun(t, s, "other")
	// A state.Commit without a run (a replay outside any run) keeps the dead
	// letter's own run and pipeline.
	mustCommit(t, s, state.Commit{Pipeline: "p", DeadLetters: []state.DeadLetter{
		{Pipeline: "other", RunID: other, Stream: "s", Key: "k", Op: "upsert", ErrorKind: "x", Error: "y"},
		{Stream: "s", Key: "k2", Op: "upsert", ErrorKind: "x", Error: "y"},
	}})
	got, err := s.DeadLetters(ctx, state.DeadLetterFilter{})
	if err != nil || len(got) != 2 {
		t.Fatal(got, err)
	}
	if got[0].Pipeline != "other" || got[0].RunID != other || got[1].Pipeline != "p" || got[1].RunID != 0 {
		t.Errorf("got %+v", got)
	}
	_ = run
}

// testDeadLetterKindAndPages: the kind filter and the AfterID cursor are
// the store's, so a dead letter past the first page can be found by its
// kind and reached by paging. The store listed dead letters oldest first
// with a limit only: the 201st, the one conflict, was out of reach of a
// caller that filtered a page of 200 by kind.
func testDeadLetterKindAndPages(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	runP := startRun(t, s, "p")
	var dls []state.DeadLetter
	for i := range 200 {
		dls = append(dls, state.DeadLetter{Stream: "contacts", Key: fmt.Sprintf("b%03d", i), Op: "upsert", ErrorKind: "bad_record", Error: "invalid"})
	}
	dls = append(dls, state.DeadLetter{Stream: "contacts", Key: "c1", Op: "upsert", ErrorKind: "conflict", Error: "exists"})
	mustCommit(t, s, state.Commit{RunID: runP, Pipeline: "p", DeadLetters: dls})
	// Another pipeline's conflict, and a conflict of p no longer pending.
	mustCommit(t, s, state.Commit{RunID: startRun(t, s, "q"), Pipeline: "q", DeadLetters: []state.DeadLetter{
		{Stream: "tickets", Key: "q1", Op: "upsert", ErrorKind: "conflict", Error: "exists"}}})
	mustCommit(t, s, state.Commit{RunID: startRun(t, s, "p"), Pipeline: "p", DeadLetters: []state.DeadLetter{
		{Stream: "contacts", Key: "c2", Op: "upsert", ErrorKind: "conflict", Error: "exists"}}})
	c2, err := s.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: "p", Kind: "conflict", AfterID: 0})
	if err != nil {
		t.Fatal(err)
	}
	if got := dlKeys(c2); got != "[p/c1:pending p/c2:pending]" {
		t.Fatalf("DeadLetters(p, conflict) = %s", got)
	}
	if _, err := s.SetDeadLetterStatus(ctx, []int64{c2[1].ID}, state.DeadLetterDiscarded); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    state.DeadLetterFilter
		want string
	}{
		{state.DeadLetterFilter{Pipeline: "p", Status: state.DeadLetterPending, Kind: "conflict", Limit: 200}, "[p/c1:pending]"},
		{state.DeadLetterFilter{Status: state.DeadLetterPending, Kind: "conflict", Limit: 200}, "[p/c1:pending q/q1:pending]"},
		{state.DeadLetterFilter{Pipeline: "p", Kind: "conflict"}, "[p/c1:pending p/c2:discarded]"},
		{state.DeadLetterFilter{Kind: "conflict", Limit: 2}, "[p/c1:pending q/q1:pending]"},
		{state.DeadLetterFilter{Kind: "conflict", AfterID: c2[0].ID}, "[q/q1:pending p/c2:discarded]"},
		{state.DeadLetterFilter{Pipeline: "p", Status: state.DeadLetterDiscarded, Kind: "conflict"}, "[p/c2:discarded]"},
		{state.DeadLetterFilter{Pipeline: "p", Kind: "transient"}, "[]"},
		{state.DeadLetterFilter{Pipeline: "p", Kind: "conflict", IDs: []int64{c2[1].ID}}, "[p/c2:discarded]"},
	} {
		got, err := s.DeadLetters(ctx, tc.f)
		if err != nil {
			t.Errorf("DeadLetters(%+v): %v", tc.f, err)
			continue
		}
		if dlKeys(got) != tc.want {
			t.Errorf("DeadLetters(%+v) = %s, want %s", tc.f, dlKeys(got), tc.want)
		}
	}

	// Pages of p's pending ones, each after the last id of the one before,
	// reach every one of them once, in order, the conflict last.
	var keys []string
	var after int64
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatalf("still paging after %d pages: the cursor does not move (after %d)", pages, after)
		}
		page, err := s.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: "p", Status: state.DeadLetterPending, AfterID: after, Limit: 75})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, d := range page {
			if d.ID <= after {
				t.Fatalf("a page after id %d holds id %d", after, d.ID)
			}
			after = d.ID
			keys = append(keys, d.Key)
		}
	}
	if len(keys) != 201 || keys[0] != "b000" || keys[199] != "b199" || keys[200] != "c1" {
		t.Errorf("paging p's pending dead letters by 75 gave %d: first %q, last %q; want 201, b000 to c1", len(keys), keys[0], keys[len(keys)-1])
	}
	if _, err := s.DeadLetters(ctx, state.DeadLetterFilter{AfterID: -1}); err == nil {
		t.Errorf("DeadLetters(AfterID: -1) = nil error, want one saying the cursor is no dead letter id")
	}
}
