package sdktest

import (
	"context"
	"fmt"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// faultRequests is how many requests a Faulter fails: more than any
// connector's retries, so that the call sees the fault whatever its policy.
const faultRequests = 50

// faultRecords is how many records the write under faults sends, in one batch.
const faultRecords = 2

// faultSalt is the salt of the records written under faults: content the
// destination does not hold yet, so that a writer cannot skip them.
const faultSalt = 4

// faults are the HTTP statuses a Faulter injects, and the kind each must give.
var faults = []struct {
	status int
	kind   sdk.ErrorKind
}{
	{401, sdk.KindAuth},
	{429, sdk.KindRateLimited},
	{503, sdk.KindTransient},
}

// eachFault runs check as a subtest per status of faults, named by the
// status, while the Faulter fails the next faultRequests requests with it;
// the faults are cleared after each.
func (r *run) eachFault(t *testing.T, f Faulter, check func(t *testing.T, status int, kind sdk.ErrorKind)) {
	for _, fault := range faults {
		t.Run(fmt.Sprint(fault.status), func(t *testing.T) {
			if err := f.FailNext(r.callCtx(t), fault.status, faultRequests); err != nil {
				t.Fatalf("driver: FailNext(%d, %d): %v", fault.status, faultRequests, err)
			}
			defer func() {
				if err := f.FailNext(context.WithoutCancel(t.Context()), 0, 0); err != nil {
					t.Errorf("driver: clear faults: FailNext(0, 0): %v", err)
				}
			}()
			check(t, fault.status, fault.kind)
		})
	}
}

// checkFaults is the check/faults subtest: Check while the system fails
// every request with each status.
func (r *run) checkFaults(t *testing.T) {
	f, ok := r.s.Driver.(Faulter)
	if !ok {
		t.Skip("the driver is not a Faulter")
	}
	r.eachFault(t, f, func(t *testing.T, status int, kind sdk.ErrorKind) {
		ctx := r.callCtx(t)
		_, err := r.plugin.Check(ctx, sdk.CheckRequest{Config: r.config()})
		what := fmt.Sprintf("Check while the system answers %d", status)
		if ctx.Err() != nil {
			t.Fatalf("%s did not return within %v: it keeps retrying; it must give up and report the failure's kind", what, r.s.Timeout)
		}
		checkKind(t, what, kind, err)
	})
}

// readFaults is the read/<stream>/faults subtest: a read from the start
// while the system fails every request with each status must fail with the
// status's kind. It runs for the first stream read only: how a connector
// classifies an answer does not depend on the stream.
func (sr *streamRead) readFaults(t *testing.T) {
	sr.needDriver(t)
	f, ok := sr.r.s.Driver.(Faulter)
	if !ok {
		t.Skip("the driver is not a Faulter")
	}
	if sr.faultsOn != sr.st.Name {
		t.Skipf("faults are injected around the reads of one stream only (%s)", sr.faultsOn)
	}
	sr.needFull(t)
	sr.r.eachFault(t, f, func(t *testing.T, status int, kind sdk.ErrorKind) {
		ctx := sr.r.callCtx(t)
		req := sdk.ReadRequest{Config: sr.r.config(), Streams: []sdk.StreamState{{Stream: sr.st.Name}}, BatchSize: sr.r.s.BatchSize}
		col, err := ReadAll(ctx, sr.r.plugin, req)
		what := fmt.Sprintf("read of %s while the system answers %d to every request", sr.st.Name, status)
		if ctx.Err() != nil {
			t.Fatalf("%s did not return within %v: it keeps retrying; it must give up and report the failure's kind "+
				"(drive a connector with a long retry budget with a config that retries little)", what, sr.r.s.Timeout)
		}
		if err == nil {
			t.Errorf("%s: want an error of kind %s, got success with %d records", what, kind, len(col.Records))
			return
		}
		checkKind(t, what, kind, err)
	})
}

// writeFaults is the write/<stream>/faults subtest: a batch written while
// the system fails every request with each status must fail with the
// status's kind, as a whole (the batch's error) or record by record (each
// result's). It runs for the first stream written only.
func (sw *streamWrite) writeFaults(t *testing.T) {
	sw.needDriver(t)
	f, ok := sw.r.s.Driver.(Faulter)
	if !ok {
		t.Skip("the driver is not a Faulter")
	}
	if sw.faultsOn != sw.st.Name {
		t.Skipf("faults are injected around the writes of one stream only (%s)", sw.faultsOn)
	}
	name := sw.st.Name
	recs := sw.d.Records(name, faultRecords, faultSalt)
	if recs == nil {
		t.Skipf("the driver gives no records for stream %s: its writes are not checked", name)
	}
	if err := checkDriverRecords(recs, faultRecords); err != nil {
		t.Fatalf("driver: Records(%q, %d, %d): %v", name, faultRecords, faultSalt, err)
	}
	sw.r.eachFault(t, f, func(t *testing.T, status int, kind sdk.ErrorKind) {
		what := fmt.Sprintf("write of a batch of %d records of %s while the system answers %d to every request", len(recs), name, status)
		ctx := sw.r.callCtx(t)
		results, err := sw.writeOnce(ctx, recs)
		if ctx.Err() != nil {
			t.Fatalf("%s did not return within %v: it keeps retrying; it must give up and report the failure's kind "+
				"(drive a connector with a long retry budget with a config that retries little)", what, sw.r.s.Timeout)
		}
		if err != nil {
			checkKind(t, what+": the batch failed", kind, err)
			return
		}
		if len(results) != len(recs) {
			t.Fatalf("%s: want one result per record, got %d results", what, len(results))
		}
		for i, res := range results {
			rec := fmt.Sprintf("%s: record %d (key %q)", what, i+1, recs[i].Key)
			if res.Err == nil {
				t.Errorf("%s: want it failed with kind %s, got it written (id %q) although the system refused every request", rec, kind, res.ID)
				continue
			}
			checkKind(t, rec, kind, res.Err)
		}
	})
}

// writeOnce writes one batch through a new writer and returns its
// results, or the error of the writer or of the batch (the results are
// not counted). Closing the writer
// is not checked: the faults may still be in force.
func (sw *streamWrite) writeOnce(ctx context.Context, recs []sdk.Record) ([]sdk.Result, error) {
	w, err := sw.r.plugin.OpenWriter(ctx, sdk.OpenWriterRequest{Config: sw.r.config(), Stream: sw.st.Name})
	if err != nil {
		return nil, err
	}
	defer func() { _ = w.Close(ctx) }()
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: recs})
	return resp.Results, err
}

// checkKind fails t unless err has kind want.
func checkKind(t *testing.T, what string, want sdk.ErrorKind, err error) {
	t.Helper()
	if got := sdk.KindOf(err); got != want {
		t.Errorf("%s: want an error of kind %s, got %s", what, want, describeErr(err))
		return
	}
	if want == sdk.KindRateLimited {
		t.Logf("%s: rate limited, retry after %v", what, sdk.RetryAfterOf(err))
	}
}
