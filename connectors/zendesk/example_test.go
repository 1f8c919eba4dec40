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
// Idempotency-Key, so a retry of it returns the first ticket.
func ExampleIdempotencyKey() {
	first := zendesk.IdempotencyKey("orders", "ORD-1001")
	retry := zendesk.IdempotencyKey("orders", "ORD-1001")
	other := zendesk.IdempotencyKey("orders", "ORD-1002")
	fmt.Println(len(first), first == retry, first == other)
	// Output: 36 true false
}
