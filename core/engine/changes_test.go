package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/mapping"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/sqlite"
	"github.com/cxhub/cxhub/sdk"
)

// fakeSystem is a vendor both read and written: objects by id, each
// stamped with a modified counter on every change (ours too), read
// incrementally by that counter. A write merges the fields it is given.
type fakeSystem struct {
	mu     sync.Mutex
	objs   map[string]map[string]any
	seq    map[string]int
	clock  int
	nextID int
	writes int
	prefix string
	// hidden is an object reads leave out; rejected one writes refuse as
	// a bad record ("" for none).
	hidden, rejected string
	// upsertBy is a field a write without a TargetID finds an existing
	// object by and updates, as HubSpot and Shopify find contacts and
	// customers by email ("" creates every time).
	upsertBy string
}

func newFakeSystem(prefix string) *fakeSystem {
	return &fakeSystem{objs: map[string]map[string]any{}, seq: map[string]int{}, prefix: prefix}
}

func (s *fakeSystem) Spec() sdk.Spec { return sdk.Spec{Name: "fakesystem", Version: "1"} }
func (s *fakeSystem) Check(context.Context, sdk.CheckRequest) (sdk.CheckResponse, error) {
	return sdk.CheckResponse{}, nil
}
func (s *fakeSystem) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return s, nil
}
func (s *fakeSystem) Close(context.Context) error { return nil }

// put creates or changes an object's fields, as a person would.
func (s *fakeSystem) put(id string, fields map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objs[id] == nil {
		s.objs[id] = map[string]any{}
	}
	for k, v := range fields {
		s.objs[id][k] = v
	}
	s.clock++
	s.seq[id] = s.clock
}

func (s *fakeSystem) get(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.objs[id]
}

func (s *fakeSystem) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	s.mu.Lock()
	since := 0
	if st := req.Streams[0].State; st != nil {
		since, _ = strconv.Atoi(string(st))
	}
	var ids []string
	for id, n := range s.seq {
		if n > since && id != s.hidden {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return s.seq[a] - s.seq[b] })
	var recs []sdk.Record
	for _, id := range ids {
		obj := map[string]any{"modified": s.seq[id]} // stamped on every change
		for k, v := range s.objs[id] {
			obj[k] = v
		}
		data, _ := json.Marshal(obj)
		recs = append(recs, sdk.Record{Stream: req.Streams[0].Stream, Key: id, Data: data, UpdatedAt: time.Unix(int64(s.seq[id]), 0)})
	}
	clock := s.clock
	s.mu.Unlock()
	for _, r := range recs {
		if err := out.Emit(r); err != nil {
			return err
		}
	}
	return out.Checkpoint(req.Streams[0].Stream, []byte(strconv.Itoa(clock)))
}

func (s *fakeSystem) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	results := make([]sdk.Result, len(req.Records))
	for i, r := range req.Records {
		var fields map[string]any
		if err := json.Unmarshal(r.Data, &fields); err != nil {
			results[i] = sdk.Failed(sdk.BadRecord(err))
			continue
		}
		id, created := r.TargetID, r.TargetID == ""
		s.mu.Lock()
		rejected := id != "" && id == s.rejected
		s.mu.Unlock()
		if rejected {
			results[i] = sdk.Failed(sdk.BadRecord(errors.New("rejected")))
			continue
		}
		if created && s.upsertBy != "" {
			s.mu.Lock()
			for oid, obj := range s.objs {
				if v, ok := fields[s.upsertBy]; ok && obj[s.upsertBy] == v {
					id, created = oid, false
				}
			}
			s.mu.Unlock()
		}
		if created {
			s.mu.Lock()
			s.nextID++
			id = s.prefix + strconv.Itoa(s.nextID)
			s.mu.Unlock()
		}
		s.put(id, fields)
		s.mu.Lock()
		s.writes++
		s.mu.Unlock()
		results[i] = sdk.Written(id, created)
	}
	return sdk.WriteResponse{Results: results}, nil
}

func (s *fakeSystem) writeCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// twoWay is a sync between two fake systems, run by the engine.
type twoWay struct {
	t      *testing.T
	a, b   *fakeSystem
	runner *Runner
	store  state.Store
}

const twoWayConfig = `version: 1
connections:
  crm: {connector: fakesystem}
  desk: {connector: fakesystem}
syncs:
  - name: people
    a: {connection: crm, stream: contacts}
    b: {connection: desk, stream: users}
    match: email
    to_b:
      email: email
      phone: phone
      name: "{{first}} {{last}}"
    to_a:
      email: email
      phone: phone
      first: name
    owners: {name: a}
`

