package shopify_test

import (
	"fmt"

	"github.com/cxhub/cxhub/connectors/shopify"
)

// The streams, what they are in the customer 360, and what they allow.
func ExampleConnector_Spec() {
	for _, st := range shopify.New().Spec().Streams {
		fmt.Printf("%s: %s %s, key %v, cursor %s, write %v\n", st.Name, st.Canonical, st.InteractionKind, st.PrimaryKey, st.CursorField, st.Capabilities.Write)
	}
	// Output:
	// customers: customer , key [id], cursor updated_at, write true
	// orders: interaction order, key [id], cursor updated_at, write false
	// fulfillments: interaction fulfilment, key [id], cursor updated_at, write true
}
