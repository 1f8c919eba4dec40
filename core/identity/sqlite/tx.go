package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cxhub/cxhub/core/identity"
)

// tx is one transaction, with its statements prepared once.
type tx struct {
	ctx   context.Context
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	// dequeued is the last queue item this transaction took (0: none).
	dequeued int64
}

func (t *tx) closeStmts() {
	for _, s := range t.stmts {
		_ = s.Close()
	}
}

func (t *tx) stmt(q string) (*sql.Stmt, error) {
	if s, ok := t.stmts[q]; ok {
		return s, nil
	}
	s, err := t.tx.PrepareContext(t.ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", q, err)
	}
	t.stmts[q] = s
	return s, nil
}

func (t *tx) exec(q string, args ...any) (sql.Result, error) {
	s, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	res, err := s.ExecContext(t.ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("customer index: %w", err)
	}
	return res, nil
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(t.ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("customer index: %w", err)
	}
	return rows, nil
}

const recordCols = `seq, conn, stream, key, kind, ikind, fields, links, updated_at, customer`

func scanRecord(sc interface{ Scan(...any) error }, withData bool) (identity.Record, error) {
	var r identity.Record
	var fields, links []byte
	var updated int64
	dest := []any{&r.Seq, &r.Ref.Connection, &r.Ref.Stream, &r.Ref.Key, &r.Kind, &r.InteractionKind, &fields, &links, &updated, &r.Customer}
	var data []byte
	if withData {
		dest = append(dest, &data)
	}
	if err := sc.Scan(dest...); err != nil {
		return r, err
	}
	if err := json.Unmarshal(fields, &r.Fields); err != nil {
		return r, fmt.Errorf("customer index: record %s: fields: %w", r.Ref, err)
	}
	if len(links) > 0 {
		if err := json.Unmarshal(links, &r.Links); err != nil {
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

func (t *tx) Get(ref identity.Ref, withData bool) (identity.Record, bool, error) {
	q := `SELECT ` + recordCols
	if withData {
		q += `, data`
	}
	s, err := t.stmt(q + ` FROM records WHERE conn = ? AND stream = ? AND key = ?`)
	if err != nil {
		return identity.Record{}, false, err
	}
	r, err := scanRecord(s.QueryRowContext(t.ctx, ref.Connection, ref.Stream, ref.Key), withData)
	if errors.Is(err, sql.ErrNoRows) {
		return identity.Record{}, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("customer index: get %s: %w", ref, err)
	}
	return r, true, nil
}

func (t *tx) Put(rec identity.Record, ids []identity.Identifier) (int64, error) {
	fields, err := marshalFields(rec.Fields)
	if err != nil {
		return 0, fmt.Errorf("customer index: put %s: %w", rec.Ref, err)
	}
	var links []byte
	if len(rec.Links) > 0 {
		if links, err = json.Marshal(rec.Links); err != nil {
			return 0, fmt.Errorf("customer index: put %s: %w", rec.Ref, err)
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
	s, err := t.stmt(`INSERT INTO records (conn, stream, key, kind, ikind, fields, links, data, updated_at, customer)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (conn, stream, key) DO UPDATE SET kind = excluded.kind, ikind = excluded.ikind,
			fields = excluded.fields, links = excluded.links, data = coalesce(excluded.data, data),
			updated_at = excluded.updated_at, customer = excluded.customer
		RETURNING seq`)
	if err != nil {
		return 0, err
	}
	var seq int64
	if err := s.QueryRowContext(t.ctx, rec.Ref.Connection, rec.Ref.Stream, rec.Ref.Key, rec.Kind, rec.InteractionKind,
		fields, links, data, updated, rec.Customer).Scan(&seq); err != nil {
		return 0, fmt.Errorf("customer index: put %s: %w", rec.Ref, err)
	}
	if _, err := t.exec(`DELETE FROM idents WHERE seq = ?`, seq); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return seq, nil
	}
	// One statement for all of the record's identifiers.
	q := `INSERT OR REPLACE INTO idents (type, value, kind, seq, rule, glue) VALUES (?, ?, ?, ?, ?, ?)` +
		strings.Repeat(`, (?, ?, ?, ?, ?, ?)`, len(ids)-1)
	args := make([]any, 0, 6*len(ids))
	for _, id := range ids {
		args = append(args, id.Type, id.Value, rec.Kind, seq, id.Rule, id.Glue)
	}
	if _, err := t.exec(q, args...); err != nil {
		return 0, err
	}
	return seq, nil
}

func (t *tx) Delete(ref identity.Ref) error {
	r, ok, err := t.Get(ref, false)
	if err != nil || !ok {
		return err
	}
	if _, err := t.exec(`DELETE FROM idents WHERE seq = ?`, r.Seq); err != nil {
		return err
	}
	_, err = t.exec(`DELETE FROM records WHERE seq = ?`, r.Seq)
	return err
}

func (t *tx) Identifiers(seq int64) ([]identity.Identifier, error) {
	rows, err := t.query(`SELECT type, value, rule, glue, kind FROM idents WHERE seq = ?`, seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.Identifier
	for rows.Next() {
		var id identity.Identifier
		if err := rows.Scan(&id.Type, &id.Value, &id.Rule, &id.Glue, &id.Kind); err != nil {
			return nil, fmt.Errorf("customer index: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (t *tx) Sharing(typ, value string, limit int) ([]identity.Member, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := t.query(`SELECT i.seq, r.customer, i.kind FROM idents i JOIN records r ON r.seq = i.seq
		WHERE i.type = ? AND i.value = ? AND i.glue LIMIT ?`, typ, value, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.Member
	for rows.Next() {
		var m identity.Member
		if err := rows.Scan(&m.Record, &m.Customer, &m.Kind); err != nil {
			return nil, fmt.Errorf("customer index: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (t *tx) CountSharing(typ, value, kind string) (int, error) {
	s, err := t.stmt(`SELECT count(*) FROM idents WHERE type = ? AND value = ? AND kind = ?`)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.QueryRowContext(t.ctx, typ, value, kind).Scan(&n); err != nil {
		return 0, fmt.Errorf("customer index: %w", err)
	}
	return n, nil
}

func (t *tx) records(q string, args ...any) ([]identity.Record, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.Record
	for rows.Next() {
		r, err := scanRecord(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *tx) Members(customer int64) ([]identity.Record, error) {
	return t.records(`SELECT `+recordCols+` FROM records WHERE customer = ? ORDER BY seq`, customer)
}

func (t *tx) SetCustomer(seqs []int64, customer int64) error {
	for _, s := range seqs {
		if _, err := t.exec(`UPDATE records SET customer = ? WHERE seq = ?`, customer, s); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) Merge(from []int64, survivor int64) error {
	for _, c := range from {
		if c == survivor {
			continue
		}
		if _, err := t.exec(`UPDATE records SET customer = ? WHERE customer = ?`, survivor, c); err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE customers SET merged_into = ? WHERE id = ? OR merged_into = ?`, survivor, c, c); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) NewCustomer() (int64, error) {
	res, err := t.exec(`INSERT INTO customers (merged_into) VALUES (0)`)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func (t *tx) Resolve(customer int64) (int64, bool, error) {
	s, err := t.stmt(`SELECT merged_into FROM customers WHERE id = ?`)
	if err != nil {
		return 0, false, err
	}
	var into int64
	err = s.QueryRowContext(t.ctx, customer).Scan(&into)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("customer index: %w", err)
	}
	if into != 0 {
		return into, true, nil
	}
	return customer, true, nil
}

func (t *tx) CustomersWith(typ, value string) ([]int64, error) {
	return t.ids(`SELECT DISTINCT r.customer FROM idents i JOIN records r ON r.seq = i.seq
		WHERE i.type = ? AND i.value = ? ORDER BY r.customer`, typ, value)
}

func (t *tx) ids(q string, args ...any) ([]int64, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("customer index: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (t *tx) Search(text string, limit int) ([]int64, error) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(strings.TrimSpace(text)))
	like := "%" + esc + "%"
	return t.ids(`SELECT customer FROM (
			SELECT r.customer AS customer, min(r.seq) AS first FROM records r
			WHERE r.kind = 'customer' AND (lower(r.fields) LIKE ?1 ESCAPE '\' OR r.key = ?2
				OR r.seq IN (SELECT seq FROM idents WHERE value LIKE ?1 ESCAPE '\'))
			GROUP BY r.customer)
		ORDER BY first LIMIT ?3`, like, strings.TrimSpace(text), limit)
}

func (t *tx) Scan(after int64, limit int) ([]identity.Record, error) {
	return t.records(`SELECT `+recordCols+` FROM records WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
}

func (t *tx) Customers(after int64, limit int) ([]int64, error) {
	return t.ids(`SELECT id FROM customers WHERE id > ? AND merged_into = 0 ORDER BY id LIMIT ?`, after, limit)
}

func (t *tx) Meta(key string) (string, error) {
	s, err := t.stmt(`SELECT value FROM meta WHERE key = ?`)
	if err != nil {
		return "", err
	}
	var v string
	err = s.QueryRowContext(t.ctx, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("customer index: %w", err)
	}
	return v, nil
}

func (t *tx) SetMeta(key, value string) error {
	_, err := t.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}
