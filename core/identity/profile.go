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
	// Emails and Phones are every normalised one, in the order first seen.
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
		if e := ix.rules.NormalizeEmail(r.Fields["email"]); e != "" && !slices.Contains(p.Emails, e) {
			p.Emails = append(p.Emails, e)
		}
		if ph := ix.rules.NormalizePhone(r.Fields["phone"]); ph != "" && !slices.Contains(p.Phones, ph) {
			p.Phones = append(p.Phones, ph)
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
	slices.SortStableFunc(p.Timeline, func(a, b Interaction) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Source.String(), b.Source.String())
	})
	return p
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
