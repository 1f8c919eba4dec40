package sqlite

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/core/identity"
)

// chunk is how many rows one multi-row statement carries at most (SQLite
// allows 32,766 bound values; the widest row here has 11).
const chunk = 500

// placeholders returns n groups of width "?" each: "(?, ?), (?, ?)".
func placeholders(n, width int) string {
	group := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(group+", ", n), ", ")
}

// list returns n placeholders for an IN list: "?, ?, ?".
func list(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func (t *tx) GetAll(refs []identity.Ref) ([]identity.Record, error) {
	type stream struct{ conn, stream string }
	keys := map[stream][]any{}
	var order []stream
	for _, r := range refs {
		s := stream{r.Connection, r.Stream}
		if _, ok := keys[s]; !ok {
			order = append(order, s)
		}
		keys[s] = append(keys[s], r.Key)
	}
	var out []identity.Record
	for _, s := range order {
		ks := keys[s]
		for len(ks) > 0 {
			part := ks[:min(len(ks), chunk)]
			ks = ks[len(part):]
			args := append([]any{s.conn, s.stream}, part...)
			recs, err := t.records(`SELECT `+recordCols+` FROM records WHERE conn = ? AND stream = ? AND key IN (`+list(len(part))+`)`, args...)
			if err != nil {
				return nil, err
			}
			out = append(out, recs...)
		}
	}
	return out, nil
}

func (t *tx) IdentifiersOf(seqs []int64) (map[int64][]identity.Identifier, error) {
	out := make(map[int64][]identity.Identifier, len(seqs))
	for len(seqs) > 0 {
		part := seqs[:min(len(seqs), chunk)]
		seqs = seqs[len(part):]
		args := make([]any, len(part))
		for i, s := range part {
			args[i] = s
		}
		rows, err := t.query(`SELECT seq, type, value, rule, glue, kind FROM idents WHERE seq IN (`+list(len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var seq int64
			var id identity.Identifier
			if err := rows.Scan(&seq, &id.Type, &id.Value, &id.Rule, &id.Glue, &id.Kind); err != nil {
				rows.Close()
				return nil, fmt.Errorf("customer index: %w", err)
			}
			out[seq] = append(out[seq], id)
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("customer index: %w", err)
		}
	}
	return out, nil
}

func (t *tx) Shared(typ string, values []string) (map[string]identity.Sharers, error) {
	out := make(map[string]identity.Sharers, len(values))
	for len(values) > 0 {
		part := values[:min(len(values), chunk)]
		values = values[len(part):]
		args := make([]any, 0, len(part)+1)
		args = append(args, typ)
		for _, v := range part {
			args = append(args, v)
		}
		rows, err := t.query(`SELECT g.value, g.n, coalesce(r.customer, 0) FROM (
				SELECT value, sum(kind = 'customer') AS n, min(CASE WHEN glue THEN seq END) AS one FROM idents
				WHERE type = ? AND value IN (`+list(len(part))+`) GROUP BY value) g
			LEFT JOIN records r ON r.seq = g.one`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var v string
			var s identity.Sharers
			if err := rows.Scan(&v, &s.CustomerRecords, &s.Customer); err != nil {
				rows.Close()
				return nil, fmt.Errorf("customer index: %w", err)
			}
			out[v] = s
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("customer index: %w", err)
		}
	}
	return out, nil
}

func (t *tx) NewCustomers(n int) ([]int64, error) {
	if n <= 0 {
		return nil, nil
	}
	var last int64
	s, err := t.stmt(`SELECT coalesce(max(id), 0) FROM customers`)
	if err != nil {
		return nil, err
	}
	if err := s.QueryRowContext(t.ctx).Scan(&last); err != nil {
		return nil, fmt.Errorf("customer index: %w", err)
	}
	if _, err := t.exec(`WITH RECURSIVE c(x) AS (SELECT ?1 + 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1 + ?2)
		INSERT INTO customers (id, merged_into) SELECT x, 0 FROM c`, last, n); err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + 1 + int64(i)
	}
	return ids, nil
}

func (t *tx) PutAll(recs []identity.Record, ids [][]identity.Identifier) error {
	seqs, err := t.seqsOf(recs)
	if err != nil {
		return err
	}
	if err := t.putRecords(recs, seqs); err != nil {
		return err
	}
	// The stored records' identifiers replace those they had (a new
	// record, Seq 0, has none).
	var stored []any
	for _, rec := range recs {
		if rec.Seq != 0 {
			stored = append(stored, rec.Seq)
		}
	}
	for start := 0; start < len(stored); start += chunk {
		part := stored[start:min(len(stored), start+chunk)]
		if _, err := t.exec(`DELETE FROM idents WHERE seq IN (`+list(len(part))+`)`, part...); err != nil {
			return err
		}
	}
	return t.putIdents(recs, seqs, ids)
}

// seqsOf returns the Seq each of recs will have: a stored record's own,
// and for the new ones, in order, the rowids SQLite would give them (one
// above the highest), so that no insert needs to return them.
func (t *tx) seqsOf(recs []identity.Record) ([]int64, error) {
	s, err := t.stmt(`SELECT coalesce(max(seq), 0) FROM records`)
	if err != nil {
		return nil, err
	}
	var last int64
	if err := s.QueryRowContext(t.ctx).Scan(&last); err != nil {
		return nil, fmt.Errorf("customer index: %w", err)
	}
	seqs := make([]int64, len(recs))
	for i, rec := range recs {
		if rec.Seq != 0 {
			seqs[i] = rec.Seq
			continue
		}
		last++
		seqs[i] = last
	}
	return seqs, nil
}

// putRecords inserts or replaces recs' rows, a new record under its
// Seq of seqs (a stored one keeps its own), in multi-row statements.
func (t *tx) putRecords(recs []identity.Record, seqs []int64) error {
	for start := 0; start < len(recs); start += chunk {
		part := recs[start:min(len(recs), start+chunk)]
		args := make([]any, 0, 11*len(part))
		for i, rec := range part {
			fields, err := marshalFields(rec.Fields)
			if err != nil {
				return fmt.Errorf("customer index: put %s: %w", rec.Ref, err)
			}
			var links []byte
			if len(rec.Links) > 0 {
				if links, err = json.Marshal(rec.Links); err != nil {
					return fmt.Errorf("customer index: put %s: %w", rec.Ref, err)
				}
			}
			var updated int64
			if !rec.UpdatedAt.IsZero() {
				updated = rec.UpdatedAt.UnixNano()
			}
			var data any
			if rec.Data != nil {
				data = []byte(rec.Data)
			}
			var seq any // a stored record's row is updated in place
			if rec.Seq == 0 {
				seq = seqs[start+i]
			}
			args = append(args, seq, rec.Ref.Connection, rec.Ref.Stream, rec.Ref.Key, rec.Kind, rec.InteractionKind,
				fields, links, data, updated, rec.Customer)
		}
		if _, err := t.exec(`INSERT INTO records (seq, conn, stream, key, kind, ikind, fields, links, data, updated_at, customer)
			VALUES `+placeholders(len(part), 11)+`
			ON CONFLICT (conn, stream, key) DO UPDATE SET kind = excluded.kind, ikind = excluded.ikind,
				fields = excluded.fields, links = excluded.links, data = coalesce(excluded.data, data),
				updated_at = excluded.updated_at, customer = excluded.customer`, args...); err != nil {
			return err
		}
	}
	return nil
}

// identRow is one row of idents, and its place in the caller's order.
type identRow struct {
	typ, value, kind string
	seq              int64
	rule             string
	glue             bool
	pos              int
}

// putIdents inserts the records' identifiers, ids[i] being recs[i]'s,
// in multi-row statements, in the order of the table's key: the inserts
// then walk its B-tree from left to right instead of jumping about.
func (t *tx) putIdents(recs []identity.Record, seqs []int64, ids [][]identity.Identifier) error {
	var rows []identRow
	for i, rec := range recs {
		for _, id := range ids[i] {
			rows = append(rows, identRow{id.Type, id.Value, rec.Kind, seqs[i], id.Rule, id.Glue, len(rows)})
		}
	}
	// Equal keys keep their order (the last one is the row kept).
	slices.SortFunc(rows, func(a, b identRow) int {
		return cmp.Or(strings.Compare(a.typ, b.typ), strings.Compare(a.value, b.value),
			strings.Compare(a.kind, b.kind), cmp.Compare(a.seq, b.seq), cmp.Compare(a.pos, b.pos))
	})
	const per = 2 * chunk
	args := make([]any, 0, 6*min(len(rows), per))
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(len(rows), start+per)]
		args = args[:0]
		for _, r := range part {
			args = append(args, r.typ, r.value, r.kind, r.seq, r.rule, r.glue)
		}
		if _, err := t.exec(`INSERT OR REPLACE INTO idents (type, value, kind, seq, rule, glue) VALUES `+placeholders(len(part), 6), args...); err != nil {
			return err
		}
	}
	return nil
}
