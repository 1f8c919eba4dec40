package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// fakeSource serves records in order, with a checkpoint (the count of
// records emitted so far) after every `every` records. failAfter > 0 makes
// a read fail with a transient error after that many records.
type fakeSource struct {
	mu        sync.Mutex
	records   []sdk.Record
	every     int
	failAfter int
	reads     int
}

func (s *fakeSource) Spec() sdk.Spec { return sdk.Spec{Name: "fakesource", Version: "1"} }
func (s *fakeSource) Check(context.Context, sdk.CheckRequest) (sdk.CheckResponse, error) {
	return sdk.CheckResponse{}, nil
}

func (s *fakeSource) add(recs ...sdk.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, recs...)
}

func (s *fakeSource) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	s.mu.Lock()
	recs := append([]sdk.Record(nil), s.records...)
	s.reads++
	failAfter := s.failAfter
	s.failAfter = 0
	s.mu.Unlock()
	start := 0
	if st := req.Streams[0].State; st != nil {
		n, err := strconv.Atoi(string(st))
		if err != nil {
			return sdk.ConfigError(fmt.Errorf("bad state %q", st))
		}
		start = n
	}
	for i := start; i < len(recs); i++ {
		if failAfter > 0 && i-start == failAfter {
			return sdk.Transient(errors.New("source connection reset"))
		}
		if err := out.Emit(recs[i]); err != nil {
			return err
		}
		if (i+1)%s.every == 0 || i == len(recs)-1 {
			if err := out.Checkpoint(req.Streams[0].Stream, []byte(strconv.Itoa(i+1))); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// fakeDest keeps records by key and fails on demand.
type fakeDest struct {
	mu      sync.Mutex
	objects map[string]string // id → data
	byKey   map[string]string // key field → id
	nextID  int
	writes  int // records received, including retries
	// fail decides a record's failure (nil: write it); called per attempt.
	fail func(rec sdk.Record, attempt int) error
	// batchFail, if it returns an error, fails a whole Write call.
	batchFail func(call int) error
	calls     int
	attempts  map[string]int
	targets   map[string]string // key → TargetID last seen
	attemptAt map[string][]time.Time
}

func newFakeDest() *fakeDest {
	return &fakeDest{objects: map[string]string{}, byKey: map[string]string{}, attempts: map[string]int{},
		targets: map[string]string{}, attemptAt: map[string][]time.Time{}}
}

func (d *fakeDest) Spec() sdk.Spec { return sdk.Spec{Name: "fakedest", Version: "1"} }
func (d *fakeDest) Check(context.Context, sdk.CheckRequest) (sdk.CheckResponse, error) {
	return sdk.CheckResponse{}, nil
}

func (d *fakeDest) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return d, nil
}

func (d *fakeDest) Close(context.Context) error { return nil }

func (d *fakeDest) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if d.batchFail != nil {
		if err := d.batchFail(d.calls); err != nil {
			return sdk.WriteResponse{}, err
		}
	}
	results := make([]sdk.Result, len(req.Records))
	for i, r := range req.Records {
		d.writes++
		d.attempts[r.Key]++
		d.targets[r.Key] = r.TargetID
		d.attemptAt[r.Key] = append(d.attemptAt[r.Key], time.Now())
		if d.fail != nil {
			if err := d.fail(r, d.attempts[r.Key]); err != nil {
				results[i] = sdk.Failed(err)
				continue
			}
		}
		if !json.Valid(r.Data) {
			results[i] = sdk.Failed(sdk.BadRecord(fmt.Errorf("not JSON: %q", r.Data)))
			continue
		}
		id, ok := d.byKey[r.Key]
		if r.Op == sdk.Delete {
			delete(d.objects, id)
			delete(d.byKey, r.Key)
			results[i] = sdk.Written(id, false)
			continue
		}
		if !ok {
			d.nextID++
			id = "obj-" + strconv.Itoa(d.nextID)
			d.byKey[r.Key] = id
		}
		d.objects[id] = string(r.Data)
		results[i] = sdk.Written(id, !ok)
	}
	return sdk.WriteResponse{Results: results}, nil
}

func (d *fakeDest) snapshot() map[string]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]string{}
	for k, id := range d.byKey {
		out[k] = d.objects[id]
	}
	return out
}

// fakeLauncher hands out the in-process fakes by connection name and
// counts starts.
type fakeLauncher struct {
	mu         sync.Mutex
	connectors map[string]sdk.Connector
	starts     map[string]int
	stops      int
}

func (l *fakeLauncher) Start(_ context.Context, connection string) (sdk.Connector, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.connectors[connection]
	if !ok {
		return nil, sdk.ConfigError(fmt.Errorf("no connection %q", connection))
	}
	if l.starts == nil {
		l.starts = map[string]int{}
	}
	l.starts[connection]++
	return c, nil
}

func (l *fakeLauncher) Stop(sdk.Connector) {
	l.mu.Lock()
	l.stops++
	l.mu.Unlock()
}