func newTwoWay(t *testing.T) *twoWay {
	t.Helper()
	return newTwoWayWith(t, twoWayConfig)
}

func newTwoWayWith(t *testing.T, yaml string) *twoWay {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "cxhub.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	w := &twoWay{t: t, a: newFakeSystem("a-"), b: newFakeSystem("b-"), store: store}
	launch := &fakeLauncher{connectors: map[string]sdk.Connector{"crm": w.a, "desk": w.b}}
	w.runner = &Runner{Config: cfg, Store: store, Launcher: launch, RestartBackoff: time.Millisecond}
	return w
}

// round runs a → b then b → a and returns both runs' counts and the
// writes each system received.
func (w *twoWay) round() (ab, ba state.Counts, toA, toB int) {
	w.t.Helper()
	beforeA, beforeB := w.a.writeCount(), w.b.writeCount()
	for i, name := range []string{"people-a-to-b", "people-b-to-a"} {
		res := w.runner.Sync(context.Background(), name)
		if res.Err != nil {
			w.t.Fatalf("%s: %v", name, res.Err)
		}
		if i == 0 {
			ab = res.Counts
		} else {
			ba = res.Counts
		}
	}
	return ab, ba, w.a.writeCount() - beforeA, w.b.writeCount() - beforeB
}

func TestTwoWaySettlesWithoutEchoes(t *testing.T) {
	w := newTwoWay(t)
	for i := range 20 {
		w.a.put(fmt.Sprint("c", i), map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "phone": fmt.Sprint("+44 ", i),
			"first": "Margaret", "last": "Thompson"})
	}
	ab, ba, toA, toB := w.round()
	if toB != 20 || toA != 0 || ab.Created != 20 {
		t.Fatalf("first round: %d writes to b, %d to a (a→b %+v); want 20 and 0", toB, toA, ab)
	}
	if ba.Read != 20 || ba.Echo != 20 {
		t.Errorf("first round b→a: %+v; want the 20 records read back as echoes", ba)
	}
	if got := w.b.get("b-1")["name"]; got != "Margaret Thompson" {
		t.Errorf("b-1 name = %v", got)
	}
	for r := 2; r <= 4; r++ {
		if ab, ba, toA, toB := w.round(); toA != 0 || toB != 0 {
			t.Errorf("round %d: %d writes to a and %d to b (a→b %+v, b→a %+v); want none", r, toA, toB, ab, ba)
		}
	}
	if got := w.a.get("c1")["first"]; got != "Margaret" {
		t.Errorf("c1 first name = %v, want Margaret: the name split was carried back", got)
	}
}

func TestTwoWayCarriesAnEditOnceAndMergesFields(t *testing.T) {
	w := newTwoWay(t)
	w.a.put("c1", map[string]any{"email": "old@example.com", "phone": "1", "first": "Ann", "last": "Lee"})
	w.round()
	// An edit in a reaches b in one round, and nothing goes back to a.
	w.a.put("c1", map[string]any{"phone": "2"})
	ab, ba, toA, toB := w.round()
	if toB != 1 || toA != 0 || w.b.get("b-1")["phone"] != "2" {
		t.Errorf("edit in a: %d writes to b, %d to a, b phone %v (a→b %+v, b→a %+v)", toB, toA, w.b.get("b-1")["phone"], ab, ba)
	}
	if ba.Echo != 1 {
		t.Errorf("b→a counts %+v, want the edit's echo", ba)
	}
	// Different fields edited on both sides merge.
	w.a.put("c1", map[string]any{"phone": "3"})
	w.b.put("b-1", map[string]any{"email": "new@example.com"})
	if _, _, toA, toB := w.round(); toA != 1 || toB != 1 {
		t.Errorf("merge round: %d writes to a, %d to b; want 1 and 1", toA, toB)
	}
	if a, b := w.a.get("c1"), w.b.get("b-1"); a["phone"] != "3" || b["phone"] != "3" || a["email"] != "new@example.com" || b["email"] != "new@example.com" {
		t.Errorf("after the merge a = %v, b = %v", a, b)
	}
	if _, _, toA, toB := w.round(); toA != 0 || toB != 0 {
		t.Errorf("after the merge, a round made %d writes to a and %d to b", toA, toB)
	}
	// b's edit of a field a owns is not carried back.
	w.b.put("b-1", map[string]any{"name": "Somebody Else"})
	if _, ba, toA, _ := w.round(); toA != 0 || ba.Unchanged != 1 {
		t.Errorf("edit of an a-owned field in b: %d writes to a (b→a %+v)", toA, ba)
	}
}

