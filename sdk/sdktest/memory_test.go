package sdktest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// This file holds the connector the suite's own tests run against: a
// source and destination of people kept in memory (the "system", shared
// with its driver), which can be given one flaw at a time.

// Flaws the memory connector can be given; "" is none.
const (
	flawSkipsRecord      = "skips_record"       // a full read leaves out one record
	flawRepeats          = "repeats"            // an incremental read sends each record twice
	flawReversedResults  = "reversed_results"   // Write returns its results in reverse order
	flawTooFewResults    = "too_few_results"    // Write drops the last result
	flawIgnoresCancel    = "ignores_cancel"     // Read retries a failed Emit or Checkpoint, never looking at ctx
	flawUnmarkedToken    = "unmarked_token"     // the "token" property is not marked secret
	flawUntypedAuth      = "untyped_auth"       // Check refuses bad credentials with an error of no kind
	flawVagueConfig      = "vague_config"       // a missing field gives a config error that does not name it
	flawNoCheckpoint     = "no_checkpoint"      // Read never checkpoints
	flawBadRecordPasses  = "bad_record_passes"  // Write takes a record without an email
	flawResumeGap        = "resume_gap"         // a read from a state, of more than a page, leaves out the first record after it
	flawResumeExtra      = "resume_extra"       // a read from a state, of more than a page, also sends a person deleted long ago
	flawFullRepeats      = "full_repeats"       // a full read sends one record twice
	flawTruncatedData    = "truncated_data"     // a full read sends one record's data cut short
	flawResendsLast      = "resends_last"       // a read from a state sends the record at the state again (>= for >)
	flawEarlyCheckpoint  = "early_checkpoint"   // a full read sends its last checkpoint before its last record
	flawQuietCancel      = "quiet_cancel"       // Read uses context.Background and ignores Emit and Checkpoint errors
	flawSwallowsCancel   = "swallows_cancel"    // Read returns no error once its context is done
	flawCancelLosesError = "cancel_loses_error" // Read reports a failed Emit with an error of its own
	flawDuplicateObject  = "duplicate_object"   // rewriting unchanged data adds a copy of the object, reporting the original
	flawReplacesOnUpdate = "replaces_on_update" // a write with TargetID replaces that object by one with a new id
	flawAlwaysCreated    = "always_created"     // every written record is reported created
	flawBadRecordKind    = "bad_record_kind"    // a record without an email is refused as transient
	flawRateLimitKind    = "rate_limit_kind"    // a 429 is reported as transient
	flawReadLosesKind    = "read_loses_kind"    // Read reports the system's refusals with no kind
	flawWriteLosesKind   = "write_loses_kind"   // Write reports the system's refusals with no kind
	flawRecordsLoseKind  = "records_lose_kind"  // Write fails each record of a refused batch with no kind
	flawUntypedNoHost    = "untyped_no_host"    // Check reports an unreachable system with an error of no kind
	flawDiscoverDiffers  = "discover_differs"   // Discover declares the stream with another canonical kind
	flawLookBack         = "look_back"          // a read from a state also sends again the people changed in the 3s up to it
	flawNeverCreated     = "never_created"      // no written record is reported created, new or not
	flawDeleteMissing    = "delete_missing"     // a delete of an object the system does not hold fails
	flawDeleteKeeps      = "delete_keeps"       // a delete answers success and leaves the object
)

// lookBackSeconds is how far behind its state a read with flawLookBack
// starts.
const lookBackSeconds = 3

// epoch is the updated_at of change 0: change n is n seconds later.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// store is the system behind the memory connector.
type store struct {
	mu      sync.Mutex
	clock   int               // last change's sequence number
	people  map[string]person // the source side, by key
	objects map[string]object // the destination side, by id
	nextID  int
	// failStatus is the HTTP status the next failLeft requests get.
	failStatus, failLeft int
}

type person struct {
	key  string
	seq  int
	name string
}

type object struct {
	key   string
	email string
	data  string
}

func newStore() *store {
	return &store{people: map[string]person{}, objects: map[string]object{}}
}

