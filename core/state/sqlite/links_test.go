package sqlite

import (
	"strings"
	"testing"
)

// TestLookupLinksUsesIndexes checks the lookup's plan: index searches, not
// table scans.
func TestLookupLinksUsesIndexes(t *testing.T) {
	s := openTemp(t)
	rows, err := s.r.Query("EXPLAIN QUERY PLAN "+sqlLookupLinks, "a", "s", "b", "s", `["k"]`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "\n")
	if strings.Contains(joined, "SCAN links") ||
		!strings.Contains(joined, "SEARCH links USING PRIMARY KEY") ||
		!strings.Contains(joined, "SEARCH links USING COVERING INDEX links_by_dst") {
		t.Errorf("plan:\n%s", joined)
	}
}