// TestTwoWayFirstMatchKeepsWhatTheOtherSideLacks: a person both systems
// already have, not linked yet, found by email by the first write. A field
// the writing side has no value for (null) does not erase the value the
// other side holds; the next round carries that value across, and the
// sync settles.
func TestTwoWayFirstMatchKeepsWhatTheOtherSideLacks(t *testing.T) {
	w := newTwoWay(t)
	w.a.upsertBy, w.b.upsertBy = "email", "email"
	w.a.put("c1", map[string]any{"email": "ann@example.com", "phone": "+1 415 555 0101", "first": "Ann", "last": "Lee"})
	w.b.put("b-7", map[string]any{"email": "ann@example.com", "phone": nil, "name": "Ann Lee"})
	// b → a runs first (a → b failed, or runs on another schedule).
	if res := w.runner.Sync(context.Background(), "people-b-to-a"); res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := w.a.get("c1")["phone"]; got != "+1 415 555 0101" {
		t.Fatalf("a's phone after b's first write: %v, want +1 415 555 0101 (b has no phone: nothing to take)", got)
	}
	w.round()
	if a, b := w.a.get("c1"), w.b.get("b-7"); a["phone"] != "+1 415 555 0101" || b["phone"] != "+1 415 555 0101" {
		t.Errorf("after a round: a %v, b %v; want a's phone on both", a, b)
	}
	if ab, ba, toA, toB := w.round(); toA != 0 || toB != 0 {
		t.Errorf("the next round made %d writes to a and %d to b (a→b %+v, b→a %+v); want none", toA, toB, ab, ba)
	}
}

// TestTwoWayFirstMatchWritesTheOwnersNull: the null of a field its side
// owns is written on the first match, since the other side's value is
// never carried back to replace it (keeping it would leave the sides
// different for good).
func TestTwoWayFirstMatchWritesTheOwnersNull(t *testing.T) {
	w := newTwoWayWith(t, strings.Replace(twoWayConfig, "owners: {name: a}", "owners: {name: a, phone: a}", 1))
	w.a.upsertBy, w.b.upsertBy = "email", "email"
	w.a.put("c1", map[string]any{"email": "ann@example.com", "phone": nil, "first": "Ann", "last": "Lee"})
	w.b.put("b-7", map[string]any{"email": "ann@example.com", "phone": "+1 415 555 0101", "name": "Ann Lee"})
	if res := w.runner.Sync(context.Background(), "people-a-to-b"); res.Err != nil {
		t.Fatal(res.Err)
	}
	for range 3 {
		w.round()
	}
	if a, b := w.a.get("c1"), w.b.get("b-7"); a["phone"] != nil || b["phone"] != nil {
		t.Errorf("after three rounds: a's phone %v, b's %v; want a's null (a owns phone) on both", a["phone"], b["phone"])
	}
}

func TestPlainPipelineSkipsUnchangedContent(t *testing.T) {
	h := newHarness(t, 5, func(p *config.Pipeline) {
		p.Map = []mapping.Field{{Name: "email", Expr: "email"}}
	})
	if res := h.sync(); res.Err != nil || res.Counts.Created != 5 {
		t.Fatalf("first sync: %+v, %v", res.Counts, res.Err)
	}
	// c001 read again with a field that is not mapped changed; c002 with
	// its email changed.
	c1, c2 := customer(1), customer(2)
	c1.Data = []byte(`{"id":"c001","email":"user1@example.com","score":"99"}`)
	c2.Data = []byte(`{"id":"c002","email":"changed@example.com"}`)
	h.src.add(c1, c2)
	writes := h.dst.writes
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Counts.Unchanged != 1 || res.Counts.Written != 1 || h.dst.writes-writes != 1 || h.dst.attempts["c001"] != 1 {
		t.Errorf("counts %+v, %d writes (c001 written %d times); want c001 unchanged and c002 written", res.Counts, h.dst.writes-writes, h.dst.attempts["c001"])
	}
	runs, err := h.store.Runs(context.Background(), state.RunFilter{Pipeline: "p", Limit: 1})
	if err != nil || len(runs) != 1 || runs[0].Counts.Unchanged != 1 {
		t.Errorf("stored run %+v, %v; want unchanged 1", runs, err)
	}
}

