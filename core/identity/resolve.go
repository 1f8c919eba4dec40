package identity

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// put stores a record and resolves it: it joins the customers of every
// record it shares glue with (the oldest customer survives and keeps its
// id; the others resolve to it), and when the record lost an identifier
// its customer's records are grouped again (a split).
func (ix *Index) put(tx Tx, rec Record) error {
	old, existed, err := tx.Get(rec.Ref, false)
	if err != nil {
		return err
	}
	var oldIDs []Identifier
	cands := map[int64]bool{}
	if existed {
		if oldIDs, err = tx.Identifiers(old.Seq); err != nil {
			return err
		}
		if old.Customer != 0 {
			cands[old.Customer] = true
		}
	}
	ids := ix.identifiers(rec)
	var split []int64
	for _, id := range ids {
		if !id.Glue {
			continue
		}
		if id.Type != IDRef {
			n, err := tx.CountSharing(id.Type, id.Value, KindCustomer) // customer records carrying it
			if err != nil {
				return err
			}
			if rec.Kind == KindCustomer && !(existed && hasID(oldIDs, id)) {
				n++ // this one, once stored
			}
			if n > ix.rules.MaxShared {
				if rec.Kind == KindCustomer && n == ix.rules.MaxShared+1 && !hasID(oldIDs, id) {
					// This record made the value too common: what it glued comes apart.
					cs, err := tx.CustomersWith(id.Type, id.Value)
					if err != nil {
						return err
					}
					split = append(split, cs...)
				}
				continue
			}
		}
		// Every record sharing a glue identifier is in one customer already:
		// one other record says which.
		ms, err := tx.Sharing(id.Type, id.Value, 2)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if !(existed && m.Record == old.Seq) && m.Customer != 0 {
				cands[m.Customer] = true
				break
			}
		}
	}
	survivor, err := ix.join(tx, cands)
	if err != nil {
		return err
	}
	rec.Customer = survivor
	if _, err := tx.Put(rec, ids); err != nil {
		return err
	}
	removed := lostGlue(oldIDs, ids)
	if len(removed) > 0 || len(split) > 0 {
		if err := ix.rederive(tx, append(split, survivor)); err != nil {
			return err
		}
	}
	return ix.rejoin(tx, removed)
}

// olderThan tells whether rec is an older version of the record stored:
// both say when they were last updated, and rec's time is before. Such a
// version arrives late — a webhook delivered out of order, a dead letter
// replayed after the record changed again — and indexing it would bring
// back an old email or name. A version without a time is never older.
func olderThan(rec, stored Record) bool {
	return !rec.UpdatedAt.IsZero() && !stored.UpdatedAt.IsZero() && rec.UpdatedAt.Before(stored.UpdatedAt)
}

// remove deletes a record; the records of its customer are grouped again
// if it held them together.
func (ix *Index) remove(tx Tx, ref Ref) error {
	old, existed, err := tx.Get(ref, false)
	if err != nil || !existed {
		return err
	}
	ids, err := tx.Identifiers(old.Seq)
	if err != nil {
		return err
	}
	if err := tx.Delete(ref); err != nil {
		return err
	}
	removed := lostGlue(ids, nil)
	if len(removed) > 0 && old.Customer != 0 {
		if err := ix.rederive(tx, []int64{old.Customer}); err != nil {
			return err
		}
	}
	return ix.rejoin(tx, removed)
}

// join merges customers into the oldest (lowest id), which it returns; a
// new customer if there are none.
func (ix *Index) join(tx Tx, cands map[int64]bool) (int64, error) {
	if len(cands) == 0 {
		return tx.NewCustomer()
	}
	ids := make([]int64, 0, len(cands))
	for c := range cands {
		ids = append(ids, c)
	}
	slices.Sort(ids)
	if len(ids) > 1 {
		if err := tx.Merge(ids[1:], ids[0]); err != nil {
			return 0, err
		}
	}
	return ids[0], nil
}

// rejoin merges the customers sharing each of ids that became common
// enough to glue again (an email now on MaxShared customer records).
func (ix *Index) rejoin(tx Tx, ids []Identifier) error {
	for _, id := range ids {
		if id.Type == IDRef {
			continue
		}
		n, err := tx.CountSharing(id.Type, id.Value, KindCustomer)
		if err != nil {
			return err
		}
		if n != ix.rules.MaxShared {
			continue
		}
		cs, err := tx.CustomersWith(id.Type, id.Value)
		if err != nil {
			return err
		}
		cands := map[int64]bool{}
		for _, c := range cs {
			cands[c] = true
		}
		if len(cands) > 1 {
			if _, err := ix.join(tx, cands); err != nil {
				return err
			}
		}
	}
	return nil
}

// glueOK says whether an identifier may join records now.
func (ix *Index) glueOK(tx Tx, id Identifier, counts map[[2]string]int) (bool, error) {
	if !id.Glue {
		return false, nil
	}
	if id.Type == IDRef {
		return true, nil
	}
	k := [2]string{id.Type, id.Value}
	n, ok := counts[k]
	if !ok {
		var err error
		if n, err = tx.CountSharing(id.Type, id.Value, KindCustomer); err != nil {
			return false, err
		}
		counts[k] = n
	}
	return n <= ix.rules.MaxShared, nil
}

