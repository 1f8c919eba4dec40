package null_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cxhub/cxhub/connectors/null"
	"github.com/cxhub/cxhub/sdk"
)

// Write a batch with ids on, close the writer, and read back what its
// stats file says arrived.
func ExampleConnector_OpenWriter() {
	dir, err := os.MkdirTemp("", "null-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	cfg := sdk.Config(fmt.Sprintf(`{"return_ids":true,"stats_file":%q}`, filepath.Join(dir, "{stream}.json")))
	ctx := context.Background()

	w, err := null.New().OpenWriter(ctx, sdk.OpenWriterRequest{Config: cfg, Stream: "customers"})
	if err != nil {
		panic(err)
	}
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: []sdk.Record{
		{Key: "cus-1", Data: []byte(`{"id":"cus-1"}`)},
		{Key: "cus-2", Op: sdk.Delete},
	}})
	if err != nil {
		panic(err)
	}
	for _, r := range resp.Results {
		fmt.Printf("id %s, created %v, error %v\n", r.ID, r.Created, r.Err)
	}
	if err := w.Close(ctx); err != nil {
		panic(err)
	}
	stats, err := null.ReadStats(filepath.Join(dir, "customers.json"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", stats)
	// Output:
	// id null-cus-1, created false, error <nil>
	// id null-cus-2, created false, error <nil>
	// {Stream:customers Records:2 Deletes:1 Bytes:14}
}