func TestTwoWayConflictFollowsTheRuleAndIsRecorded(t *testing.T) {
	w := newTwoWay(t)
	w.a.put("c1", map[string]any{"email": "ann@example.com", "phone": "1", "first": "Ann", "last": "Lee"})
	w.round()
	// b's clock is behind a's: stamped later, b's edit is the latest.
	w.b.clock = w.a.clock + 100
	w.a.put("c1", map[string]any{"phone": "from-a"})
	w.b.put("b-1", map[string]any{"phone": "from-b"})
	ab, ba, toA, toB := w.round()
	if toB != 0 || toA != 1 || w.a.get("c1")["phone"] != "from-b" || w.b.get("b-1")["phone"] != "from-b" {
		t.Errorf("latest edit in b: %d writes to b, %d to a; a %v, b %v (a→b %+v, b→a %+v)",
			toB, toA, w.a.get("c1"), w.b.get("b-1"), ab, ba)
	}
	conflicts, err := w.store.Conflicts(context.Background(), state.ConflictFilter{Sync: "people"})
	if err != nil {
		t.Fatal(err)
	}
	if len(conflicts) != 1 {
		t.Fatalf("conflicts: %+v, want one", conflicts)
	}
	if c := conflicts[0]; c.Field != "phone" || c.ValueA != `"from-a"` || c.ValueB != `"from-b"` || c.Winner != "b" ||
		c.Rule != "latest" || c.Key != "c1" || c.Connection != "crm" {
		t.Errorf("conflict %+v", c)
	}
	if _, _, toA, toB := w.round(); toA != 0 || toB != 0 {
		t.Errorf("after the conflict a round made %d writes to a and %d to b", toA, toB)
	}
	// Now a's edit is the later one: a wins.
	w.b.put("b-1", map[string]any{"phone": "b-again"})
	w.a.clock = w.b.clock + 100
	w.a.put("c1", map[string]any{"phone": "a-again"})
	if _, _, toA, toB := w.round(); toA != 0 || toB != 1 || w.b.get("b-1")["phone"] != "a-again" || w.a.get("c1")["phone"] != "a-again" {
		t.Errorf("latest edit in a: %d writes to a, %d to b; a %v, b %v", toA, toB, w.a.get("c1"), w.b.get("b-1"))
	}
	if conflicts, _ := w.store.Conflicts(context.Background(), state.ConflictFilter{}); len(conflicts) != 2 || conflicts[0].Winner != "a" {
		t.Errorf("conflicts: %+v, want a second one won by a", conflicts)
	}
}

func TestTwoWayManualConflictIsParkedUntilAPersonChooses(t *testing.T) {
	w := newTwoWayWith(t, strings.Replace(twoWayConfig, "owners: {name: a}", "owners: {name: a, phone: manual}", 1))
	ctx := context.Background()
	w.a.put("c1", map[string]any{"email": "ann@example.com", "phone": "1", "first": "Ann", "last": "Lee"})
	w.round()
	w.a.put("c1", map[string]any{"phone": "from-a", "email": "ann@example.org"})
	w.b.put("b-1", map[string]any{"phone": "from-b"})
	_, _, toA, toB := w.round()
	// The email moves; the phone stays as each side has it.
	if a, b := w.a.get("c1"), w.b.get("b-1"); a["phone"] != "from-a" || b["phone"] != "from-b" || b["email"] != "ann@example.org" || toB != 1 || toA != 0 {
		t.Errorf("parked: %d writes to a, %d to b; a %v, b %v", toA, toB, a, b)
	}
	conflicts, err := w.store.Conflicts(ctx, state.ConflictFilter{})
	if err != nil || len(conflicts) != 1 || conflicts[0].Winner != "" || conflicts[0].Rule != "manual" {
		t.Fatalf("conflicts %+v, %v; want one parked", conflicts, err)
	}
	// Later edits of the parked field do not move it, nor make more conflicts.
	w.b.put("b-1", map[string]any{"phone": "from-b-2"})
	if _, _, toA, toB := w.round(); toA != 0 || toB != 0 {
		t.Errorf("while parked: %d writes to a, %d to b", toA, toB)
	}
	if res := w.runner.ResolveConflict(ctx, conflicts[0].ID, "a"); res.Err != nil {
		t.Fatal(res.Err)
	}
	if b := w.b.get("b-1"); b["phone"] != "from-a" {
		t.Errorf("after taking a, b has phone %v", b["phone"])
	}
	if res := w.runner.ResolveConflict(ctx, conflicts[0].ID, "b"); res.Err == nil {
		t.Error("a settled conflict was resolved again")
	}
	if _, _, toA, toB := w.round(); toA != 0 || toB != 0 {
		t.Errorf("after the choice a round made %d writes to a and %d to b", toA, toB)
	}
	// The field moves again.
	w.b.put("b-1", map[string]any{"phone": "from-b-3"})
	if _, _, toA, _ := w.round(); toA != 1 || w.a.get("c1")["phone"] != "from-b-3" {
		t.Errorf("after the choice an edit in b made %d writes to a; a %v", toA, w.a.get("c1"))
	}
}
