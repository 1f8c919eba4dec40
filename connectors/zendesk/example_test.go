package zendesk_test

import (
	"fmt"

	"github.com/cxhub/cxhub/connectors/zendesk"
)

// The streams, what they are in the customer 360, and what they allow.
func ExampleConnector_Spec() {
	for _, st := range zendesk.New().Spec().Streams {
		fmt.Printf("%s: %s %s, key %v, write %v\n", st.Name, st.Canonical, st.InteractionKind, st.PrimaryKey, st.Capabilities.Write)
	}
	// Output:
	// users: customer , key [id], write true
	// tickets: interaction ticket, key [id], write true
	// ticket_comments: interaction comment, key [id], write false
}

// A ticket create for a source record always carries the same
// Idempotency-Key, so a retry of it returns the first ticket; another
// record, or the same one written to another account, has another key.
func ExampleIdempotencyKey() {
	const acme = "https://acme.zendesk.com/api/v2"
	first := zendesk.IdempotencyKey(acme, "tickets", "orders", "ORD-1001")
	retry := zendesk.IdempotencyKey(acme, "tickets", "orders", "ORD-1001")
	other := zendesk.IdempotencyKey(acme, "tickets", "orders", "ORD-1002")
	elsewhere := zendesk.IdempotencyKey("https://globex.zendesk.com/api/v2", "tickets", "orders", "ORD-1001")
	fmt.Println(len(first), first == retry, first == other, first == elsewhere)
	// Output: 36 true false false
}
