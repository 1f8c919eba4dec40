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
	flawSkipsRecord     = "skips_record"      // a full read leaves out one record
	flawRepeats         = "repeats"           // an incremental read sends each record twice
	flawReversedResults = "reversed_results"  // Write returns its results in reverse order
	flawTooFewResults   = "too_few_results"   // Write drops the last result
	flawIgnoresCancel   = "ignores_cancel"    // Read retries a failed Emit or Checkpoint, never looking at ctx
	flawUnmarkedToken   = "unmarked_token"    // the "token" property is not marked secret
	flawUntypedAuth     = "untyped_auth"      // Check refuses bad credentials with an error of no kind
	flawVagueConfig     = "vague_config"      // a missing field gives a config error that does not name it
	flawNoCheckpoint    = "no_checkpoint"     // Read never checkpoints
	flawBadRecordPasses = "bad_record_passes" // Write takes a record without an email
)

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

var (
	_ sdk.Connector   = (*memory)(nil)
	_ sdk.Source      = (*memory)(nil)
	_ sdk.Destination = (*memory)(nil)
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
			Name: "people", Canonical: sdk.CanonicalCustomer, PrimaryKey: []string{"id"}, CursorField: "seq",
			Capabilities: sdk.Capabilities{Read: true, IncrementalRead: true, Write: true},
		}},
	}
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
		if err := ping(ctx, url); err != nil {
			return sdk.CheckResponse{}, err
		}
	}
	if err := m.st.request(); err != nil {
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
func ping(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return sdk.ConfigError(fmt.Errorf("url %q: %w", url, err))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return sdk.Transient(fmt.Errorf("call %s: %w", url, err))
	}
	return resp.Body.Close()
}

// request is one request to the system: it fails as FailNext said.
func (s *store) request() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft == 0 {
		return nil
	}
	s.failLeft--
	err := fmt.Errorf("system answered %d", s.failStatus)
	switch s.failStatus {
	case http.StatusUnauthorized:
		return sdk.AuthError(err)
	case http.StatusTooManyRequests:
		return sdk.RateLimited(err, time.Second)
	}
	return sdk.Transient(err)
}

// changedSince returns the people changed after seq, in change order.
func (s *store) changedSince(seq int) []person {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []person
	for _, p := range s.people {
		if p.seq > seq {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b person) int { return a.seq - b.seq })
	return out
}

func (m *memory) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
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
		if err := m.readPeople(ctx, from, req.BatchSize, out); err != nil {
			return err
		}
	}
	return nil
}

// readPeople sends the people changed after seq from, in batches, each
// followed by a checkpoint.
func (m *memory) readPeople(ctx context.Context, from, size int, out sdk.Emitter) error {
	people := m.st.changedSince(from)
	if m.flaw == flawSkipsRecord && from == 0 && len(people) > 6 {
		people = slices.Delete(people, 6, 7)
	}
	for start := 0; start < len(people); start += size {
		if start > 0 {
			if err := m.nextPage(ctx); err != nil {
				return err
			}
		}
		batch := people[start:min(start+size, len(people))]
		for _, p := range batch {
			rec := sdk.Record{Stream: "people", Key: p.key, Data: fmt.Appendf(nil, `{"id":%q,"name":%q,"seq":%d}`, p.key, p.name, p.seq)}
			times := 1
			if m.flaw == flawRepeats && from > 0 {
				times = 2
			}
			for range times {
				if err := m.retry(func() error { return out.Emit(rec) }); err != nil {
					return err
				}
			}
		}
		if m.flaw == flawNoCheckpoint {
			continue
		}
		state := []byte(strconv.Itoa(batch[len(batch)-1].seq))
		if err := m.retry(func() error { return out.Checkpoint("people", state) }); err != nil {
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

// retry calls send once; with flawIgnoresCancel, it retries a failure
// for half a minute, never looking at the read's context.
func (m *memory) retry(send func() error) error {
	err := send()
	for i := 0; err != nil && m.flaw == flawIgnoresCancel && i < 3000; i++ {
		time.Sleep(10 * time.Millisecond)
		err = send()
	}
	return err
}

func (m *memory) OpenWriter(_ context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	if req.Stream != "people" {
		return nil, sdk.ConfigError(fmt.Errorf("no stream %q", req.Stream))
	}
	return &memoryWriter{m: m}, nil
}

// memoryWriter upserts people by email, or by TargetID when it is set.
type memoryWriter struct{ m *memory }

func (w *memoryWriter) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	res := make([]sdk.Result, len(req.Records))
	for i, rec := range req.Records {
		res[i] = w.m.st.upsert(rec, w.m.flaw == flawBadRecordPasses)
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
// object with its email, else as a new object.
func (s *store) upsert(rec sdk.Record, lax bool) sdk.Result {
	email := gjson.GetBytes(rec.Data, "email").String()
	if email == "" && !lax {
		return sdk.Failed(sdk.BadRecord(errors.New("record has no email")))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := ""
	if _, ok := s.objects[rec.TargetID]; ok {
		id = rec.TargetID
	}
	for oid, o := range s.objects {
		if id == "" && o.email == email {
			id = oid
		}
	}
	created := id == ""
	if created {
		s.nextID++
		id = fmt.Sprintf("obj-%d", s.nextID)
	}
	s.objects[id] = object{email: email, data: string(rec.Data)}
	return sdk.Written(id, created)
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
