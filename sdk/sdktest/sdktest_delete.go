package sdktest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// deletes checks a stream that declares Capabilities.Delete, after the
// idempotent write: deleting half of its records by TargetID, with data
// {} as the core may send them, removes exactly those objects; the same
// deletes again succeed and change nothing (the objects are gone); and a
// delete of a record the destination never held succeeds and changes
// nothing. No delete may fail or say created=true.
func (sw *streamWrite) deletes(t *testing.T) {
	if !sw.st.Capabilities.Delete {
		t.Skipf("stream %s does not declare delete", sw.st.Name)
	}
	if why := sw.r.s.NoDeleteCheck; why != "" {
		t.Skipf("stream %s declares delete, but Suite.NoDeleteCheck says: %s", sw.st.Name, why)
	}
	sw.needDriver(t)
	sw.needIdempotent(t)
	name, size := sw.st.Name, sw.r.s.BatchSize
	k := max(len(sw.first)/2, 1)
	gone, kept := sw.first[:k], sw.first[k:]
	dels := make([]sdk.Record, k)
	for i, rec := range gone {
		dels[i] = sdk.Record{Stream: name, Key: rec.Key, Op: sdk.Delete, TargetID: sw.ids[i], Data: []byte("{}")}
	}

	what := fmt.Sprintf("delete of %d of the %d records of %s, by TargetID, with data {} (batches of %d)", k, len(sw.first), name, size)
	report(t, what, deleteProblems(dels, sw.write(t, what, cut(dels, size, size))))
	sw.checkCountsAre(t, "after deleting them", gone, 0)
	sw.checkCounts(t, "after deleting others, the records not deleted", kept)

	what = "the same deletes again, the objects being gone (a delete must be idempotent)"
	report(t, what, deleteProblems(dels, sw.write(t, what, cut(dels, size, size))))
	sw.checkCountsAre(t, "after deleting them twice", gone, 0)

	more := sw.d.Records(name, len(sw.first)+1, 1)
	if len(more) != len(sw.first)+1 {
		t.Fatalf("driver: Records(%q, %d, 1) returned %d records", name, len(sw.first)+1, len(more))
	}
	never := more[len(more)-1]
	if slices.ContainsFunc(sw.first, func(r sdk.Record) bool { return r.Key == never.Key }) {
		t.Fatalf("driver: Records(%q, %d, 1): record %d has key %q, which the first %d records already have",
			name, len(more), len(more), never.Key, len(sw.first))
	}
	if held := sw.heldBefore(t, []sdk.Record{never}); held[0] {
		t.Skipf("the destination already holds %q (from an earlier run?): the delete of a record it never held is not checked", never.Key)
	}
	del := sdk.Record{Stream: name, Key: never.Key, Op: sdk.Delete, Data: []byte("{}")}
	what = fmt.Sprintf("delete of a record the destination never held (key %q, no TargetID: the core knows no object for it)", never.Key)
	report(t, what, deleteProblems([]sdk.Record{del}, sw.write(t, what, [][]sdk.Record{{del}})))
	sw.checkCountsAre(t, "after deleting a record it never held", []sdk.Record{never}, 0)
}

// deleteProblems lists the deletes that failed or said they created
// something. A delete need not give an id.
func deleteProblems(dels []sdk.Record, res []sdk.Result) []string {
	var problems []string
	for i, r := range res {
		switch {
		case r.Err != nil:
			problems = append(problems, fmt.Sprintf("delete %d (key %q, target id %q) failed: %s; want success: "+
				"a delete of an object the destination does not hold (any more) has nothing to do", i+1, dels[i].Key, dels[i].TargetID, describeErr(r.Err)))
		case r.Created:
			problems = append(problems, fmt.Sprintf("delete %d (key %q) said created=true", i+1, dels[i].Key))
		}
	}
	return problems
}
