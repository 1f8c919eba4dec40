package identity

import (
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// Catalog says what the streams of each connection are: the spec of the
// connection's connector, by connection name.
type Catalog map[string]sdk.Spec

// stream returns a connection's stream spec if it is canonical customer
// or interaction data.
func (c Catalog) stream(connection, stream string) (sdk.StreamSpec, bool) {
	spec, ok := c[connection]
	if !ok {
		return sdk.StreamSpec{}, false
	}
	st, ok := spec.Stream(stream)
	if !ok || st.Canonical != sdk.CanonicalCustomer && st.Canonical != sdk.CanonicalInteraction {
		return sdk.StreamSpec{}, false
	}
	return st, true
}

// Indexed says whether records of a connection's stream are indexed.
func (c Catalog) Indexed(connection, stream string) bool {
	_, ok := c.stream(connection, stream)
	return ok
}

// personStream is the customer stream of a connection that interactions'
// customer ids refer to: its first customer stream with an email field
// (else its first customer stream).
func (c Catalog) personStream(connection string) string {
	first := ""
	for _, st := range c[connection].Streams {
		if st.Canonical != sdk.CanonicalCustomer {
			continue
		}
		if _, ok := st.CanonicalFields["email"]; ok {
			return st.Name
		}
		if first == "" {
			first = st.Name
		}
	}
	return first
}

// customerRefFields are the canonical fields of an interaction that hold
// the key of its customer in the connection's person stream, in order.
// (An author_id is not one: agents write comments too.)
var customerRefFields = []string{"customer_id", "requester_id"}

// ticketStream is the connection's ticket stream, which a ticket_id of
// its other interactions (comments) refers to ("" if none).
func (c Catalog) ticketStream(connection string) string {
	for _, st := range c[connection].Streams {
		if st.Canonical == sdk.CanonicalInteraction && st.InteractionKind == "ticket" {
			return st.Name
		}
	}
	return ""
}

// recordOf makes the index's record of a source record of a canonical
// stream: its canonical fields read with gjson, and the keys of other
// records the rules say it refers to.
func (c Catalog) recordOf(rules Rules, connection string, st sdk.StreamSpec, r sdk.Record) Record {
	rec := Record{
		Ref: Ref{connection, st.Name, r.Key}, Kind: string(st.Canonical), InteractionKind: st.InteractionKind,
		Fields: make(map[string]string, len(st.CanonicalFields)), Data: r.Data, UpdatedAt: r.UpdatedAt,
	}
	for name, p := range st.CanonicalFields {
		if v := gjson.GetBytes(r.Data, p); v.Exists() && v.Type != gjson.Null {
			if s := strings.TrimSpace(v.String()); s != "" {
				rec.Fields[name] = s
			}
		}
	}
	if t := rec.Fields["interaction_type"]; t != "" {
		rec.InteractionKind = t
	}
	if rec.UpdatedAt.IsZero() {
		if t, err := time.Parse(time.RFC3339Nano, rec.Fields["updated_at"]); err == nil {
			rec.UpdatedAt = t
		}
	}
	for _, e := range rules.externalIDs(connection, st.Name) {
		if v := gjson.GetBytes(r.Data, e.Field); v.Exists() && v.String() != "" {
			rec.Links = append(rec.Links, Link{Ref{e.RefersTo.Connection, e.RefersTo.Stream, v.String()}, "external_id " + e.Field})
		}
	}
	return rec
}

// identifiers are the normalised values of a record that may join it to
// others, under the rules.
func (ix *Index) identifiers(rec Record) []Identifier {
	r := ix.rules
	var ids []Identifier
	add := func(typ, value, rule string, glue bool) {
		for _, id := range ids {
			if id.Type == typ && id.Value == value {
				return
			}
		}
		ids = append(ids, Identifier{Type: typ, Value: value, Rule: rule, Glue: glue})
	}
	for _, c := range r.contacts(rec.Fields) {
		add(c.Type, c.Value, c.Rule, r.matches(c.Type) && r.refused(c.Value) == "")
	}
	links := r.matches(MatchLinks)
	if rec.Kind == KindCustomer {
		add(IDRef, rec.Ref.String(), "self", true)
	} else {
		ts := ix.catalog.ticketStream(rec.Ref.Connection)
		if ts == rec.Ref.Stream {
			add(IDRef, rec.Ref.String(), "self", links) // its comments join it
		}
		ps := ix.catalog.personStream(rec.Ref.Connection)
		for _, f := range customerRefFields {
			if v := rec.Fields[f]; v != "" && ps != "" {
				add(IDRef, Ref{rec.Ref.Connection, ps, v}.String(), f, links)
				break
			}
		}
		if v := rec.Fields["ticket_id"]; v != "" && ts != "" && ts != rec.Ref.Stream {
			add(IDRef, Ref{rec.Ref.Connection, ts, v}.String(), "ticket_id", links)
		}
	}
	for _, l := range rec.Links {
		glue := links
		if strings.HasPrefix(l.Rule, "external_id") {
			glue = r.matches(MatchExternalID)
		}
		add(IDRef, l.Ref.String(), l.Rule, glue)
	}
	return ids
}

// contactFields are the canonical fields holding a record's emails and
// phones, in the order they are read.
var contactFields = []string{"email", "customer_email", "phone", "customer_phone"}

// contacts returns the normalised emails and phones of a record's
// canonical fields (several in one field: split on , and ;), in
// contactFields order, each with its type (IDEmail, IDPhone) and, as its
// Rule, the field it came from. A value may appear twice.
func (r Rules) contacts(fields map[string]string) []Identifier {
	var out []Identifier
	for _, name := range contactFields {
		if raw, ok := fields[name]; ok {
			typ := strings.TrimPrefix(name, "customer_")
			for _, v := range r.normalizeAll(typ, raw) {
				out = append(out, Identifier{Type: typ, Value: v, Rule: name})
			}
		}
	}
	return out
}

// normalizeAll returns the normalised emails (typ IDEmail) or phones
// (IDPhone) of a field's value, which may hold several separated by , or
// ; (those that do not normalise are left out).
func (r Rules) normalizeAll(typ, raw string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' }) {
		var v string
		if typ == IDEmail {
			v = r.NormalizeEmail(part)
		} else {
			v = r.NormalizePhone(part)
		}
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
