package hubspot_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot"
	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// Read contacts from a sandbox, then read again from the checkpoint after
// one contact changed: only that contact comes. The checkpoint stays
// search_lag (30 s) behind the server's clock, for the search index's
// lag, and lists the contact changed since, which a read from it skips
// unless it changes again.
func ExampleConnector_Read() {
	sb, err := sandbox.New(sandbox.Options{Seed: 1, Contacts: 3, Companies: 1, Notes: 1,
		Now: func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		panic(err)
	}
	srv, err := sb.Start("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	cfg := sdk.Config(`{"base_url":"` + srv.URL + `","token":"sandbox-token"}`)
	ctx := context.Background()

	read := func(state []byte) *sdktest.Collector {
		col, err := sdktest.ReadAll(ctx, hubspot.New(), sdk.ReadRequest{Config: cfg,
			Streams: []sdk.StreamState{{Stream: "contacts", State: state}}})
		if err != nil {
			panic(err)
		}
		return col
	}
	first := read(nil)
	fmt.Println("first read:", len(first.Records), "contacts")
	if _, err := sb.Update("contacts", "1002", map[string]string{"firstname": "Grace"}); err != nil {
		panic(err)
	}
	next := read(first.Last("contacts"))
	fmt.Println("next read:", next.Keys("contacts"))
	fmt.Println("checkpoint:", string(next.Last("contacts")))
	fmt.Println("then:", read(next.Last("contacts")).Keys("contacts"))
	// Output:
	// first read: 3 contacts
	// next read: [1002]
	// checkpoint: {"ts":1777629570000,"at":"2026-05-01T09:59:30.000Z","seen":{"1002":1777629600000}}
	// then: []
}
