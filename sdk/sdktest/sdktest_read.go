package sdktest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/tidwall/gjson"
)

// addOnChange is how many records the incremental check asks Change to add;
// changeKeys, how many seeded records it asks it to modify.
const (
	addOnChange = 3
	changeKeys  = 3
)

// resumePoints is how many mid-read checkpoints the resume check reads from.
const resumePoints = 3

// maxReported is how many problems of one kind a check reports before
// "… and N more".
const maxReported = 10

// streamRead is what the read subtests of one stream share.
type streamRead struct {
	r      *run
	d      SourceDriver // nil if the driver is not a SourceDriver
	st     sdk.StreamSpec
	schema *jsonschema.Schema // the stream's record schema, or nil
	seeded []string           // the keys Seed returned
	full   *Collector         // the full read, if it ran without error
	// fullTried says the full read ran, in its own subtest or in one
	// that depends on it (see needFull).
	fullTried bool
	// faultsOn is the stream whose reads the faults subtest checks.
	faultsOn string
}

// readStreams runs the read subtests of each stream.
func (r *run) readStreams(t *testing.T, streams []sdk.StreamSpec) {
	if len(streams) == 0 {
		t.Skip("no stream declares read")
	}
	d, _ := r.s.Driver.(SourceDriver)
	for _, st := range streams {
		t.Run(st.Name, func(t *testing.T) {
			sr := &streamRead{r: r, d: d, st: st, faultsOn: streams[0].Name}
			sr.schema, _ = compileRecordSchema(st.Schema) // a bad schema fails the spec check
			t.Run("full", sr.fullRead)
			t.Run("resume", sr.resume)
			t.Run("incremental", sr.incremental)
			t.Run("cancel", sr.cancelRead)
			t.Run("faults", sr.readFaults)
		})
	}
}

// needDriver skips t when there is no SourceDriver.
func (sr *streamRead) needDriver(t *testing.T) {
	t.Helper()
	if sr.d == nil {
		t.Skipf("Suite.Driver (%T) is not a SourceDriver: reads are not checked", sr.r.s.Driver)
	}
}

// needIncremental skips t when the stream does not read incrementally.
func (sr *streamRead) needIncremental(t *testing.T) {
	t.Helper()
	if !sr.st.Capabilities.IncrementalRead {
		t.Skipf("stream %s does not declare incremental_read: every read starts from the beginning", sr.st.Name)
	}
}

// read reads the stream from state.
func (sr *streamRead) read(t *testing.T, state []byte) (*Collector, error) {
	req := sdk.ReadRequest{
		Config:    sr.r.config(),
		Streams:   []sdk.StreamState{{Stream: sr.st.Name, State: state}},
		BatchSize: sr.r.s.BatchSize,
	}
	return ReadAll(sr.r.callCtx(t), sr.r.plugin, req)
}

// needFull returns the full read a subtest depends on. A subtest run
// alone (go test -run '.../resume') runs the full read first, and fails if
// it fails: it never skips to green. When the full read already failed in
// its own subtest, which fails the run, t is skipped.
func (sr *streamRead) needFull(t *testing.T) *Collector {
	t.Helper()
	if !sr.fullTried {
		t.Logf("the full read of %s did not run (not selected by -run): running it first, as this check starts from it", sr.st.Name)
		sr.fullRead(t)
	}
	if sr.full == nil {
		t.Skipf("the full read of %s failed (see read/%s/full, which fails the run): nothing to check this against", sr.st.Name, sr.st.Name)
	}
	return sr.full
}

// fullRead seeds the stream and reads it from the start.
func (sr *streamRead) fullRead(t *testing.T) {
	sr.needDriver(t)
	sr.fullTried = true
	name, n := sr.st.Name, sr.r.s.Records
	keys, err := sr.d.Seed(sr.r.callCtx(t), name, n)
	if err != nil {
		t.Fatalf("driver: Seed(%q, %d): %v", name, n, err)
	}
	if len(keys) == 0 {
		t.Fatalf("driver: Seed(%q, %d) returned no keys", name, n)
	}
	if dups := duplicates(keys); len(dups) > 0 {
		t.Fatalf("driver: Seed(%q, %d) returned keys more than once: %s", name, n, listKeys(dups))
	}
	sr.seeded = keys
	col, err := sr.read(t, nil)
	what := "full read of " + name
	if err != nil {
		t.Fatalf("%s: want success, got %s (after %d records)", what, describeErr(err), len(col.Records))
	}
	sr.full = col
	report(t, what, sr.recordProblems(col.Records))
	if d := diffKeys(keys, col.Keys(name)); !d.ok() {
		t.Error(exactKeysMessage(what, keys, d))
	}
	report(t, what, sr.checkpointProblems(col))
	report(t, what, sr.cursorProblems(col))
}