// memory is the connector.
type memory struct {
	st   *store
	flaw string
}

// discoveringMemory is the memory connector as a Discoverer.
type discoveringMemory struct{ *memory }

// newMemory returns the memory connector with flaw, a Discoverer if
// discovers is set or the flaw is in Discover.
func newMemory(st *store, flaw string, discovers bool) sdk.Connector {
	m := &memory{st: st, flaw: flaw}
	if discovers || flaw == flawDiscoverDiffers {
		return discoveringMemory{m}
	}
	return m
}

var (
	_ sdk.Connector   = (*memory)(nil)
	_ sdk.Source      = (*memory)(nil)
	_ sdk.Destination = (*memory)(nil)
	_ sdk.Discoverer  = discoveringMemory{}
)

const memorySchema = `{
  "type": "object",
  "required": ["token", "region"],
  "additionalProperties": false,
  "properties": {
    "token": {"type": "string", "secret": true},
    "region": {"type": "string", "enum": ["eu", "us"]},
    "url": {"type": "string", "description": "The system's address; unset: in memory."}
  }
}`

func (m *memory) Spec() sdk.Spec {
	schema := memorySchema
	if m.flaw == flawUnmarkedToken {
		schema = `{"type": "object", "required": ["token", "region"], "properties": {"token": {"type": "string"}, "region": {"type": "string"}, "url": {"type": "string"}}}`
	}
	return sdk.Spec{
		Name: "memory", Version: "1.2.3", Kind: sdk.CRM, ConfigSchema: schema,
		Streams: []sdk.StreamSpec{{
			Name: "people", Canonical: sdk.CanonicalCustomer, PrimaryKey: []string{"id"}, CursorField: "updated_at",
			Capabilities: sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Delete: true},
		}},
	}
}

func (m discoveringMemory) Discover(context.Context, sdk.DiscoverRequest) (sdk.DiscoverResponse, error) {
	streams := m.Spec().Streams
	if m.flaw == flawDiscoverDiffers {
		streams[0].Canonical = sdk.CanonicalOther
	}
	return sdk.DiscoverResponse{Streams: streams}, nil
}

func (m *memory) Check(ctx context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	for _, field := range []string{"token", "region"} {
		if !req.Config.Get(field).Exists() {
			if m.flaw == flawVagueConfig {
				return sdk.CheckResponse{}, sdk.ConfigError(errors.New("config is incomplete"))
			}
			return sdk.CheckResponse{}, sdk.ConfigError(fmt.Errorf("config: %s is required", field))
		}
	}
	if url := req.Config.Get("url").String(); url != "" {
		if err := m.ping(ctx, url); err != nil {
			return sdk.CheckResponse{}, err
		}
	}
	if err := m.call(); err != nil {
		return sdk.CheckResponse{}, err
	}
	if req.Config.Get("token").String() != "good" {
		if m.flaw == flawUntypedAuth {
			return sdk.CheckResponse{}, errors.New("token refused")
		}
		return sdk.CheckResponse{}, sdk.AuthError(errors.New("token refused"))
	}
	return sdk.CheckResponse{Message: "people in memory"}, nil
}

// ping calls the system at url, as a connector of a remote system would.
func (m *memory) ping(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return sdk.ConfigError(fmt.Errorf("url %q: %w", url, err))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		err = fmt.Errorf("call %s: %w", url, err)
		if m.flaw == flawUntypedNoHost {
			return err
		}
		return sdk.Transient(err)
	}
	return resp.Body.Close()
}

// request is one request to the system: it answers the status FailNext
// set, or 0 when it succeeds.
func (s *store) request() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft == 0 {
		return 0
	}
	s.failLeft--
	return s.failStatus
}

// call makes one request to the system and classifies its refusal, as a
// connector maps a vendor's HTTP answers to error kinds.
func (m *memory) call() error {
	status := m.st.request()
	if status == 0 {
		return nil
	}
	err := fmt.Errorf("system answered %d", status)
	switch {
	case status == http.StatusUnauthorized:
		return sdk.AuthError(err)
	case status == http.StatusTooManyRequests && m.flaw != flawRateLimitKind:
		return sdk.RateLimited(err, time.Second)
	}
	return sdk.Transient(err)
}

