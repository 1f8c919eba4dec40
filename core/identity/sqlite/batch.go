package sqlite

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cxhub/cxhub/core/identity"
)

// chunk is how many rows one multi-row statement carries at most (SQLite
// allows 32,766 bound values; the widest row here has 10).
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
	seqOf := make(map[identity.Ref]int64, len(recs))
	for start := 0; start < len(recs); start += chunk {
		part := recs[start:min(len(recs), start+chunk)]
		args := make([]any, 0, 10*len(part))
		for _, rec := range part {
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
			args = append(args, rec.Ref.Connection, rec.Ref.Stream, rec.Ref.Key, rec.Kind, rec.InteractionKind,
				fields, links, data, updated, rec.Customer)
		}
		rows, err := t.query(`INSERT INTO records (conn, stream, key, kind, ikind, fields, links, data, updated_at, customer)
			VALUES `+placeholders(len(part), 10)+`
			ON CONFLICT (conn, stream, key) DO UPDATE SET kind = excluded.kind, ikind = excluded.ikind,
				fields = excluded.fields, links = excluded.links, data = coalesce(excluded.data, data),
				updated_at = excluded.updated_at, customer = excluded.customer
			RETURNING seq, conn, stream, key`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var seq int64
			var r identity.Ref
			if err := rows.Scan(&seq, &r.Connection, &r.Stream, &r.Key); err != nil {
				rows.Close()
				return fmt.Errorf("customer index: put: %w", err)
			}
			seqOf[r] = seq
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("customer index: put: %w", err)
		}
	}
	// The stored records' identifiers replace those they had (a new
	// record, Seq 0, has none).
	var seqs []any
	for _, rec := range recs {
		if rec.Seq != 0 {
			seqs = append(seqs, seqOf[rec.Ref])
		}
	}
	for start := 0; start < len(seqs); start += chunk {
		part := seqs[start:min(len(seqs), start+chunk)]
		if _, err := t.exec(`DELETE FROM idents WHERE seq IN (`+list(len(part))+`)`, part...); err != nil {
			return err
		}
	}
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := t.exec(`INSERT OR REPLACE INTO idents (type, value, kind, seq, rule, glue) VALUES `+placeholders(len(args)/6, 6), args...)
		args = args[:0]
		return err
	}
	for i, rec := range recs {
		for _, id := range ids[i] {
			args = append(args, id.Type, id.Value, rec.Kind, seqOf[rec.Ref], id.Rule, id.Glue)
			if len(args) == 6*2*chunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}