// resume reads from a few checkpoints the full read sent mid-read: each
// read must send every key the full read sent after that checkpoint.
func (sr *streamRead) resume(t *testing.T) {
	sr.needDriver(t)
	sr.needIncremental(t)
	if sr.r.s.Records <= sr.r.s.BatchSize {
		t.Skipf("Records (%d) is not more than BatchSize (%d): a read has no checkpoint mid-read", sr.r.s.Records, sr.r.s.BatchSize)
	}
	name, full := sr.st.Name, sr.needFull(t)
	var mids []Checkpoint
	for _, cp := range full.Checkpoints {
		if cp.Stream == name && cp.After < len(full.Records) {
			mids = append(mids, cp)
		}
	}
	if len(mids) == 0 {
		t.Skip("the full read sent no checkpoint before its last record: there is nothing to resume from mid-read")
	}
	for _, cp := range spread(mids, resumePoints) {
		what := fmt.Sprintf("read of %s from the checkpoint sent after record %d of %d of the full read", name, cp.After, len(full.Records))
		col, err := sr.read(t, cp.State)
		if err != nil {
			t.Errorf("%s: want success, got %s", what, describeErr(err))
			continue
		}
		report(t, what, sr.recordProblems(col.Records))
		report(t, what, sr.resumeProblems(full, cp, col.Keys(name)))
		lb := sr.lookBackBefore(full.Records[:cp.After])
		again, others := splitRepeats(lb, col.Records, name, keySet(full.Records[cp.After:]))
		if len(again) > 0 {
			t.Logf("%s: %d records sent before the checkpoint came again inside the look-back (allowed): %s", what, len(again), listKeys(again))
		}
		if repeats := keysIn(keysOf(others, name), full.Records[:cp.After], full.Records[cp.After:]); len(repeats) > 0 {
			t.Errorf("%s: %d keys sent before the checkpoint came again, outside any look-back (%s): a checkpoint must cover what was sent before it: %s",
				what, len(repeats), lb.describe(name), listKeys(repeats))
		}
	}
}

// resumeProblems compares the keys of a read from checkpoint cp with the
// full read: every key after cp must come, and no key the full read never
// sent.
func (sr *streamRead) resumeProblems(full *Collector, cp Checkpoint, got []string) []string {
	gotSet := make(map[string]bool, len(got))
	for _, k := range got {
		gotSet[k] = true
	}
	var after, missing []string
	for _, rec := range full.Records[cp.After:] {
		after = append(after, rec.Key)
		if !gotSet[rec.Key] {
			missing = append(missing, rec.Key)
		}
	}
	sent := make(map[string]bool, len(full.Records))
	for _, rec := range full.Records {
		sent[rec.Key] = true
	}
	var unexpected []string
	for _, k := range got {
		if !sent[k] {
			unexpected = append(unexpected, k)
		}
	}
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("want every key the full read sent after it (%d keys: %s); missing %s",
			len(after), listKeys(after), listKeys(missing)))
	}
	if len(unexpected) > 0 {
		problems = append(problems, fmt.Sprintf("unexpected keys %s: the full read never sent them, and nothing changed since", listKeys(unexpected)))
	}
	return problems
}

