package sdktest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// streamWrite is what the write subtests of one stream share.
type streamWrite struct {
	r     *run
	d     DestinationDriver // nil if the driver is not a DestinationDriver
	st    sdk.StreamSpec
	first []sdk.Record // Records(n, salt 1), once written idempotently
	ids   []string     // the id the first write gave each of first
	// idempotentTried says the idempotent check ran, in its own subtest
	// or in one that depends on it (see needIdempotent).
	idempotentTried bool
	// faultsOn is the stream whose writes the faults subtest checks.
	faultsOn string
}

// writeStreams runs the write subtests of each stream.
func (r *run) writeStreams(t *testing.T, streams []sdk.StreamSpec) {
	if len(streams) == 0 {
		t.Skip("no stream declares write")
	}
	d, _ := r.s.Driver.(DestinationDriver)
	for _, st := range streams {
		t.Run(st.Name, func(t *testing.T) {
			sw := &streamWrite{r: r, d: d, st: st, faultsOn: streams[0].Name}
			t.Run("idempotent", sw.idempotent)
			t.Run("target_id", sw.targetID)
			t.Run("bad_record", sw.badRecord)
			t.Run("faults", sw.writeFaults)
			t.Run("delete", sw.deletes)
		})
	}
}

// needDriver skips t when there is no DestinationDriver.
func (sw *streamWrite) needDriver(t *testing.T) {
	t.Helper()
	if sw.d == nil {
		t.Skipf("Suite.Driver (%T) is not a DestinationDriver: writes are not checked", sw.r.s.Driver)
	}
}

// idempotent writes the driver's records, then the same records again in
// batches cut elsewhere: each record must get the same id, and the
// destination must hold one object per record.
func (sw *streamWrite) idempotent(t *testing.T) {
	sw.needDriver(t)
	sw.idempotentTried = true
	name, n, size := sw.st.Name, sw.r.s.Records, sw.r.s.BatchSize
	recs := sw.d.Records(name, n, 1)
	if recs == nil {
		t.Skipf("the driver gives no records for stream %s: its writes are not checked", name)
	}
	if err := checkDriverRecords(recs, n); err != nil {
		t.Fatalf("driver: Records(%q, %d, 1): %v", name, n, err)
	}
	held := sw.heldBefore(t, recs)
	if slices.Contains(sw.r.s.UpdateOnly, name) {
		t.Logf("Suite.UpdateOnly names %s: its writes must say created=false, even for the first", name)
		for i := range held {
			held[i] = true
		}
	}
	what := fmt.Sprintf("first write of %d records of %s (batches of %d)", n, name, size)
	res := sw.write(t, what, cut(recs, size, size))
	report(t, what, resultProblems(recs, res))
	if t.Failed() {
		return
	}
	ids := make([]string, len(res))
	created := 0
	for i, r := range res {
		ids[i] = r.ID
		if r.Created {
			created++
		}
	}
	t.Logf("%s: %d created", what, created)
	report(t, what, firstCreatedProblems(recs, held, res))

	what = fmt.Sprintf("second write of the same records (batches cut elsewhere: first of %d, then %d)", max(size/2, 1), size)
	res = sw.write(t, what, cut(recs, max(size/2, 1), size))
	report(t, what, resultProblems(recs, res))
	report(t, what, idProblems(recs, ids, res))
	report(t, what, createdProblems(recs, res))
	sw.checkCounts(t, "after writing the same records twice", recs)
	if !t.Failed() {
		sw.first, sw.ids = recs, ids
	}
}

// targetID writes changed records (salt 2) with TargetID set to the ids of
// the first write, in reverse order: each must update its object.
func (sw *streamWrite) targetID(t *testing.T) {
	sw.needDriver(t)
	sw.needIdempotent(t)
	name, n := sw.st.Name, len(sw.first)
	changed := sw.d.Records(name, n, 2)
	if err := checkDriverRecords(changed, n); err != nil {
		t.Fatalf("driver: Records(%q, %d, 2): %v", name, n, err)
	}
	linked := make([]sdk.Record, n)
	for i, rec := range changed {
		if rec.Key != sw.first[i].Key {
			t.Fatalf("driver: Records(%q, %d, 2) record %d has key %q, salt 1 gave %q: another salt must keep the keys", name, n, i, rec.Key, sw.first[i].Key)
		}
		if bytes.Equal(rec.Data, sw.first[i].Data) {
			t.Fatalf("driver: Records(%q, %d, 2) record %q has the same data as with salt 1: another salt must change it", name, n, rec.Key)
		}
		rec.TargetID = sw.ids[i]
		linked[i] = rec
	}
	what := fmt.Sprintf("write of changed records (salt 2) with TargetID set to the first write's ids, in reverse order (batches of %d)", sw.r.s.BatchSize)
	reversed := slices.Clone(linked)
	slices.Reverse(reversed)
	res := sw.write(t, what, cut(reversed, sw.r.s.BatchSize, sw.r.s.BatchSize))
	slices.Reverse(res)
	report(t, what, resultProblems(linked, res))
	report(t, what, idProblems(linked, sw.ids, res))
	report(t, what, createdProblems(linked, res))
	sw.checkCounts(t, "after writing changed records with their TargetID", linked)
}

