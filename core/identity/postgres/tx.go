package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/jackc/pgx/v5"
)

// tx is one transaction.
type tx struct {
	ctx context.Context
	tx  pgx.Tx
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("customer index: %w", err)
}

func (t *tx) exec(q string, args ...any) error {
	_, err := t.tx.Exec(t.ctx, q, args...)
	return wrap(err)
}

const recordCols = `seq, conn, stream, key, kind, ikind, fields, links, updated_at, customer`

func scanRecord(sc pgx.Row, withData bool) (identity.Record, error) {
	var r identity.Record
	var fields string
	var links *string
	var updated int64
	dest := []any{&r.Seq, &r.Ref.Connection, &r.Ref.Stream, &r.Ref.Key, &r.Kind, &r.InteractionKind, &fields, &links, &updated, &r.Customer}
	var data []byte
	if withData {
		dest = append(dest, &data)
	}
	if err := sc.Scan(dest...); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(fields), &r.Fields); err != nil {
		return r, fmt.Errorf("customer index: record %s: fields: %w", r.Ref, err)
	}
	if links != nil && *links != "" {
		if err := json.Unmarshal([]byte(*links), &r.Links); err != nil {
			return r, fmt.Errorf("customer index: record %s: links: %w", r.Ref, err)
		}
	}
	if updated != 0 {
		r.UpdatedAt = time.Unix(0, updated).UTC()
	}
	if withData {
		r.Data = data
	}
	return r, nil
}

