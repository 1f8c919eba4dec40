package identity

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Summary is one line of a search.
type Summary struct {
	ID      string   `json:"id"`
	Name    string   `json:"name,omitempty"`
	Email   string   `json:"email,omitempty"`
	Phone   string   `json:"phone,omitempty"`
	Records int      `json:"records"`
	Systems []string `json:"systems"`
}

// Find returns the customer a query names: a customer id (cx-42, merged
// ones resolve to their survivor), an email, a phone number, or a source
// record as connection/stream/key. A value several customers carry (a
// shared mailbox) is an error listing them.
func (ix *Index) Find(ctx context.Context, query string) (int64, error) {
	if id, ok := ParseID(query); ok {
		return id, nil
	}
	var typ, value string
	switch q := strings.TrimSpace(query); {
	case strings.Count(q, "/") == 2:
		parts := strings.Split(q, "/")
		c, ok, err := ix.CustomerOf(ctx, Ref{parts[0], parts[1], parts[2]})
		if err == nil && !ok {
			err = fmt.Errorf("no source record %s: %w", q, ErrNotFound)
		}
		return c, err
	case strings.Contains(q, "@"):
		typ, value = IDEmail, ix.rules.NormalizeEmail(q)
	default:
		typ, value = IDPhone, ix.rules.NormalizePhone(q)
	}
	if value == "" {
		return 0, fmt.Errorf("%q is not a customer id, email, phone number or connection/stream/key: %w", query, ErrNotFound)
	}
	var cs []int64
	err := ix.store.View(ctx, func(tx Tx) (err error) {
		cs, err = tx.CustomersWith(typ, value)
		return err
	})
	if err != nil {
		return 0, err
	}
	switch len(cs) {
	case 0:
		return 0, fmt.Errorf("no customer with %s %s: %w", typ, value, ErrNotFound)
	case 1:
		return cs[0], nil
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = FormatID(c)
	}
	return 0, fmt.Errorf("%s %s belongs to %d customers (%s): it is not used to match; show one by its id", typ, value, len(cs), strings.Join(ids, ", "))
}

// Search returns up to limit customers whose email, phone, name or other
// field contains text, oldest first.
func (ix *Index) Search(ctx context.Context, text string, limit int) ([]Summary, error) {
	if limit <= 0 {
		limit = 50
	}
	var out []Summary
	err := ix.store.View(ctx, func(tx Tx) error {
		cs, err := tx.Search(text, limit)
		if err != nil {
			return err
		}
		for _, c := range cs {
			ms, err := tx.Members(c)
			if err != nil {
				return err
			}
			p := ix.profileOf(c, ms)
			// The surviving email and phone, as the profile shows them.
			s := Summary{ID: p.ID, Name: p.Fields["name"].Value, Records: p.Records, Email: p.email, Phone: p.phone}
			if s.Email == "" && len(p.Emails) > 0 {
				s.Email = p.Emails[0]
			}
			if s.Phone == "" && len(p.Phones) > 0 {
				s.Phone = p.Phones[0]
			}
			for sys := range p.ExternalIDs {
				s.Systems = append(s.Systems, sys)
			}
			sort.Strings(s.Systems)
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// CustomerOf returns the customer a source record belongs to, and false
// if the index does not hold it.
func (ix *Index) CustomerOf(ctx context.Context, ref Ref) (int64, bool, error) {
	var c int64
	var ok bool
	err := ix.store.View(ctx, func(tx Tx) error {
		r, found, err := tx.Get(ref, false)
		c, ok = r.Customer, found
		return err
	})
	return c, ok, err
}

// SourceRecord returns a kept source record with its data.
func (ix *Index) SourceRecord(ctx context.Context, ref Ref) (Record, error) {
	var r Record
	err := ix.store.View(ctx, func(tx Tx) error {
		var ok bool
		var err error
		if r, ok, err = tx.Get(ref, true); err == nil && !ok {
			err = fmt.Errorf("no source record %s: %w", ref, ErrNotFound)
		}
		return err
	})
	return r, err
}

// Partition returns every record's customer, by ref (tests and checks:
// each record is in exactly one customer).
func (ix *Index) Partition(ctx context.Context) (map[Ref]int64, error) {
	out := map[Ref]int64{}
	err := ix.store.View(ctx, func(tx Tx) error {
		for after := int64(0); ; {
			recs, err := tx.Scan(after, 1000)
			if err != nil {
				return err
			}
			for _, r := range recs {
				out[r.Ref] = r.Customer
				after = r.Seq
			}
			if len(recs) < 1000 {
				return nil
			}
		}
	})
	return out, err
}