// needIdempotent makes sure the idempotent check's records and ids are
// there. A subtest run alone (go test -run '.../target_id') runs that check
// first, and fails if it fails: it never skips to green. When it already
// failed in its own subtest, which fails the run, t is skipped.
func (sw *streamWrite) needIdempotent(t *testing.T) {
	t.Helper()
	if !sw.idempotentTried {
		t.Logf("the idempotent write of %s did not run (not selected by -run): running it first, as this check updates what it wrote", sw.st.Name)
		sw.idempotent(t)
		if t.Failed() {
			t.FailNow()
		}
	}
	if sw.ids == nil {
		t.Skipf("the idempotent write of %s failed (see write/%s/idempotent, which fails the run): no ids to link changed records to", sw.st.Name, sw.st.Name)
	}
}

// badRecord writes a batch [good, bad, good]: the bad record must fail
// alone, with KindBadRecord and a message, and the good ones be written.
func (sw *streamWrite) badRecord(t *testing.T) {
	sw.needDriver(t)
	br, ok := sw.r.s.Driver.(BadRecorder)
	if !ok {
		t.Skip("the driver is not a BadRecorder")
	}
	name := sw.st.Name
	bad, ok := br.BadRecord(name)
	if !ok {
		t.Skipf("the driver has no bad record for stream %s", name)
	}
	good := sw.d.Records(name, 2, 3)
	if err := checkDriverRecords(good, 2); err != nil {
		t.Fatalf("driver: Records(%q, 2, 3): %v", name, err)
	}
	what := fmt.Sprintf("write of a batch [good %q, bad %q, good %q]", good[0].Key, bad.Key, good[1].Key)
	res := sw.write(t, what, [][]sdk.Record{{good[0], bad, good[1]}})
	switch err := res[1].Err; {
	case err == nil:
		t.Errorf("%s: want the bad record refused with kind bad_record, got it written (id %q)", what, res[1].ID)
	case sdk.KindOf(err) != sdk.KindBadRecord:
		t.Errorf("%s: want the bad record refused with kind bad_record, got %s", what, describeErr(err))
	case strings.TrimSpace(err.Error()) == "" || err.Error() == sdk.KindBadRecord.String():
		t.Errorf("%s: the bad record was refused without a message saying why", what)
	}
	report(t, what, resultProblems(good, []sdk.Result{res[0], res[2]}))
	sw.checkCounts(t, "after the batch [good, bad, good]", good)
}

// write writes batches through one writer and returns one result per
// record, in the order of the batches. A batch that fails as a whole, or
// a writer that fails to open or close, fails t.
func (sw *streamWrite) write(t *testing.T, what string, batches [][]sdk.Record) []sdk.Result {
	t.Helper()
	ctx := sw.r.callCtx(t)
	w, err := sw.r.plugin.OpenWriter(ctx, sdk.OpenWriterRequest{Config: sw.r.config(), Stream: sw.st.Name})
	if err != nil {
		t.Fatalf("%s: open a writer: %s", what, describeErr(err))
	}
	var results []sdk.Result
	for i, b := range batches {
		resp, err := w.Write(ctx, sdk.WriteRequest{Records: b})
		if err == nil && len(resp.Results) != len(b) {
			err = fmt.Errorf("%d results for %d records", len(resp.Results), len(b))
		}
		if err != nil {
			_ = w.Close(ctx)
			t.Fatalf("%s: batch %d of %d (%d records): want one result per record, in order; the batch failed: %s",
				what, i+1, len(batches), len(b), describeErr(err))
		}
		results = append(results, resp.Results...)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatalf("%s: close the writer: %s", what, describeErr(err))
	}
	return results
}

// heldBefore asks the driver, before the first write, whether the
// destination already holds each record (from an earlier run against a
// lasting system). A Count that fails then (a file not made yet) is taken
// as holding none of them, and said so.
func (sw *streamWrite) heldBefore(t *testing.T, recs []sdk.Record) []bool {
	t.Helper()
	held := make([]bool, len(recs))
	counts, err := sw.d.Count(sw.r.callCtx(t), sw.st.Name, recs)
	if err != nil || len(counts) != len(recs) {
		t.Logf("before the first write, the driver's Count(%q, %d records) gave %d counts, %v: taking the destination for empty",
			sw.st.Name, len(recs), len(counts), err)
		return held
	}
	for i, c := range counts {
		held[i] = c > 0
	}
	return held
}

