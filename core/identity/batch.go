package identity

import (
	"slices"
)

// Sharers says who carries one identifier value: how many customer
// records, and the customer of one of the records carrying it as glue (0
// if none does). One is enough: every record sharing a glue identifier is in one
// customer already.
type Sharers struct {
	CustomerRecords int
	Customer        int64
}

// putBatch stores and resolves upserts of records in tx with a fixed
// number of queries, whatever their count: the stored versions and their
// identifiers are read in one query each, who shares the batch's
// identifiers in one query per identifier type, and the batch is resolved
// in memory — a union-find over its records and the existing customers
// they touch — before one multi-row write. It gives the same clusters as
// putting the records one by one (put): the oldest customer of a group
// survives, a group with none gets a new id. The rare records whose
// resolution needs the stored state after each write — one that lost a
// glue identifier (a split), or one that makes an email or phone too
// common to glue — go through put after the rest, in order.
//
// recIDs, if not nil, holds each record's identifiers (Prepare's);
// otherwise they are derived here.
func (ix *Index) putBatch(tx Tx, recs []Record, recIDs [][]Identifier) error {
	// The latest version of each ref is the one that counts: the last, of
	// those not older than another (see olderThan).
	at := make(map[Ref]int, len(recs))
	batch := make([]Record, 0, len(recs))
	ids := make([][]Identifier, 0, len(recs))
	for j, r := range recs {
		var rids []Identifier
		if recIDs != nil {
			rids = recIDs[j]
		} else {
			rids = ix.identifiers(r)
		}
		if i, ok := at[r.Ref]; ok {
			if !olderThan(r, batch[i]) {
				batch[i], ids[i] = r, rids
			}
			continue
		}
		at[r.Ref] = len(batch)
		batch = append(batch, r)
		ids = append(ids, rids)
	}
	refs := make([]Ref, len(batch))
	for i := range batch {
		refs[i] = batch[i].Ref
	}
	olds, err := tx.GetAll(refs)
	if err != nil {
		return err
	}
	old := make([]*Record, len(batch))
	for i := range olds {
		old[at[olds[i].Ref]] = &olds[i]
	}
	// A version older than the one stored changes nothing.
	kept := 0
	for i := range batch {
		if old[i] != nil && olderThan(batch[i], *old[i]) {
			continue
		}
		batch[kept], ids[kept], old[kept] = batch[i], ids[i], old[i]
		kept++
	}
	batch, ids, old = batch[:kept], ids[:kept], old[:kept]
	seqs := make([]int64, 0, len(olds))
	for _, o := range old {
		if o != nil {
			seqs = append(seqs, o.Seq)
		}
	}
	oldIDs, err := tx.IdentifiersOf(seqs)
	if err != nil {
		return err
	}

	type key struct{ typ, value string }
	slow := make([]bool, len(batch))
	added := map[key]int{} // customer records that newly carry it
	values := map[string][]string{}
	seen := map[key]bool{}
	for i := range batch {
		var had []Identifier
		if old[i] != nil {
			had = oldIDs[old[i].Seq]
			if len(lostGlue(had, ids[i])) > 0 {
				slow[i] = true // a split: see put
			}
		}
		for _, id := range ids[i] {
			if !id.Glue {
				continue
			}
			k := key{id.Type, id.Value}
			if !seen[k] {
				seen[k] = true
				values[id.Type] = append(values[id.Type], id.Value)
			}
			if batch[i].Kind == KindCustomer && !hasID(had, id) {
				added[k]++
			}
		}
	}
	shared := make(map[key]Sharers, len(seen))
	for typ, vs := range values {
		got, err := tx.Shared(typ, vs)
		if err != nil {
			return err
		}
		for v, s := range got {
			shared[key{typ, v}] = s
		}
	}
	glue := make(map[key]bool, len(seen))
	for k := range seen {
		if k.typ == IDRef {
			glue[k] = true
			continue
		}
		before := shared[k].CustomerRecords
		after := before + added[k]
		glue[k] = after <= ix.rules.MaxShared
		if before <= ix.rules.MaxShared && after > ix.rules.MaxShared {
			// This batch makes the value too common: what it glued comes
			// apart, which put does record by record.
			for i := range batch {
				if hasID(ids[i], Identifier{Type: k.typ, Value: k.value, Glue: true}) {
					slow[i] = true
				}
			}
		}
	}

	// Union-find over the batch's records (0..n-1) and the customers they
	// touch (n...).
	n := len(batch)
	nodeOf := map[int64]int{}
	var customers []int64
	node := func(c int64) int {
		if j, ok := nodeOf[c]; ok {
			return j
		}
		nodeOf[c] = n + len(customers)
		customers = append(customers, c)
		return nodeOf[c]
	}
	uf := make(unionFind, n, 2*n)
	for i := range uf {
		uf[i] = i
	}
	first := map[key]int{}
	for i := range batch {
		if slow[i] {
			continue
		}
		join := func(c int64) {
			j := node(c)
			for len(uf) <= j {
				uf = append(uf, len(uf))
			}
			uf.union(i, j)
		}
		if old[i] != nil && old[i].Customer != 0 {
			join(old[i].Customer)
		}
		for _, id := range ids[i] {
			k := key{id.Type, id.Value}
			if !id.Glue || !glue[k] {
				continue
			}
			if c := shared[k].Customer; c != 0 {
				join(c)
			}
			if j, ok := first[k]; ok {
				uf.union(i, j)
			} else {
				first[k] = i
			}
		}
	}
	// Each group's survivor is its oldest customer; the others merge into
	// it. A group with no customer gets a new one, in the order of its
	// first record.
	held := map[int][]int64{} // root -> customers
	for c, j := range nodeOf {
		r := uf.find(j)
		held[r] = append(held[r], c)
	}
	survivor := map[int]int64{}
	for r, cs := range held {
		slices.Sort(cs)
		if len(cs) > 1 {
			if err := tx.Merge(cs[1:], cs[0]); err != nil {
				return err
			}
		}
		survivor[r] = cs[0]
	}
	var fresh []int // roots needing a new customer, by first record
	for i := range batch {
		if slow[i] {
			continue
		}
		r := uf.find(i)
		if _, ok := survivor[r]; !ok {
			survivor[r] = 0
			fresh = append(fresh, r)
		}
	}
	if len(fresh) > 0 {
		newIDs, err := tx.NewCustomers(len(fresh))
		if err != nil {
			return err
		}
		for j, r := range fresh {
			survivor[r] = newIDs[j]
		}
	}
	put := make([]Record, 0, n)
	putIDs := make([][]Identifier, 0, n)
	for i := range batch {
		if slow[i] {
			continue
		}
		batch[i].Customer = survivor[uf.find(i)]
		batch[i].Seq = 0
		if old[i] != nil {
			batch[i].Seq = old[i].Seq
		}
		put = append(put, batch[i])
		putIDs = append(putIDs, ids[i])
	}
	if len(put) > 0 {
		if err := tx.PutAll(put, putIDs); err != nil {
			return err
		}
	}
	for i := range batch {
		if slow[i] {
			if err := ix.put(tx, batch[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
