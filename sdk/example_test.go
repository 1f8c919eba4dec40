package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// static is a minimal connector: a Source of the contacts listed in its
// configuration.
type static struct{}

var (
	_ sdk.Connector = static{}
	_ sdk.Source    = static{}
)

func (static) Spec() sdk.Spec {
	return sdk.Spec{
		Name:         "static",
		Version:      "0.1.0",
		Kind:         sdk.Generic,
		ConfigSchema: `{"type":"object","properties":{"contacts":{"type":"array"}}}`,
		Streams: []sdk.StreamSpec{{
			Name:            "contacts",
			Canonical:       sdk.CanonicalCustomer,
			PrimaryKey:      []string{"id"},
			Capabilities:    sdk.Capabilities{Read: true, IncrementalRead: true},
			CanonicalFields: map[string]string{"email": "email"},
		}},
	}
}

func (static) Check(_ context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	contacts := req.Config.Get("contacts")
	if !contacts.IsArray() {
		return sdk.CheckResponse{}, sdk.ConfigError(errors.New("contacts: want a list"))
	}
	return sdk.CheckResponse{Message: fmt.Sprintf("%d contacts", len(contacts.Array()))}, nil
}

// Read emits the contacts after the one its state names, then a checkpoint
// with the number of contacts read so far.
func (static) Read(_ context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	for _, st := range req.Streams {
		done, _ := strconv.Atoi(string(st.State))
		contacts := req.Config.Get("contacts").Array()
		for _, c := range contacts[min(done, len(contacts)):] {
			if err := out.Emit(sdk.Record{Stream: st.Stream, Key: c.Get("id").String(), Data: []byte(c.Raw)}); err != nil {
				return err
			}
		}
		if err := out.Checkpoint(st.Stream, []byte(strconv.Itoa(len(contacts)))); err != nil {
			return err
		}
	}
	return nil
}

// ExampleServe is the whole main function of a connector.
func ExampleServe() {
	sdk.Serve(static{})
}

// printer is an Emitter that prints what a Source sends.
type printer struct{}

func (printer) Emit(records ...sdk.Record) error {
	for _, r := range records {
		fmt.Printf("%s %s %s\n", r.Stream, r.Key, r.Data)
	}
	return nil
}

func (printer) Checkpoint(stream string, state []byte) error {
	fmt.Printf("checkpoint %s %s\n", stream, state)
	return nil
}

// A connector is ordinary Go: it can be called, and tested, without the
// plugin protocol.
func Example_connector() {
	config := sdk.Config(`{"contacts": [
		{"id": "1", "email": "ada@example.com"},
		{"id": "2", "email": "alan@example.com"}
	]}`)
	ctx := context.Background()
	c := static{}

	check, err := c.Check(ctx, sdk.CheckRequest{Config: config})
	fmt.Println(check.Message, err)

	fmt.Println("full read:")
	if err := c.Read(ctx, sdk.ReadRequest{Config: config, Streams: []sdk.StreamState{{Stream: "contacts"}}}, printer{}); err != nil {
		fmt.Println(err)
	}
	fmt.Println("from checkpoint 1:")
	if err := c.Read(ctx, sdk.ReadRequest{Config: config, Streams: []sdk.StreamState{{Stream: "contacts", State: []byte("1")}}}, printer{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 2 contacts <nil>
	// full read:
	// contacts 1 {"id": "1", "email": "ada@example.com"}
	// contacts 2 {"id": "2", "email": "alan@example.com"}
	// checkpoint contacts 2
	// from checkpoint 1:
	// contacts 2 {"id": "2", "email": "alan@example.com"}
	// checkpoint contacts 2
}

// A Writer fails one record with BadRecord: the core dead-letters that
// record and goes on with the batch; it does not retry it.
func ExampleBadRecord() {
	write := func(r sdk.Record) sdk.Result {
		if len(r.Data) == 0 || r.Data[0] != '{' {
			return sdk.Failed(sdk.BadRecord(fmt.Errorf("record %s: data is not a JSON object", r.Key)))
		}
		return sdk.Written("crm-"+r.Key, true)
	}
	for _, r := range []sdk.Record{{Key: "1", Data: []byte(`{}`)}, {Key: "2", Data: []byte(`oops`)}} {
		res := write(r)
		if res.Err != nil {
			kind := sdk.KindOf(res.Err)
			fmt.Printf("%s: %s (%s, retryable: %v)\n", r.Key, res.Err, kind, kind.Retryable())
			continue
		}
		fmt.Printf("%s: written as %s\n", r.Key, res.ID)
	}
	// Output:
	// 1: written as crm-1
	// 2: record 2: data is not a JSON object (bad_record, retryable: false)
}

// KindOf finds the kind through any wrapping with %w, which is how the core
// decides what to do about a failure.
func ExampleKindOf() {
	failures := []error{
		sdk.RateLimited(errors.New("429 Too Many Requests"), 30*time.Second),
		sdk.AuthError(errors.New("401 Unauthorized")),
		sdk.Transient(errors.New("502 Bad Gateway")),
		errors.New("connection reset by peer"),
	}
	for _, f := range failures {
		err := fmt.Errorf("list contacts: %w", f)
		switch kind := sdk.KindOf(err); kind {
		case sdk.KindRateLimited:
			fmt.Printf("%v: wait %v, then retry\n", err, sdk.RetryAfterOf(err))
		case sdk.KindAuth, sdk.KindConfig:
			fmt.Printf("%v: stop the run (%s)\n", err, kind)
		default:
			fmt.Printf("%v: retry with backoff (%s)\n", err, kind)
		}
	}
	// Output:
	// list contacts: 429 Too Many Requests: wait 30s, then retry
	// list contacts: 401 Unauthorized: stop the run (auth)
	// list contacts: 502 Bad Gateway: retry with backoff (transient)
	// list contacts: connection reset by peer: retry with backoff (unknown)
}
