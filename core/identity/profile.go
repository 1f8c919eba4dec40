package identity

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Profile is one customer as every system knows it: JSON-friendly, for
// the CLI and the API.
type Profile struct {
	ID string `json:"id"`
	// Fields are the survivors of each canonical field of the customer's
	// records (name, email, phone, company...), with where each came from.
	Fields map[string]FieldValue `json:"fields"`
	// Emails and Phones are the normalised emails and phones of every
	// record of the customer (customer records and interactions, each
	// address of a field holding several), once each, in the order first
	// seen; when the profile rules name a survivorship rule for the email
	// (phone) field or default to priority, the surviving value's come
	// first.
	Emails []string `json:"emails"`
	Phones []string `json:"phones"`
	// ExternalIDs are the customer's keys by "connection.stream".
	ExternalIDs map[string][]string `json:"external_ids"`
	// Consent holds the consent flags sources carry (canonical fields
	// named consent* or *opt_in/*opt_out), by field.
	Consent map[string]FieldValue `json:"consent,omitempty"`
	// Records counts the source records attached (customer records and
	// interactions).
	Records int `json:"records"`
	// Timeline is every interaction, oldest first.
	Timeline []Interaction `json:"timeline"`

	// email and phone are the surviving email and phone fields'
	// normalised values (their first address), for Value.
	email, phone string
}