// incremental reads from the full read's last checkpoint: nothing must
// come; then, after the driver's Change, exactly what changed.
func (sr *streamRead) incremental(t *testing.T) {
	sr.needDriver(t)
	sr.needIncremental(t)
	full := sr.needFull(t)
	name := sr.st.Name
	state := full.Last(name)
	if state == nil {
		t.Skip("the full read sent no checkpoint")
	}
	if p := sr.lookBackProblem(full.Records); p != "" {
		t.Fatal(p)
	}
	what := "read of " + name + " from the full read's last checkpoint, nothing changed since"
	col, err := sr.read(t, state)
	if err != nil {
		t.Fatalf("%s: want success, got %s", what, describeErr(err))
	}
	lb := sr.lookBackBefore(full.Records)
	again, others := splitRepeats(lb, col.Records, name, nil)
	if len(again) > 0 {
		t.Logf("%s: %d records sent again inside the look-back (allowed): %s", what, len(again), listKeys(again))
	}
	if got := keysOf(others, name); len(got) > 0 {
		t.Errorf("%s: want no records (but repeats inside a declared look-back), got %d: %s (%s)", what, len(got), listKeys(got), lb.describe(name))
	}
	report(t, what, sr.checkpointProblems(col))
	before := append(slices.Clone(full.Records), col.Records...)
	if last := col.Last(name); last != nil {
		state = last
	}

	change := spread(sr.seeded, changeKeys)
	want, err := sr.d.Change(sr.r.callCtx(t), name, change, addOnChange)
	if err != nil {
		t.Fatalf("driver: Change(%q, %s, add %d): %v", name, listKeys(change), addOnChange, err)
	}
	if len(want) == 0 {
		t.Fatalf("driver: Change(%q, %s, add %d) returned no keys: the records it added must be read", name, listKeys(change), addOnChange)
	}
	if dups := duplicates(want); len(dups) > 0 {
		t.Fatalf("driver: Change(%q) returned keys more than once: %s", name, listKeys(dups))
	}
	what = "read of " + name + " from the checkpoint taken before Change"
	col, err = sr.read(t, state)
	if err != nil {
		t.Fatalf("%s: want success, got %s", what, describeErr(err))
	}
	report(t, what, sr.recordProblems(col.Records))
	wanted := make(map[string]bool, len(want))
	for _, k := range want {
		wanted[k] = true
	}
	lb = sr.lookBackBefore(before)
	again, others = splitRepeats(lb, col.Records, name, wanted)
	if len(again) > 0 {
		t.Logf("%s: %d unchanged records sent again inside the look-back (allowed): %s", what, len(again), listKeys(again))
	}
	if d := diffKeys(want, keysOf(others, name)); !d.ok() {
		t.Errorf("%s (%s)", exactKeysMessage(what, want, d), lb.describe(name))
	}
	report(t, what, sr.checkpointProblems(col))
	report(t, what, sr.cursorProblems(col))
}

// recordProblems lists the records of a read that are not valid records
// of the stream.
func (sr *streamRead) recordProblems(records []sdk.Record) []string {
	name := sr.st.Name
	var problems []string
	for i, rec := range records {
		id := fmt.Sprintf("record %d (key %q)", i+1, rec.Key)
		if rec.Stream != name {
			problems = append(problems, fmt.Sprintf("%s is of stream %q, want %q", id, rec.Stream, name))
		}
		if rec.Key == "" {
			problems = append(problems, fmt.Sprintf("record %d has an empty key", i+1))
		}
		if rec.Problem != "" {
			problems = append(problems, fmt.Sprintf("%s is a problem record (%s): the connector could not read valid data", id, rec.Problem))
			continue
		}
		data := bytes.TrimSpace(rec.Data)
		if len(data) == 0 || data[0] != '{' || !gjson.ValidBytes(data) {
			problems = append(problems, fmt.Sprintf("%s: data is not a JSON object: %.100q", id, rec.Data))
			continue
		}
		for _, path := range sr.st.PrimaryKey {
			if !gjson.GetBytes(data, path).Exists() {
				problems = append(problems, fmt.Sprintf("%s: its data has nothing at primary key path %q", id, path))
			}
		}
		if err := validateJSON(sr.schema, data); err != nil {
			problems = append(problems, fmt.Sprintf("%s does not match the stream's record schema: %v", id, err))
		}
	}
	return problems
}