func (t *tx) records(q string, args ...any) ([]identity.Record, error) {
	rows, err := t.tx.Query(t.ctx, q, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []identity.Record
	for rows.Next() {
		r, err := scanRecord(rows, false)
		if err != nil {
			return nil, wrap(err)
		}
		out = append(out, r)
	}
	return out, wrap(rows.Err())
}

func (t *tx) ids(q string, args ...any) ([]int64, error) {
	rows, err := t.tx.Query(t.ctx, q, args...)
	if err != nil {
		return nil, wrap(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return out, wrap(err)
}

func (t *tx) Get(ref identity.Ref, withData bool) (identity.Record, bool, error) {
	q := `SELECT ` + recordCols
	if withData {
		q += `, data`
	}
	r, err := scanRecord(t.tx.QueryRow(t.ctx, q+` FROM records WHERE conn = $1 AND stream = $2 AND key = $3`,
		ref.Connection, ref.Stream, ref.Key), withData)
	if errors.Is(err, pgx.ErrNoRows) {
		return identity.Record{}, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("customer index: get %s: %w", ref, err)
	}
	return r, true, nil
}

// encoded are a record's columns as stored.
type encoded struct {
	fields  string
	links   *string
	updated int64
	data    []byte
}

func encode(rec identity.Record) (encoded, error) {
	var e encoded
	f, err := json.Marshal(rec.Fields)
	if err != nil {
		return e, fmt.Errorf("customer index: put %s: %w", rec.Ref, err)
	}
	e.fields = string(f)
	if len(rec.Links) > 0 {
		l, err := json.Marshal(rec.Links)
		if err != nil {
			return e, fmt.Errorf("customer index: put %s: %w", rec.Ref, err)
		}
		ls := string(l)
		e.links = &ls
	}
	if !rec.UpdatedAt.IsZero() {
		e.updated = rec.UpdatedAt.UnixNano()
	}
	if rec.Data != nil {
		e.data = []byte(rec.Data)
	}
	return e, nil
}

const upsert = `ON CONFLICT (conn, stream, key) DO UPDATE SET kind = excluded.kind, ikind = excluded.ikind,
	fields = excluded.fields, links = excluded.links, data = coalesce(excluded.data, records.data),
	updated_at = excluded.updated_at, customer = excluded.customer`

func (t *tx) Put(rec identity.Record, ids []identity.Identifier) (int64, error) {
	e, err := encode(rec)
	if err != nil {
		return 0, err
	}
	var seq int64
	if err := t.tx.QueryRow(t.ctx, `INSERT INTO records (conn, stream, key, kind, ikind, fields, links, data, updated_at, customer)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) `+upsert+` RETURNING seq`,
		rec.Ref.Connection, rec.Ref.Stream, rec.Ref.Key, rec.Kind, rec.InteractionKind, e.fields, e.links, e.data, e.updated, rec.Customer,
	).Scan(&seq); err != nil {
		return 0, fmt.Errorf("customer index: put %s: %w", rec.Ref, err)
	}
	if err := t.exec(`DELETE FROM idents WHERE seq = $1`, seq); err != nil {
		return 0, err
	}
	return seq, t.insertIdents([]int64{seq}, []string{rec.Kind}, [][]identity.Identifier{ids})
}

func (t *tx) Delete(ref identity.Ref) error {
	r, ok, err := t.Get(ref, false)
	if err != nil || !ok {
		return err
	}
	if err := t.exec(`DELETE FROM idents WHERE seq = $1`, r.Seq); err != nil {
		return err
	}
	return t.exec(`DELETE FROM records WHERE seq = $1`, r.Seq)
}

func (t *tx) Identifiers(seq int64) ([]identity.Identifier, error) {
	m, err := t.IdentifiersOf([]int64{seq})
	return m[seq], err
}

func (t *tx) Sharing(typ, value string, limit int) ([]identity.Member, error) {
	q := `SELECT i.seq, r.customer, i.kind FROM idents i JOIN records r ON r.seq = i.seq
		WHERE i.type = $1 AND i.value = $2 AND i.glue`
	args := []any{typ, value}
	if limit > 0 {
		q += ` LIMIT $3`
		args = append(args, limit)
	}
	rows, err := t.tx.Query(t.ctx, q, args...)
	if err != nil {
		return nil, wrap(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.Member, error) {
		var m identity.Member
		err := r.Scan(&m.Record, &m.Customer, &m.Kind)
		return m, err
	})
	return out, wrap(err)
}

func (t *tx) CountSharing(typ, value, kind string) (int, error) {
	var n int
	err := t.tx.QueryRow(t.ctx, `SELECT count(*) FROM idents WHERE type = $1 AND value = $2 AND kind = $3`, typ, value, kind).Scan(&n)
	return n, wrap(err)
}

func (t *tx) Members(customer int64) ([]identity.Record, error) {
	return t.records(`SELECT `+recordCols+` FROM records WHERE customer = $1 ORDER BY seq`, customer)
}

func (t *tx) SetCustomer(seqs []int64, customer int64) error {
	return t.exec(`UPDATE records SET customer = $1 WHERE seq = ANY($2)`, customer, seqs)
}

func (t *tx) Merge(from []int64, survivor int64) error {
	for _, c := range from {
		if c == survivor {
			continue
		}
		if err := t.exec(`UPDATE records SET customer = $1 WHERE customer = $2`, survivor, c); err != nil {
			return err
		}
		if err := t.exec(`UPDATE customers SET merged_into = $1 WHERE id = $2 OR merged_into = $2`, survivor, c); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) NewCustomer() (int64, error) {
	ids, err := t.NewCustomers(1)
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

func (t *tx) Resolve(customer int64) (int64, bool, error) {
	var into int64
	err := t.tx.QueryRow(t.ctx, `SELECT merged_into FROM customers WHERE id = $1`, customer).Scan(&into)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, wrap(err)
	}
	if into != 0 {
		return into, true, nil
	}
	return customer, true, nil
}

func (t *tx) CustomersWith(typ, value string) ([]int64, error) {
	return t.ids(`SELECT DISTINCT r.customer FROM idents i JOIN records r ON r.seq = i.seq
		WHERE i.type = $1 AND i.value = $2 ORDER BY r.customer`, typ, value)
}

func (t *tx) Search(text string, limit int) ([]int64, error) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(strings.TrimSpace(text)))
	like := "%" + esc + "%"
	return t.ids(`SELECT customer FROM (
			SELECT r.customer AS customer, min(r.seq) AS first FROM records r
			WHERE r.kind = 'customer' AND (lower(r.fields) LIKE $1 OR r.key = $2
				OR r.seq IN (SELECT seq FROM idents WHERE lower(value) LIKE $1))
			GROUP BY r.customer) c
		ORDER BY first LIMIT $3`, like, strings.TrimSpace(text), limit)
}

func (t *tx) Scan(after int64, limit int) ([]identity.Record, error) {
	return t.records(`SELECT `+recordCols+` FROM records WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
}

func (t *tx) Customers(after int64, limit int) ([]int64, error) {
	return t.ids(`SELECT id FROM customers WHERE id > $1 AND merged_into = 0 ORDER BY id LIMIT $2`, after, limit)
}

func (t *tx) Meta(key string) (string, error) {
	var v string
	err := t.tx.QueryRow(t.ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return v, wrap(err)
}

func (t *tx) SetMeta(key, value string) error {
	return t.exec(`INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
}

// Dequeue deletes the queued items up to upTo in this transaction.
func (t *tx) Dequeue(upTo int64) (bool, error) {
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM queue WHERE seq <= $1`, upTo)
	if err != nil {
		return false, wrap(err)
	}
	return tag.RowsAffected() > 0, nil
}