// rederive groups the records of customers again from their identifiers
// (connected components). Ids stay stable: the largest group keeps the
// oldest of the ids its records had, the next the next; a group with none
// left gets a new id; an id no group keeps resolves to the group that took
// most of its records.
func (ix *Index) rederive(tx Tx, customers []int64) error {
	slices.Sort(customers)
	customers = slices.Compact(customers)
	var members []Record
	for _, c := range customers {
		ms, err := tx.Members(c)
		if err != nil {
			return err
		}
		members = append(members, ms...)
	}
	if len(members) == 0 {
		return nil
	}
	uf := newUnionFind(len(members))
	first := map[[2]string]int{}
	counts := map[[2]string]int{}
	for i, m := range members {
		ids, err := tx.Identifiers(m.Seq)
		if err != nil {
			return err
		}
		for _, id := range ids {
			ok, err := ix.glueOK(tx, id, counts)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			k := [2]string{id.Type, id.Value}
			if j, seen := first[k]; seen {
				uf.union(i, j)
			} else {
				first[k] = i
			}
		}
	}
	groups := map[int][]int{}
	for i := range members {
		r := uf.find(i)
		groups[r] = append(groups[r], i)
	}
	order := make([][]int, 0, len(groups))
	for _, g := range groups {
		order = append(order, g)
	}
	slices.SortFunc(order, func(a, b []int) int {
		if c := cmp.Compare(len(b), len(a)); c != 0 {
			return c
		}
		return cmp.Compare(members[a[0]].Seq, members[b[0]].Seq)
	})
	taken := map[int64]bool{}
	oldTo := map[int64]map[int64]int{} // old id -> new id -> records
	for _, g := range order {
		var had []int64
		for _, i := range g {
			had = append(had, members[i].Customer)
		}
		slices.Sort(had)
		var id int64
		for _, c := range had {
			if !taken[c] {
				id = c
				break
			}
		}
		if id == 0 {
			var err error
			if id, err = tx.NewCustomer(); err != nil {
				return err
			}
		}
		taken[id] = true
		var move []int64
		for _, i := range g {
			m := members[i]
			if oldTo[m.Customer] == nil {
				oldTo[m.Customer] = map[int64]int{}
			}
			oldTo[m.Customer][id]++
			if m.Customer != id {
				move = append(move, m.Seq)
			}
		}
		if len(move) > 0 {
			if err := tx.SetCustomer(move, id); err != nil {
				return err
			}
		}
	}
	for _, c := range customers {
		if taken[c] || len(oldTo[c]) == 0 {
			continue
		}
		var best, most int64 = 0, -1
		for id, n := range oldTo[c] {
			if int64(n) > most || int64(n) == most && id < best {
				best, most = id, int64(n)
			}
		}
		if err := tx.Merge([]int64{c}, best); err != nil {
			return err
		}
	}
	return nil
}

// Rebuild derives every customer again under the index's rules: each
// record's identifiers are computed again from its kept fields, customers
// that no longer hold together are split, and customers that now share
// glue are merged. Every record ends in exactly one customer; ids stay as
// stable as rederive keeps them.
func (ix *Index) Rebuild(ctx context.Context) error {
	err := ix.store.Update(ctx, func(tx Tx) error {
		const chunk = 1000
		for after := int64(0); ; {
			recs, err := tx.Scan(after, chunk)
			if err != nil {
				return err
			}
			for _, r := range recs {
				if _, err := tx.Put(r, ix.identifiers(r)); err != nil {
					return err
				}
				after = r.Seq
			}
			if len(recs) < chunk {
				break
			}
		}
		for after := int64(0); ; {
			cs, err := tx.Customers(after, chunk)
			if err != nil {
				return err
			}
			for _, c := range cs {
				if err := ix.rederive(tx, []int64{c}); err != nil {
					return err
				}
				after = c
			}
			if len(cs) < chunk {
				break
			}
		}
		counts := map[[2]string]int{}
		for after := int64(0); ; {
			recs, err := tx.Scan(after, chunk)
			if err != nil {
				return err
			}
			for _, r := range recs {
				after = r.Seq
				if err := ix.joinShared(tx, r, counts); err != nil {
					return err
				}
			}
			if len(recs) < chunk {
				break
			}
		}
		return tx.SetMeta(metaFingerprint, ix.rules.Fingerprint())
	})
	if err != nil {
		return fmt.Errorf("derive customers again under new rules: %w", err)
	}
	return nil
}

// joinShared merges the customer of record r with those of every record
// it shares glue with.
func (ix *Index) joinShared(tx Tx, r Record, counts map[[2]string]int) error {
	ids, err := tx.Identifiers(r.Seq)
	if err != nil {
		return err
	}
	cur, _, err := tx.Get(r.Ref, false)
	if err != nil {
		return err
	}
	cands := map[int64]bool{cur.Customer: true}
	for _, id := range ids {
		ok, err := ix.glueOK(tx, id, counts)
		if err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		ms, err := tx.Sharing(id.Type, id.Value, 0)
		if err != nil {
			return err
		}
		for _, m := range ms {
			cands[m.Customer] = true
		}
	}
	if len(cands) > 1 {
		_, err = ix.join(tx, cands)
	}
	return err
}

// lostGlue returns the glue identifiers of before that after lacks.
func lostGlue(before, after []Identifier) []Identifier {
	var out []Identifier
	for _, b := range before {
		if b.Glue && !hasID(after, b) {
			out = append(out, b)
		}
	}
	return out
}

func hasID(ids []Identifier, id Identifier) bool {
	for _, x := range ids {
		if x.Type == id.Type && x.Value == id.Value && x.Glue == id.Glue {
			return true
		}
	}
	return false
}

// unionFind groups n items.
type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func (u unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if ra < rb {
		u[rb] = ra
	} else {
		u[ra] = rb
	}
}
