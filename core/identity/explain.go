package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Explanation says why a customer's records are one customer.
type Explanation struct {
	ID      string        `json:"id"`
	Records []RecordEntry `json:"records"`
	// Joins are the identifiers that join the records, each with the
	// records carrying it and the rule that made it.
	Joins []Join `json:"joins"`
	// Refused are the identifiers of the records that join nothing
	// although another record carries them too (a never_match value, a
	// type left out of customers.match, a value over max_shared), and why.
	Refused []Refusal `json:"refused,omitempty"`
}

// RecordEntry is one record of a customer.
type RecordEntry struct {
	Ref  Ref    `json:"ref"`
	Kind string `json:"kind"`
}

// Join is one identifier joining records.
type Join struct {
	Type    string   `json:"type"`
	Value   string   `json:"value"`
	Rules   []string `json:"rules"`
	Records []Ref    `json:"records"`
}

// Refusal is a shared value that joins nothing.
type Refusal struct {
	Type    string `json:"type"`
	Value   string `json:"value"`
	Why     string `json:"why"`
	Records int    `json:"records"` // how many records carry it, everywhere
}

// Explain returns which records make a customer, joined on what, through
// which rule.
func (ix *Index) Explain(ctx context.Context, id int64) (Explanation, error) {
	var ex Explanation
	err := ix.store.View(ctx, func(tx Tx) error {
		live, ms, err := ix.members(tx, id)
		if err != nil {
			return err
		}
		ex.ID = FormatID(live)
		type key struct{ typ, value string }
		joins := map[key]*Join{}
		var order []key
		refused := map[key]bool{}
		counts := map[[2]string]int{}
		for _, m := range ms {
			ex.Records = append(ex.Records, RecordEntry{m.Ref, m.Kind})
			ids, err := tx.Identifiers(m.Seq)
			if err != nil {
				return err
			}
			for _, i := range ids {
				k := key{i.Type, i.Value}
				ok, err := ix.glueOK(tx, i, counts)
				if err != nil {
					return err
				}
				if !ok {
					if refused[k] {
						continue
					}
					refused[k] = true
					r, ok, err := ix.refusalOf(tx, i, counts)
					if err != nil {
						return err
					}
					if ok {
						ex.Refused = append(ex.Refused, r)
					}
					continue
				}
				j, seen := joins[k]
				if !seen {
					j = &Join{Type: i.Type, Value: i.Value}
					joins[k] = j
					order = append(order, k)
				}
				j.Records = append(j.Records, m.Ref)
				if !slices.Contains(j.Rules, i.Rule) {
					j.Rules = append(j.Rules, i.Rule)
				}
			}
		}
		for _, k := range order {
			if j := joins[k]; len(j.Records) > 1 {
				ex.Joins = append(ex.Joins, *j)
			}
		}
		return nil
	})
	return ex, err
}

// refusalOf says why an identifier of a customer's records that may not
// join them joins nothing, if another record carries it too (false if
// none does). Every record carrying it counts, whether it holds it as
// glue or not: a never_match value or one of a type left out of
// customers.match is stored, not as glue.
func (ix *Index) refusalOf(tx Tx, id Identifier, counts map[[2]string]int) (Refusal, bool, error) {
	n := 0
	for _, kind := range []string{KindCustomer, KindInteraction} {
		c, err := tx.CountSharing(id.Type, id.Value, kind)
		if err != nil {
			return Refusal{}, false, fmt.Errorf("explain %s %s: %w", id.Type, id.Value, err)
		}
		n += c
	}
	if n < 2 {
		return Refusal{}, false, nil
	}
	return Refusal{Type: id.Type, Value: id.Value, Why: ix.whyRefused(id, counts), Records: n}, true, nil
}

// whyRefused says why an identifier that may not join does not.
func (ix *Index) whyRefused(id Identifier, counts map[[2]string]int) string {
	m := matchOf(id)
	switch {
	case !ix.rules.matches(m):
		return m + " is not in customers.match (rule " + id.Rule + ")"
	case id.Type != IDRef && ix.rules.refused(id.Value) != "":
		return ix.rules.refused(id.Value)
	case !id.Glue:
		return "rule " + id.Rule + " does not join"
	}
	return fmt.Sprintf("carried by %d customer records, more than max_shared (%d)", counts[[2]string{id.Type, id.Value}], ix.rules.MaxShared)
}

// matchOf is the value of customers.match that lets an identifier join.
func matchOf(id Identifier) string {
	switch {
	case id.Type == IDEmail:
		return MatchEmail
	case id.Type == IDPhone:
		return MatchPhone
	case strings.HasPrefix(id.Rule, "external_id"):
		return MatchExternalID
	}
	return MatchLinks
}
