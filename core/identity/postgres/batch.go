package postgres

import (
	"github.com/cxhub/cxhub/core/identity"
)

// insertIdents inserts the identifiers of records (by seq and kind) in one
// statement, replacing the same ones.
func (t *tx) insertIdents(seqs []int64, kinds []string, ids [][]identity.Identifier) error {
	var typ, val, kind, rule []string
	var seq []int64
	var glue []bool
	for i := range seqs {
		for _, id := range ids[i] {
			typ, val, kind, rule = append(typ, id.Type), append(val, id.Value), append(kind, kinds[i]), append(rule, id.Rule)
			seq, glue = append(seq, seqs[i]), append(glue, id.Glue)
		}
	}
	if len(seq) == 0 {
		return nil
	}
	return t.exec(`INSERT INTO idents (type, value, kind, seq, rule, glue)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::boolean[])
		ON CONFLICT (type, value, kind, seq) DO UPDATE SET rule = excluded.rule, glue = excluded.glue`,
		typ, val, kind, seq, rule, glue)
}

func (t *tx) PutAll(recs []identity.Record, ids [][]identity.Identifier) error {
	if len(recs) == 0 {
		return nil
	}
	n := len(recs)
	conn, stream, key, kind, ikind, fields := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	links, data := make([]*string, n), make([][]byte, n)
	updated, customer := make([]int64, n), make([]int64, n)
	var stored []int64
	for i, rec := range recs {
		e, err := encode(rec)
		if err != nil {
			return err
		}
		conn[i], stream[i], key[i], kind[i], ikind[i] = rec.Ref.Connection, rec.Ref.Stream, rec.Ref.Key, rec.Kind, rec.InteractionKind
		fields[i], links[i], data[i], updated[i], customer[i] = e.fields, e.links, e.data, e.updated, rec.Customer
		if rec.Seq != 0 {
			stored = append(stored, rec.Seq)
		}
	}
	rows, err := t.tx.Query(t.ctx, `INSERT INTO records (conn, stream, key, kind, ikind, fields, links, data, updated_at, customer)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[], $9::bigint[], $10::bigint[])
		`+upsert+` RETURNING seq, conn, stream, key`, conn, stream, key, kind, ikind, fields, links, data, updated, customer)
	if err != nil {
		return wrap(err)
	}
	seqOf := make(map[identity.Ref]int64, n)
	for rows.Next() {
		var seq int64
		var r identity.Ref
		if err := rows.Scan(&seq, &r.Connection, &r.Stream, &r.Key); err != nil {
			rows.Close()
			return wrap(err)
		}
		seqOf[r] = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap(err)
	}
	if len(stored) > 0 {
		if err := t.exec(`DELETE FROM idents WHERE seq = ANY($1)`, stored); err != nil {
			return err
		}
	}
	seqs := make([]int64, n)
	for i, rec := range recs {
		seqs[i] = seqOf[rec.Ref]
	}
	return t.insertIdents(seqs, kind, ids)
}

func (t *tx) GetAll(refs []identity.Ref) ([]identity.Record, error) {
	type stream struct{ conn, stream string }
	keys := map[stream][]string{}
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
		recs, err := t.records(`SELECT `+recordCols+` FROM records WHERE conn = $1 AND stream = $2 AND key = ANY($3)`, s.conn, s.stream, keys[s])
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

func (t *tx) IdentifiersOf(seqs []int64) (map[int64][]identity.Identifier, error) {
	out := make(map[int64][]identity.Identifier, len(seqs))
	if len(seqs) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(t.ctx, `SELECT seq, type, value, rule, glue, kind FROM idents WHERE seq = ANY($1)`, seqs)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var id identity.Identifier
		if err := rows.Scan(&seq, &id.Type, &id.Value, &id.Rule, &id.Glue, &id.Kind); err != nil {
			return nil, wrap(err)
		}
		out[seq] = append(out[seq], id)
	}
	return out, wrap(rows.Err())
}

func (t *tx) Shared(typ string, values []string) (map[string]identity.Sharers, error) {
	out := make(map[string]identity.Sharers, len(values))
	rows, err := t.tx.Query(t.ctx, `SELECT g.value, g.n, coalesce(r.customer, 0) FROM (
			SELECT value, count(*) FILTER (WHERE kind = 'customer') AS n, min(seq) FILTER (WHERE glue) AS one FROM idents
			WHERE type = $1 AND value = ANY($2) GROUP BY value) g
		LEFT JOIN records r ON r.seq = g.one`, typ, values)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		var s identity.Sharers
		if err := rows.Scan(&v, &s.CustomerRecords, &s.Customer); err != nil {
			return nil, wrap(err)
		}
		out[v] = s
	}
	return out, wrap(rows.Err())
}

func (t *tx) NewCustomers(n int) ([]int64, error) {
	if n <= 0 {
		return nil, nil
	}
	var last int64
	if err := t.tx.QueryRow(t.ctx, `SELECT coalesce(max(id), 0) FROM customers`).Scan(&last); err != nil {
		return nil, wrap(err)
	}
	if err := t.exec(`INSERT INTO customers (id) SELECT $1::bigint + g FROM generate_series(1, $2::bigint) g`, last, n); err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + 1 + int64(i)
	}
	return ids, nil
}
