package identity

import (
	"context"
	"fmt"
	"slices"
)

// Explanation says why a customer's records are one customer.
type Explanation struct {
	ID      string        `json:"id"`
	Records []RecordEntry `json:"records"`
	// Joins are the identifiers that join the records, each with the
	// records carrying it and the rule that made it.
	Joins []Join `json:"joins"`
	// Refused are values the records share with other records that do not
	// join them, and why.
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
					n, err := tx.Sharing(i.Type, i.Value, 0)
					if err != nil {
						return err
					}
					if len(n) < 2 {
						continue
					}
					why := ix.rules.refused(i.Value)
					switch {
					case why != "":
					case !i.Glue:
						why = "rule " + i.Rule + " is not in customers.match"
					default:
						why = fmt.Sprintf("carried by %d customer records, more than max_shared (%d)", counts[[2]string{i.Type, i.Value}], ix.rules.MaxShared)
					}
					ex.Refused = append(ex.Refused, Refusal{Type: i.Type, Value: i.Value, Why: why, Records: len(n)})
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