// checkpointProblems lists what is wrong with the checkpoints of a read of
// the stream: one for another stream, an empty state after records, and,
// for an incremental stream, no checkpoint after the last record.
func (sr *streamRead) checkpointProblems(col *Collector) []string {
	name := sr.st.Name
	var problems []string
	last := -1
	for i, cp := range col.Checkpoints {
		switch {
		case cp.Stream != name:
			problems = append(problems, fmt.Sprintf("checkpoint %d is for stream %q, which was not read", i+1, cp.Stream))
			continue
		case len(cp.State) == 0 && cp.After > 0:
			problems = append(problems, fmt.Sprintf("checkpoint %d, after %d records, has an empty state: a read from it starts over", i+1, cp.After))
		}
		last = i
	}
	if !sr.st.Capabilities.IncrementalRead || len(col.Records) == 0 {
		return problems
	}
	if last < 0 {
		return append(problems, fmt.Sprintf("no checkpoint came after the %d records, but the stream declares incremental_read: "+
			"every read would start over", len(col.Records)))
	}
	if after := col.Checkpoints[last].After; after < len(col.Records) {
		problems = append(problems, fmt.Sprintf("the last checkpoint came after record %d of %d: want one after the last record, "+
			"or the records after it are read again every time", after, len(col.Records)))
	}
	return problems
}

// cursorProblems lists where records come out of checkpoint order: with a
// cursor field, a record emitted after one of the stream's checkpoints
// must not have a smaller cursor than a record emitted before it, or a read
// resumed from that checkpoint by cursor would skip it. Between two
// checkpoints the order is free (a full read may list by id and checkpoint
// once at the end). Records without a cursor value are not compared.
func (sr *streamRead) cursorProblems(col *Collector) []string {
	field := sr.st.CursorField
	if field == "" {
		return nil
	}
	var problems []string
	var maxBefore cursorValue
	maxAt, next := -1, 0 // the greatest cursor before the last boundary passed; the next checkpoint to pass
	seenMax, seenAt := cursorValue{}, -1
	for i, rec := range col.Records {
		for next < len(col.Checkpoints) && col.Checkpoints[next].After <= i {
			if col.Checkpoints[next].Stream == sr.st.Name && seenAt >= 0 &&
				(maxAt < 0 || compareCursors(seenMax, maxBefore) > 0) {
				maxBefore, maxAt = seenMax, seenAt
			}
			next++
		}
		if rec.Stream != sr.st.Name {
			continue
		}
		v, ok := cursorOf(rec.Data, field)
		if !ok {
			continue
		}
		if maxAt >= 0 && compareCursors(v, maxBefore) < 0 {
			problems = append(problems, fmt.Sprintf("records are not in checkpoint order: record %d (key %q) has %s %q, "+
				"but record %d (key %q), before a checkpoint that came earlier, has %q: a read resumed from that checkpoint would skip it",
				i+1, rec.Key, field, v.text, maxAt+1, col.Records[maxAt].Key, maxBefore.text))
		}
		if seenAt < 0 || compareCursors(v, seenMax) > 0 {
			seenMax, seenAt = v, i
		}
	}
	return problems
}

// report fails t with each problem, prefixed by what was checked, up to
// maxReported of them.
func report(t *testing.T, what string, problems []string) {
	t.Helper()
	for i, p := range problems {
		if i == maxReported {
			t.Errorf("%s: … and %d more problems like these", what, len(problems)-i)
			return
		}
		t.Errorf("%s: %s", what, p)
	}
}

// spread picks up to n elements of s, spread from its first to its last.
func spread[E any](s []E, n int) []E {
	if len(s) <= n {
		return s
	}
	if n == 1 {
		return s[:1]
	}
	out := make([]E, 0, n)
	for i := range n {
		out = append(out, s[i*(len(s)-1)/(n-1)])
	}
	return out
}

// keysIn returns the keys of got that are among the records of in and not
// among those of notIn, each once, in the order of got.
func keysIn(got []string, in, notIn []sdk.Record) []string {
	inSet := make(map[string]bool, len(in))
	for _, r := range in {
		inSet[r.Key] = true
	}
	for _, r := range notIn {
		delete(inSet, r.Key)
	}
	var out []string
	for _, k := range got {
		if inSet[k] {
			out = append(out, k)
			delete(inSet, k)
		}
	}
	return out
}

// keySet returns the keys of records as a set.
func keySet(records []sdk.Record) map[string]bool {
	set := make(map[string]bool, len(records))
	for _, rec := range records {
		set[rec.Key] = true
	}
	return set
}
