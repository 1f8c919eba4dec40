// Package identitytest is the acceptance suite every customer index
// backend (identity.Store) passes: a new backend is done when Run passes
// against it. It checks the storage contract only; resolution is tested
// in package identity.
package identitytest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/identity"
)

// Run runs the suite; open returns a new, empty store for each test (Run
// closes it).
func Run(t *testing.T, open func(t *testing.T) identity.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, identity.Store)
	}{
		{"PutGetReplace", testPutGet},
		{"Identifiers", testIdentifiers},
		{"MergeResolve", testMerge},
		{"Rollback", testRollback},
		{"SearchScan", testSearchScan},
		{"Meta", testMeta},
		{"Batches", testBatches},
		{"Queue", testQueue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			defer func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			}()
			tt.fn(t, s)
		})
	}
}

var ctx = context.Background()

func ref(key string) identity.Ref {
	return identity.Ref{Connection: "crm", Stream: "contacts", Key: key}
}

func rec(key string, customer int64, fields map[string]string) identity.Record {
	return identity.Record{Ref: ref(key), Kind: identity.KindCustomer, Fields: fields, Customer: customer,
		Data: []byte(`{"id":"` + key + `"}`), UpdatedAt: time.Unix(1700000000, 0).UTC()}
}

func update(t *testing.T, s identity.Store, fn func(identity.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, s identity.Store, fn func(identity.Tx) error) {
	t.Helper()
	if err := s.View(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func testPutGet(t *testing.T, s identity.Store) {
	var seq int64
	update(t, s, func(tx identity.Tx) (err error) {
		c, err := tx.NewCustomer()
		if err != nil {
			return err
		}
		seq, err = tx.Put(rec("1", c, map[string]string{"email": "Ann@x.org"}), nil)
		return err
	})
	view(t, s, func(tx identity.Tx) error {
		r, ok, err := tx.Get(ref("1"), true)
		if err != nil || !ok {
			t.Fatalf("get: %v %v", ok, err)
		}
		if r.Seq != seq || r.Fields["email"] != "Ann@x.org" || string(r.Data) != `{"id":"1"}` || !r.UpdatedAt.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("got %+v", r)
		}
		if _, ok, _ := tx.Get(ref("2"), false); ok {
			t.Error("a record never put exists")
		}
		return nil
	})
	// Replacing keeps the Seq; a nil Data keeps the data.
	update(t, s, func(tx identity.Tx) error {
		r := rec("1", 1, map[string]string{"email": "b@x.org"})
		r.Data = nil
		got, err := tx.Put(r, nil)
		if got != seq {
			t.Errorf("seq changed on replace: %d, was %d", got, seq)
		}
		return err
	})
	view(t, s, func(tx identity.Tx) error {
		r, _, _ := tx.Get(ref("1"), true)
		if r.Fields["email"] != "b@x.org" || string(r.Data) != `{"id":"1"}` {
			t.Errorf("after replace: %+v %s", r.Fields, r.Data)
		}
		return nil
	})
	update(t, s, func(tx identity.Tx) error { return tx.Delete(ref("1")) })
	view(t, s, func(tx identity.Tx) error {
		if _, ok, _ := tx.Get(ref("1"), false); ok {
			t.Error("deleted record still there")
		}
		if ms, _ := tx.Sharing("email", "b@x.org", 0); len(ms) != 0 {
			t.Errorf("deleted record's identifiers still there: %v", ms)
		}
		return nil
	})
}

func testIdentifiers(t *testing.T, s identity.Store) {
	update(t, s, func(tx identity.Tx) error {
		for i, k := range []string{"1", "2", "3"} {
			r := rec(k, int64(i+1), nil)
			if k == "3" {
				r.Kind = identity.KindInteraction
			}
			if _, err := tx.Put(r, []identity.Identifier{{Type: "email", Value: "a@x.org", Rule: "email", Glue: true}}); err != nil {
				return err
			}
		}
		_, err := tx.Put(rec("1", 1, nil), []identity.Identifier{
			{Type: "email", Value: "a@x.org", Rule: "email", Glue: true}, {Type: "phone", Value: "+15550100001", Rule: "phone", Glue: false}})
		return err
	})
	view(t, s, func(tx identity.Tx) error {
		ids, err := tx.Identifiers(1)
		if err != nil || len(ids) != 2 {
			t.Fatalf("identifiers of 1: %v %v", ids, err)
		}
		for _, id := range ids {
			if id.Type == "phone" && (id.Glue || id.Rule != "phone" || id.Kind != identity.KindCustomer) {
				t.Errorf("phone identifier: %+v", id)
			}
		}
		if n, _ := tx.CountSharing("email", "a@x.org", identity.KindCustomer); n != 2 {
			t.Errorf("customer records sharing: %d, want 2", n)
		}
		ms, _ := tx.Sharing("email", "a@x.org", 0)
		if len(ms) != 3 {
			t.Errorf("sharing: %v", ms)
		}
		if ms, _ := tx.Sharing("email", "a@x.org", 2); len(ms) != 2 {
			t.Errorf("sharing with limit 2: %v", ms)
		}
		cs, _ := tx.CustomersWith("email", "a@x.org")
		if !slices.Equal(cs, []int64{1, 2, 3}) {
			t.Errorf("customers with: %v", cs)
		}
		return nil
	})
}

func testMerge(t *testing.T, s identity.Store) {
	update(t, s, func(tx identity.Tx) error {
		for i := range 3 {
			c, err := tx.NewCustomer()
			if err != nil {
				return err
			}
			if c != int64(i+1) {
				t.Errorf("customer %d: id %d", i, c)
			}
			if _, err := tx.Put(rec(string(rune('a'+i)), c, nil), nil); err != nil {
				return err
			}
		}
		if err := tx.Merge([]int64{2}, 1); err != nil {
			return err
		}
		return tx.Merge([]int64{1}, 3) // a chain: 2 → 1 → 3
	})
	view(t, s, func(tx identity.Tx) error {
		for _, c := range []int64{1, 2, 3} {
			if got, ok, err := tx.Resolve(c); err != nil || !ok || got != 3 {
				t.Errorf("resolve %d: %d %v %v", c, got, ok, err)
			}
		}
		if _, ok, _ := tx.Resolve(99); ok {
			t.Error("unknown customer resolves")
		}
		ms, _ := tx.Members(3)
		if len(ms) != 3 {
			t.Errorf("members of the survivor: %d", len(ms))
		}
		if cs, _ := tx.Customers(0, 10); !slices.Equal(cs, []int64{3}) {
			t.Errorf("live customers: %v", cs)
		}
		return nil
	})
	update(t, s, func(tx identity.Tx) error { return tx.SetCustomer([]int64{1}, 2) })
	view(t, s, func(tx identity.Tx) error {
		if r, _, _ := tx.Get(ref("a"), false); r.Customer != 2 {
			t.Errorf("set customer: %d", r.Customer)
		}
		return nil
	})
}

func testRollback(t *testing.T, s identity.Store) {
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx identity.Tx) error {
		if _, err := tx.Put(rec("1", 1, nil), nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update returned %v", err)
	}
	view(t, s, func(tx identity.Tx) error {
		if _, ok, _ := tx.Get(ref("1"), false); ok {
			t.Error("a failed update left its record")
		}
		return nil
	})
}

func testSearchScan(t *testing.T, s identity.Store) {
	update(t, s, func(tx identity.Tx) error {
		for i, name := range []string{"Ann Lee", "Bob 100%", "Cid"} {
			if _, err := tx.Put(rec(string(rune('a'+i)), int64(i+1), map[string]string{"name": name}),
				[]identity.Identifier{{Type: "email", Value: string(rune('a'+i)) + "@x.org", Glue: true}}); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx identity.Tx) error {
		for q, want := range map[string][]int64{"ann": {1}, "100%": {2}, "@x.org": {1, 2, 3}, "c@x": {3}, "zzz": nil, "%": {2}} {
			got, err := tx.Search(q, 10)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("search %q: %v %v, want %v", q, got, err, want)
			}
		}
		all, _ := tx.Scan(0, 2)
		rest, _ := tx.Scan(all[1].Seq, 2)
		if len(all) != 2 || len(rest) != 1 || rest[0].Ref.Key != "c" {
			t.Errorf("scan: %v then %v", all, rest)
		}
		return nil
	})
}

func testMeta(t *testing.T, s identity.Store) {
	update(t, s, func(tx identity.Tx) error {
		if v, err := tx.Meta("k"); err != nil || v != "" {
			t.Errorf("unset meta: %q %v", v, err)
		}
		if err := tx.SetMeta("k", "1"); err != nil {
			return err
		}
		return tx.SetMeta("k", "2")
	})
	view(t, s, func(tx identity.Tx) error {
		if v, _ := tx.Meta("k"); v != "2" {
			t.Errorf("meta: %q", v)
		}
		return nil
	})
}

func testBatches(t *testing.T, s identity.Store) {
	email := func(v string, glue bool) identity.Identifier {
		return identity.Identifier{Type: "email", Value: v, Rule: "email", Glue: glue}
	}
	update(t, s, func(tx identity.Tx) error {
		ids, err := tx.NewCustomers(3)
		if err != nil || !slices.Equal(ids, []int64{1, 2, 3}) {
			t.Errorf("new customers: %v %v", ids, err)
		}
		a, b, c := rec("a", 1, map[string]string{"name": "A"}), rec("b", 2, nil), rec("c", 3, nil)
		c.Kind = identity.KindInteraction
		return tx.PutAll([]identity.Record{a, b, c}, [][]identity.Identifier{
			{email("x@y.org", true), {Type: "phone", Value: "+15550100001", Rule: "phone", Glue: true}},
			{email("x@y.org", true)},
			{email("x@y.org", false)},
		})
	})
	var seqA int64
	view(t, s, func(tx identity.Tx) error {
		got, err := tx.GetAll([]identity.Ref{ref("a"), ref("b"), ref("zz")})
		if err != nil || len(got) != 2 {
			t.Fatalf("get all: %v %v", got, err)
		}
		for _, r := range got {
			if r.Ref == ref("a") {
				seqA = r.Seq
				if r.Fields["name"] != "A" || r.Customer != 1 {
					t.Errorf("a: %+v", r)
				}
			}
		}
		byseq, err := tx.IdentifiersOf([]int64{seqA})
		if err != nil || len(byseq[seqA]) != 2 {
			t.Errorf("identifiers of a: %v %v", byseq, err)
		}
		sh, err := tx.Shared("email", []string{"x@y.org", "none@y.org"})
		if err != nil || len(sh) != 1 || sh["x@y.org"].CustomerRecords != 2 || sh["x@y.org"].Customer == 3 || sh["x@y.org"].Customer == 0 {
			t.Errorf("shared: %+v %v", sh, err)
		}
		// Only records carrying it as glue share it.
		ms, err := tx.Sharing("email", "x@y.org", 0)
		if err != nil || len(ms) != 2 {
			t.Errorf("sharing as glue: %v %v", ms, err)
		}
		return nil
	})
	// A stored record's new version keeps its Seq and replaces its identifiers.
	update(t, s, func(tx identity.Tx) error {
		a := rec("a", 2, nil)
		a.Seq = seqA
		if err := tx.PutAll([]identity.Record{a}, [][]identity.Identifier{{email("new@y.org", true)}}); err != nil {
			return err
		}
		ids, err := tx.NewCustomers(1)
		if err != nil || !slices.Equal(ids, []int64{4}) {
			t.Errorf("new customers after 3: %v %v", ids, err)
		}
		return nil
	})
	view(t, s, func(tx identity.Tx) error {
		r, _, _ := tx.Get(ref("a"), false)
		ids, _ := tx.Identifiers(r.Seq)
		if r.Seq != seqA || r.Customer != 2 || len(ids) != 1 || ids[0].Value != "new@y.org" {
			t.Errorf("a replaced: %+v %v", r, ids)
		}
		if sh, _ := tx.Shared("email", []string{"x@y.org"}); sh["x@y.org"].CustomerRecords != 1 {
			t.Errorf("shared after a left: %+v", sh)
		}
		return nil
	})
}

func testQueue(t *testing.T, s identity.Store) {
	var seqs []int64
	for _, d := range []string{"one", "two", "three"} {
		seq, err := s.Enqueue(ctx, []byte(d))
		if err != nil {
			t.Fatal(err)
		}
		if len(seqs) > 0 && seq <= seqs[len(seqs)-1] {
			t.Errorf("seq %d after %d", seq, seqs[len(seqs)-1])
		}
		seqs = append(seqs, seq)
	}
	items, err := s.Queued(ctx, 0, 2)
	if err != nil || len(items) != 2 || string(items[0].Data) != "one" || items[1].Seq != seqs[1] {
		t.Fatalf("queued: %v %v", items, err)
	}
	// After a seq: only the later items (the indexer reads the next
	// chunk while it writes one).
	items, err = s.Queued(ctx, seqs[0], 10)
	if err != nil || len(items) != 2 || string(items[0].Data) != "two" || items[1].Seq != seqs[2] {
		t.Fatalf("queued after the first: %v %v", items, err)
	}
	if items, err := s.Queued(ctx, seqs[2], 10); err != nil || len(items) != 0 {
		t.Fatalf("queued after the last: %v %v", items, err)
	}
	// A rolled back Dequeue leaves the items queued.
	boom := errors.New("boom")
	if err := s.Update(ctx, func(tx identity.Tx) error {
		if ok, err := tx.Dequeue(seqs[1]); err != nil || !ok {
			t.Errorf("dequeue: %v %v", ok, err)
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("update: %v", err)
	}
	if items, _ := s.Queued(ctx, 0, 10); len(items) != 3 {
		t.Errorf("after a rolled back dequeue: %d items", len(items))
	}
	update(t, s, func(tx identity.Tx) error {
		ok, err := tx.Dequeue(seqs[1])
		if !ok {
			t.Error("dequeue of two queued items: false")
		}
		return err
	})
	// Taken already: false.
	update(t, s, func(tx identity.Tx) error {
		if ok, err := tx.Dequeue(seqs[1]); ok || err != nil {
			t.Errorf("dequeue of taken items: %v %v", ok, err)
		}
		return nil
	})
	items, err = s.Queued(ctx, 0, 10)
	if err != nil || len(items) != 1 || string(items[0].Data) != "three" {
		t.Errorf("after dequeuing two: %v %v", items, err)
	}
	update(t, s, func(tx identity.Tx) error { _, err := tx.Dequeue(seqs[2]); return err })
	if items, _ := s.Queued(ctx, 0, 10); len(items) != 0 {
		t.Errorf("after dequeuing all: %v", items)
	}
	// Seqs keep growing once the queue is empty.
	if seq, err := s.Enqueue(ctx, []byte("four")); err != nil || seq <= seqs[2] {
		t.Errorf("enqueue after empty: %d %v", seq, err)
	}
}
