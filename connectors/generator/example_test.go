package generator_test

import (
	"context"
	"fmt"

	"github.com/cxhub/cxhub/connectors/generator"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// Read the first two customers, then, from the checkpoint, what is left
// once count was raised to three.
func ExampleConnector_Read() {
	ctx := context.Background()
	read := func(cfg string, state []byte) *sdktest.Collector {
		col, err := sdktest.ReadAll(ctx, generator.New(), sdk.ReadRequest{
			Config:  sdk.Config(cfg),
			Streams: []sdk.StreamState{{Stream: generator.StreamCustomers, State: state}},
		})
		if err != nil {
			panic(err)
		}
		return col
	}
	first := read(`{"count":2,"record_size":300}`, nil)
	for _, r := range first.Records {
		fmt.Println(r.Key, len(r.Data), "bytes:", string(r.Data))
	}
	fmt.Println("checkpoint:", string(first.Last(generator.StreamCustomers)))
	more := read(`{"count":3,"record_size":300}`, first.Last(generator.StreamCustomers))
	fmt.Println("then:", more.Keys(generator.StreamCustomers))
	// Output:
	// cus-00000001 300 bytes: {"id":"cus-00000001","email":"sophie.hopper.1@example.org","first_name":"Sophie","last_name":"Hopper","phone":"+1 555 220 9346","company":"Trey Research","country":"DE","created_at":"2024-01-01T00:00:07Z","updated_at":"2024-03-10T04:23:49Z","bio":"that opens back but again and account product refu"}
	// cus-00000002 300 bytes: {"id":"cus-00000002","email":"tim.stroustrup.2@example.org","first_name":"Tim","last_name":"Stroustrup","phone":"+1 555 471 6232","company":"Adventure Works","country":"CA","created_at":"2024-01-01T00:00:12Z","updated_at":"2024-01-07T07:31:20Z","bio":"will the was and but replied team of setup and"}
	// checkpoint: {"next":2}
	// then: [cus-00000003]
}