// firstCreatedProblems reports the records of the first write whose
// Created says the wrong thing: true for an object the write made, false
// for one the destination held before (held).
func firstCreatedProblems(recs []sdk.Record, held []bool, res []sdk.Result) []string {
	var notCreated, created []string
	for i, r := range res {
		switch {
		case r.Err != nil:
		case !held[i] && !r.Created:
			notCreated = append(notCreated, recs[i].Key)
		case held[i] && r.Created:
			created = append(created, recs[i].Key)
		}
	}
	var problems []string
	if len(notCreated) > 0 {
		problems = append(problems, fmt.Sprintf("want created=true for records new to the destination (the driver counted none before), "+
			"got created=false for %d: %s (the core counts them as updated, not created; a stream that only updates objects that exist belongs in Suite.UpdateOnly)", len(notCreated), listKeys(notCreated)))
	}
	if len(created) > 0 {
		problems = append(problems, fmt.Sprintf("want created=false for records the destination held before the first write (or of a stream in Suite.UpdateOnly), got created=true for %d: %s",
			len(created), listKeys(created)))
	}
	return problems
}

// checkCounts asks the driver how many objects the destination holds for
// each record: one each.
func (sw *streamWrite) checkCounts(t *testing.T, what string, recs []sdk.Record) {
	t.Helper()
	sw.checkCountsAre(t, what, recs, 1)
}

// checkCountsAre asks the driver how many objects the destination holds
// for each record: want each.
func (sw *streamWrite) checkCountsAre(t *testing.T, what string, recs []sdk.Record, want int) {
	t.Helper()
	counts, err := sw.d.Count(sw.r.callCtx(t), sw.st.Name, recs)
	if err != nil {
		t.Fatalf("driver: Count(%q, %d records): %v", sw.st.Name, len(recs), err)
	}
	if len(counts) != len(recs) {
		t.Fatalf("driver: Count(%q, %d records) returned %d counts", sw.st.Name, len(recs), len(counts))
	}
	var wrong []string
	for i, c := range counts {
		if c != want {
			wrong = append(wrong, fmt.Sprintf("%s: %d", recs[i].Key, c))
		}
	}
	if len(wrong) > 0 {
		objects := "objects"
		if want == 1 {
			objects = "object"
		}
		t.Errorf("%s: want %d %s in the destination per record, got %d records with another count: %s",
			what, want, objects, len(wrong), listKeys(wrong))
	}
}

// checkDriverRecords checks what a DestinationDriver's Records returned.
func checkDriverRecords(recs []sdk.Record, n int) error {
	if len(recs) != n {
		return fmt.Errorf("want %d records, got %d", n, len(recs))
	}
	keys := make([]string, len(recs))
	for i, r := range recs {
		if r.Key == "" {
			return fmt.Errorf("record %d has no key", i)
		}
		keys[i] = r.Key
	}
	if dups := duplicates(keys); len(dups) > 0 {
		return fmt.Errorf("keys are not distinct: %s", listKeys(dups))
	}
	return nil
}

// cut splits records into batches: the first of first records, then of
// size each.
func cut(records []sdk.Record, first, size int) [][]sdk.Record {
	var batches [][]sdk.Record
	for n := first; len(records) > 0; n = size {
		n = min(n, len(records))
		batches = append(batches, records[:n:n])
		records = records[n:]
	}
	return batches
}

// resultProblems lists the results that are not a written record with an id.
func resultProblems(recs []sdk.Record, res []sdk.Result) []string {
	var problems []string
	for i, r := range res {
		switch {
		case r.Err != nil:
			problems = append(problems, fmt.Sprintf("record %d (key %q) failed: %s", i+1, recs[i].Key, describeErr(r.Err)))
		case r.ID == "":
			problems = append(problems, fmt.Sprintf("record %d (key %q) was written without an id", i+1, recs[i].Key))
		}
	}
	return problems
}

// idProblems reports the records written under another id than ids says.
func idProblems(recs []sdk.Record, ids []string, res []sdk.Result) []string {
	var differ []string
	for i, r := range res {
		if r.Err == nil && r.ID != ids[i] {
			differ = append(differ, fmt.Sprintf("%s (first %s, now %s)", recs[i].Key, ids[i], r.ID))
		}
	}
	if len(differ) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("want each record written under the id the first write gave it; %d of %d differ "+
		"(results out of order, or new objects made): %s", len(differ), len(res), listKeys(differ))}
}

// createdProblems reports records said to be created although written before.
func createdProblems(recs []sdk.Record, res []sdk.Result) []string {
	var created []string
	for i, r := range res {
		if r.Err == nil && r.Created {
			created = append(created, recs[i].Key)
		}
	}
	if len(created) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("want created=false for records the destination already holds, got created=true for %d: %s",
		len(created), listKeys(created))}
}