// changedSince returns the people changed after seq, in change order; with
// flawResendsLast, also the one changed at seq.
func (s *store) changedSince(seq int, inclusive bool) []person {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []person
	for _, p := range s.people {
		if p.seq > seq || inclusive && p.seq == seq {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b person) int { return a.seq - b.seq })
	return out
}

func (m *memory) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	if m.flaw == flawQuietCancel {
		ctx = context.Background()
	}
	for _, st := range req.Streams {
		if st.Stream != "people" {
			return sdk.ConfigError(fmt.Errorf("no stream %q", st.Stream))
		}
		from := 0
		if len(st.State) > 0 {
			var err error
			if from, err = strconv.Atoi(string(st.State)); err != nil {
				return sdk.ConfigError(fmt.Errorf("read from state %q: %w", st.State, err))
			}
		}
		err := m.readPeople(ctx, from, req.BatchSize, out)
		switch {
		case errors.Is(err, errStopped):
			return nil
		case err != nil:
			return fmt.Errorf("read people: %w", err)
		}
	}
	return nil
}

// readPeople sends the people changed after seq from, a page at a time,
// each page followed by a checkpoint.
func (m *memory) readPeople(ctx context.Context, from, size int, out sdk.Emitter) error {
	since := from
	if m.flaw == flawLookBack && from > 0 {
		since = max(from-lookBackSeconds-1, 0)
	}
	people := m.st.changedSince(since, m.flaw == flawResendsLast && from > 0)
	if m.flaw == flawSkipsRecord && from == 0 && len(people) > 6 {
		people = slices.Delete(people, 6, 7)
	}
	if from > 0 && len(people) > size {
		switch m.flaw {
		case flawResumeGap:
			people = people[1:]
		case flawResumeExtra:
			people = append(people, person{key: "p-0", seq: people[len(people)-1].seq, name: "Deleted long ago"})
		}
	}
	for start := 0; start < len(people); start += size {
		if start > 0 {
			if err := m.nextPage(ctx); err != nil {
				return err
			}
		}
		if err := m.call(); err != nil {
			if m.flaw == flawReadLosesKind {
				return fmt.Errorf("list people: %s", err)
			}
			return fmt.Errorf("list people: %w", err)
		}
		batch := people[start:min(start+size, len(people))]
		earlyCheckpoint := m.flaw == flawEarlyCheckpoint && from == 0 && start+size >= len(people)
		for i, p := range batch {
			if earlyCheckpoint && i == len(batch)-1 {
				if err := m.send(ctx, func() error { return out.Checkpoint("people", []byte(strconv.Itoa(p.seq))) }); err != nil {
					return err
				}
			}
			if err := m.emitPerson(ctx, p, start+i, from, out); err != nil {
				return err
			}
		}
		if m.flaw == flawNoCheckpoint || earlyCheckpoint {
			continue
		}
		state := []byte(strconv.Itoa(batch[len(batch)-1].seq))
		if err := m.send(ctx, func() error { return out.Checkpoint("people", state) }); err != nil {
			return err
		}
	}
	return nil
}

// emitPerson emits person p, the i-th (from 0) of a read from seq from.
func (m *memory) emitPerson(ctx context.Context, p person, i, from int, out sdk.Emitter) error {
	updated := epoch.Add(time.Duration(p.seq) * time.Second).Format(time.RFC3339)
	rec := sdk.Record{Stream: "people", Key: p.key, Data: fmt.Appendf(nil, `{"id":%q,"name":%q,"seq":%d,"updated_at":%q}`, p.key, p.name, p.seq, updated)}
	if m.flaw == flawTruncatedData && from == 0 && i == 2 {
		rec.Data = rec.Data[:len(rec.Data)/2]
	}
	times := 1
	if m.flaw == flawRepeats && from > 0 || m.flaw == flawFullRepeats && from == 0 && i == 4 {
		times = 2
	}
	for range times {
		if err := m.send(ctx, func() error { return out.Emit(rec) }); err != nil {
			return err
		}
	}
	return nil
}