// FieldValue is a profile field's value and its source.
type FieldValue struct {
	Value     string    `json:"value"`
	Source    Ref       `json:"source"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Interaction is one entry of a timeline.
type Interaction struct {
	OccurredAt time.Time `json:"occurred_at,omitzero"`
	System     string    `json:"system"` // the connection
	Kind       string    `json:"kind"`   // ticket, comment, note, survey_response, order...
	Summary    string    `json:"summary,omitempty"`
	Status     string    `json:"status,omitempty"`
	Score      string    `json:"score,omitempty"`
	Amount     string    `json:"amount,omitempty"`
	Source     Ref       `json:"source"` // the source record
}

// notProfileFields are canonical fields that say nothing about the person.
var notProfileFields = map[string]bool{"updated_at": true, "created_at": true, "external_id": true}

// Profile returns a customer's profile and timeline. A merged id gives
// its survivor's profile; an unknown one an error wrapping ErrNotFound.
func (ix *Index) Profile(ctx context.Context, id int64) (Profile, error) {
	var p Profile
	err := ix.store.View(ctx, func(tx Tx) error {
		live, members, err := ix.members(tx, id)
		if err != nil {
			return err
		}
		p = ix.profileOf(live, members)
		return nil
	})
	return p, err
}

// members resolves id and returns the live id and its records.
func (ix *Index) members(tx Tx, id int64) (int64, []Record, error) {
	live, ok, err := tx.Resolve(id)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, fmt.Errorf("%s: %w", FormatID(id), ErrNotFound)
	}
	ms, err := tx.Members(live)
	if err != nil {
		return 0, nil, err
	}
	if len(ms) == 0 {
		return 0, nil, fmt.Errorf("%s has no records left: %w", FormatID(id), ErrNotFound)
	}
	return live, ms, nil
}

func (ix *Index) profileOf(id int64, ms []Record) Profile {
	p := Profile{ID: FormatID(id), Fields: map[string]FieldValue{}, ExternalIDs: map[string][]string{}, Records: len(ms),
		Emails: []string{}, Phones: []string{}, Timeline: []Interaction{}}
	type cand struct {
		v   string
		rec *Record
	}
	values := map[string][]cand{}
	for i := range ms {
		r := &ms[i]
		for _, c := range ix.rules.contacts(r.Fields) {
			if c.Type == IDEmail {
				p.Emails = appendNew(p.Emails, c.Value)
			} else {
				p.Phones = appendNew(p.Phones, c.Value)
			}
		}
		if r.Kind == KindInteraction {
			p.Timeline = append(p.Timeline, interactionOf(r))
			continue
		}
		sys := r.Ref.Connection + "." + r.Ref.Stream
		p.ExternalIDs[sys] = append(p.ExternalIDs[sys], r.Ref.Key)
		for f, v := range r.Fields {
			if !notProfileFields[f] {
				values[f] = append(values[f], cand{v, r})
			}
		}
		if r.Fields["name"] == "" && (r.Fields["first_name"] != "" || r.Fields["last_name"] != "") {
			values["name"] = append(values["name"], cand{strings.TrimSpace(r.Fields["first_name"] + " " + r.Fields["last_name"]), r})
		}
	}
	for f, cs := range values {
		best := cs[0]
		prio := ix.rules.sourcesFor(f)
		rank := func(c cand) int {
			if i := slices.Index(prio, c.rec.Ref.Connection); i >= 0 {
				return i
			}
			return len(prio)
		}
		for _, c := range cs[1:] {
			if r, rb := rank(c), rank(best); r < rb || r == rb && !c.rec.UpdatedAt.Before(best.rec.UpdatedAt) {
				best = c
			}
		}
		fv := FieldValue{Value: best.v, Source: best.rec.Ref, UpdatedAt: best.rec.UpdatedAt}
		if strings.HasPrefix(f, "consent") || strings.HasSuffix(f, "opt_in") || strings.HasSuffix(f, "opt_out") {
			if p.Consent == nil {
				p.Consent = map[string]FieldValue{}
			}
			p.Consent[f] = fv
			continue
		}
		p.Fields[f] = fv
	}
	p.email, p.Emails = ix.survivorFirst(IDEmail, p.Fields[IDEmail].Value, p.Emails)
	p.phone, p.Phones = ix.survivorFirst(IDPhone, p.Fields[IDPhone].Value, p.Phones)
	slices.SortStableFunc(p.Timeline, func(a, b Interaction) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Source.String(), b.Source.String())
	})
	return p
}

// appendNew appends v to list unless list holds it.
func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// survivorFirst returns the first normalised email or phone (typ) of a
// profile's surviving field value ("" if it has none), and all, the
// profile's emails or phones, with the surviving value's first when the
// rules have a survivorship rule for the field (else as they are).
func (ix *Index) survivorFirst(typ, survivor string, all []string) (string, []string) {
	vs := ix.rules.normalizeAll(typ, survivor)
	if len(vs) == 0 {
		return "", all
	}
	if !ix.rules.survivorRule(typ) {
		return vs[0], all
	}
	out := make([]string, 0, len(all))
	for _, v := range vs {
		out = appendNew(out, v)
	}
	for _, v := range all {
		out = appendNew(out, v)
	}
	return vs[0], out
}

// interactionOf makes a timeline entry of an interaction record.
func interactionOf(r *Record) Interaction {
	f := r.Fields
	it := Interaction{System: r.Ref.Connection, Kind: r.InteractionKind, Status: f["status"], Score: f["score"],
		Amount: f["amount"], Source: r.Ref}
	for _, k := range []string{"occurred_at", "created_at", "updated_at"} {
		if t, ok := parseTime(f[k]); ok {
			it.OccurredAt = t
			break
		}
	}
	if it.OccurredAt.IsZero() {
		it.OccurredAt = r.UpdatedAt
	}
	for _, k := range []string{"subject", "summary", "body"} {
		if it.Summary = f[k]; it.Summary != "" {
			break
		}
	}
	if len(it.Summary) > 120 {
		it.Summary = strings.ToValidUTF8(it.Summary[:117], "") + "..."
	}
	return it
}

// parseTime reads RFC 3339 or epoch milliseconds (HubSpot's timestamps).
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	var ms int64
	if _, err := fmt.Sscanf(s, "%d", &ms); err == nil && len(s) >= 12 {
		return time.UnixMilli(ms).UTC(), true
	}
	return time.Time{}, false
}