// pageDelay is how long the system takes to answer for a page of people
// after the first: long enough for a cancel to arrive mid-read.
const pageDelay = 20 * time.Millisecond

// nextPage waits for the system's next page, or for ctx to end. With
// flawIgnoresCancel it sleeps, never looking at ctx.
func (m *memory) nextPage(ctx context.Context) error {
	if m.flaw == flawIgnoresCancel {
		time.Sleep(pageDelay)
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(pageDelay):
		return nil
	}
}

// errStopped is how send tells Read, with flawSwallowsCancel, to end as
// if it had read everything.
var errStopped = errors.New("stopped")

// send calls an Emitter method once. With flawIgnoresCancel it retries a
// failure for half a minute, never looking at the read's context; with
// flawQuietCancel it ignores the failure; with flawCancelLosesError it
// replaces it by an error of its own; with flawSwallowsCancel it stops the
// read, without calling, once ctx is done.
func (m *memory) send(ctx context.Context, call func() error) error {
	if m.flaw == flawSwallowsCancel && ctx.Err() != nil {
		return errStopped
	}
	err := call()
	switch m.flaw {
	case flawIgnoresCancel:
		for i := 0; err != nil && i < 3000; i++ {
			time.Sleep(10 * time.Millisecond)
			err = call()
		}
	case flawQuietCancel:
		return nil
	case flawCancelLosesError:
		if err != nil {
			return sdk.Transient(errors.New("read interrupted"))
		}
	}
	return err
}

func (m *memory) OpenWriter(_ context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	if req.Stream != "people" {
		return nil, sdk.ConfigError(fmt.Errorf("no stream %q", req.Stream))
	}
	return &memoryWriter{m: m}, nil
}

// memoryWriter upserts people by email, or by TargetID when it is set,
// with one request to the system per batch.
type memoryWriter struct{ m *memory }

func (w *memoryWriter) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	if err := w.m.call(); err != nil {
		switch w.m.flaw {
		case flawWriteLosesKind:
			return sdk.WriteResponse{}, fmt.Errorf("write people: %s", err)
		case flawRecordsLoseKind:
			res := make([]sdk.Result, len(req.Records))
			for i := range res {
				res[i] = sdk.Failed(fmt.Errorf("write person: %s", err))
			}
			return sdk.WriteResponse{Results: res}, nil
		}
		return sdk.WriteResponse{}, fmt.Errorf("write people: %w", err)
	}
	res := make([]sdk.Result, len(req.Records))
	for i, rec := range req.Records {
		res[i] = w.m.upsert(rec)
	}
	switch w.m.flaw {
	case flawReversedResults:
		slices.Reverse(res)
	case flawTooFewResults:
		res = res[:len(res)-1]
	}
	return sdk.WriteResponse{Results: res}, nil
}

func (w *memoryWriter) Close(context.Context) error { return nil }

// upsert writes one record: over the object TargetID names, else over the
// object with its email, else as a new object. A delete removes the object
// TargetID names, else the one written under its key, if there is one.
func (m *memory) upsert(rec sdk.Record) sdk.Result {
	if rec.Op == sdk.Delete {
		return m.delete(rec)
	}
	email := gjson.GetBytes(rec.Data, "email").String()
	if email == "" {
		switch m.flaw {
		case flawBadRecordKind:
			return sdk.Failed(sdk.Transient(errors.New("record has no email")))
		case flawBadRecordPasses:
		default:
			return sdk.Failed(sdk.BadRecord(errors.New("record has no email")))
		}
	}
	s := m.st
	s.mu.Lock()
	defer s.mu.Unlock()
	id := ""
	if _, ok := s.objects[rec.TargetID]; ok {
		id = rec.TargetID
		if m.flaw == flawReplacesOnUpdate {
			delete(s.objects, id)
			return sdk.Written(s.add(rec.Key, email, rec.Data), false)
		}
	}
	for oid, o := range s.objects {
		if id == "" && o.email == email {
			id = oid
		}
	}
	created := id == ""
	switch {
	case created:
		id = s.add(rec.Key, email, rec.Data)
	case m.flaw == flawDuplicateObject && s.objects[id].data == string(rec.Data):
		s.add(rec.Key, email, rec.Data)
	default:
		s.objects[id] = object{key: rec.Key, email: email, data: string(rec.Data)}
	}
	return sdk.Written(id, (created || m.flaw == flawAlwaysCreated) && m.flaw != flawNeverCreated)
}

// delete removes the object a delete record names, if the system holds it.
func (m *memory) delete(rec sdk.Record) sdk.Result {
	s := m.st
	s.mu.Lock()
	defer s.mu.Unlock()
	id := ""
	if _, ok := s.objects[rec.TargetID]; ok {
		id = rec.TargetID
	}
	for oid, o := range s.objects {
		if id == "" && o.key == rec.Key {
			id = oid
		}
	}
	switch {
	case id == "" && m.flaw == flawDeleteMissing:
		return sdk.Failed(sdk.BadRecord(fmt.Errorf("delete %s: no such person", rec.Key)))
	case id == "":
		return sdk.Written(rec.TargetID, false)
	case m.flaw != flawDeleteKeeps:
		delete(s.objects, id)
	}
	return sdk.Written(id, false)
}

// add stores a new object and returns its id. s.mu is held.
func (s *store) add(key, email string, data []byte) string {
	s.nextID++
	id := fmt.Sprintf("obj-%d", s.nextID)
	s.objects[id] = object{key: key, email: email, data: string(data)}
	return id
}

// memoryDriver drives the store for the suite.
type memoryDriver struct{ st *store }

func (d memoryDriver) Seed(_ context.Context, _ string, n int) ([]string, error) {
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	d.st.people = map[string]person{}
	keys := make([]string, n)
	for i := range n {
		d.st.clock++
		keys[i] = fmt.Sprintf("p-%d", i+1)
		d.st.people[keys[i]] = person{key: keys[i], seq: d.st.clock, name: fmt.Sprintf("Person %d", i+1)}
	}
	return keys, nil
}

func (d memoryDriver) Change(_ context.Context, _ string, keys []string, add int) ([]string, error) {
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	changed := slices.Clone(keys)
	for _, k := range keys {
		p, ok := d.st.people[k]
		if !ok {
			return nil, fmt.Errorf("change %s: no such person", k)
		}
		d.st.clock++
		p.seq, p.name = d.st.clock, p.name+" (changed)"
		d.st.people[k] = p
	}
	for range add {
		d.st.clock++
		k := fmt.Sprintf("p-%d", len(d.st.people)+1)
		d.st.people[k] = person{key: k, seq: d.st.clock, name: "Added " + k}
		changed = append(changed, k)
	}
	return changed, nil
}

func (d memoryDriver) Records(stream string, n, salt int) []sdk.Record {
	recs := make([]sdk.Record, n)
	for i := range recs {
		key := fmt.Sprintf("w-%d", i+1)
		recs[i] = sdk.Record{Stream: stream, Key: key,
			Data: fmt.Appendf(nil, `{"email":"%s@example.com","name":"Writer %d v%d"}`, key, i+1, salt)}
	}
	return recs
}

func (d memoryDriver) Count(_ context.Context, _ string, recs []sdk.Record) ([]int, error) {
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	counts := make([]int, len(recs))
	for i, rec := range recs {
		email := gjson.GetBytes(rec.Data, "email").String()
		for _, o := range d.st.objects {
			if o.email == email {
				counts[i]++
			}
		}
	}
	return counts, nil
}

func (d memoryDriver) BadRecord(stream string) (sdk.Record, bool) {
	return sdk.Record{Stream: stream, Key: "w-bad", Data: []byte(`{"name":"No Email"}`)}, true
}

func (d memoryDriver) FailNext(_ context.Context, status, n int) error {
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	d.st.failStatus, d.st.failLeft = status, n
	return nil
}
