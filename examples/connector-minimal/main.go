// Command cxhub-connector-inline is a minimal cxhub connector: copy it to
// start your own. It is built only against the cxhub sdk package.
//
// As a Source it serves the customer records written in its own config:
//
//	config: {records: [{id: "1", email: "ada@example.com"}, ...]}
//
// As a Destination it appends the records it receives, as JSON lines, to
// the file the config names (config: {file: ./customers.jsonl}), and never
// writes the same record twice.
//
// Build it where the core looks for plugins, under the name cxhub-connector-<spec name>:
//
//	go build -o bin/plugins/cxhub-connector-inline ./examples/connector-minimal
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cxhub/cxhub/sdk"
)

// inline is the connector. It holds no state: the core may call it
// concurrently, so everything a call needs lives in that call.
type inline struct{}

// Compile-time guards: the build fails if inline stops being what we say.
var (
	_ sdk.Connector   = inline{}
	_ sdk.Source      = inline{}
	_ sdk.Destination = inline{}
)

const stream = "customers"

// inlineConfig is a connection's config. Its tags declare the JSON Schema the
// core validates a connection's config against before the connector sees
// it (sdk.ConfigSchemaOf), and sdk.DecodeConfig decodes it. secret:"true"
// makes the core redact a field in every log, error and stored copy.
type inlineConfig struct {
	Records []customer `json:"records" doc:"The customers this source serves."`
	File    string     `json:"file" doc:"The JSON lines file this destination appends to."`
	APIKey  string     `json:"api_key" secret:"true" doc:"Unused: shows how a credential is declared."`
}

// customer is a record written in the config: an id, an email, and any
// other fields.
type customer struct {
	ID    json.RawMessage `json:"id" required:"true" type:"string,integer" doc:"The customer's id: the record's key."`
	Email string          `json:"email" doc:"The customer's email."`
	_     struct{}        `additionalProperties:"true"`
}

// Spec describes the connector; it is called without a config and must not fail.
func (inline) Spec() sdk.Spec {
	return sdk.Spec{
		Name:         "inline",
		Version:      "1.0.0",
		Kind:         sdk.Generic,
		Description:  "Customers listed in the config (source); a JSON lines file (destination).",
		ConfigSchema: sdk.ConfigSchemaOf[inlineConfig](),
		Streams: []sdk.StreamSpec{{
			Name:            stream,
			Canonical:       sdk.CanonicalCustomer,
			PrimaryKey:      []string{"id"},
			Capabilities:    sdk.Capabilities{Read: true, IncrementalRead: true, Write: true},
			CanonicalFields: map[string]string{"email": "email"},
		}},
	}
}

// Check says whether the config can be used; `cxhub check <connection>`
// shows its answer. Say what is wrong with a kind: a ConfigError for a bad
// setting, an AuthError for refused credentials, Transient for a system
// that cannot be reached now.
func (inline) Check(_ context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	cfg, err := sdk.DecodeConfig[inlineConfig](req.Config) // a ConfigError naming the property at fault
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	n, file := len(cfg.Records), cfg.File
	if file == "" {
		return sdk.CheckResponse{Message: fmt.Sprintf("%d records, no file", n)}, nil
	}
	if st, err := os.Stat(filepath.Dir(file)); err != nil || !st.IsDir() {
		return sdk.CheckResponse{}, sdk.ConfigError(fmt.Errorf("file: no directory %s", filepath.Dir(file)))
	}
	return sdk.CheckResponse{Message: fmt.Sprintf("%d records, file %s", n, file)}, nil
}

// Read emits the records after the checkpoint it is given, then a new
// checkpoint. The checkpoint (the state) is opaque to the core; here it is
// the number of records already read, so a read from it returns only the
// records added to the config since.
func (inline) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	records := req.Config.Get("records").Array() // gjson: no decoding of the records
	for _, st := range req.Streams {
		if st.Stream != stream {
			return sdk.ConfigError(fmt.Errorf("no stream %q", st.Stream))
		}
		done := 0
		if len(st.State) > 0 {
			var err error
			if done, err = strconv.Atoi(string(st.State)); err != nil {
				return sdk.ConfigError(fmt.Errorf("read from state %q: %w", st.State, err))
			}
		}
		for i := done; i < len(records); i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			r := sdk.Record{Stream: stream, Key: records[i].Get("id").String(), Data: []byte(records[i].Raw)}
			if r.Key == "" {
				r.Problem = fmt.Sprintf("record %d has no id", i) // dead-lettered by the core
			}
			// Emit batches records and blocks while the core is behind.
			if err := out.Emit(r); err != nil {
				return err
			}
		}
		if err := out.Checkpoint(stream, []byte(strconv.Itoa(len(records)))); err != nil {
			return err
		}
	}
	return nil
}

// line is one line of the destination file.
type line struct {
	Stream string          `json:"stream"`
	Key    string          `json:"key"`
	Data   json.RawMessage `json:"data"`
}

// OpenWriter opens the file and loads what it already holds, so that a
// record written before (in an earlier run, or before a crash) is not
// written again: Write must be idempotent.
func (inline) OpenWriter(_ context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	cfg, err := sdk.DecodeConfig[inlineConfig](req.Config)
	if err != nil {
		return nil, err
	}
	path := cfg.File
	if path == "" {
		return nil, sdk.ConfigError(errors.New("file: a destination needs a file"))
	}
	w := &writer{stream: req.Stream, written: map[string]string{}}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, sdk.MaxRecordBytes+1024)
		for sc.Scan() {
			var l line
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Stream == req.Stream {
				w.written[l.Key] = string(l.Data) // a later line wins
			}
		}
		if err := errors.Join(sc.Err(), f.Close()); err != nil {
			return nil, sdk.Transient(fmt.Errorf("load %s: %w", path, err))
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, sdk.ConfigError(fmt.Errorf("open %s: %w", path, err))
	}
	w.file = f
	return w, nil
}

// writer is one write session: the open file and the records it holds.
type writer struct {
	stream  string
	file    *os.File
	written map[string]string // key → compact JSON data
}

// Write appends the records the file does not hold yet and returns one
// result per record, in order. A record that cannot be written fails alone
// (BadRecord); an error returned by Write fails the whole batch.
func (w *writer) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	results := make([]sdk.Result, len(req.Records))
	var buf bytes.Buffer
	added := map[string]string{}
	for i, r := range req.Records {
		var data bytes.Buffer
		switch {
		case r.Op == sdk.Delete:
			results[i] = sdk.Failed(sdk.BadRecord(errors.New("this destination cannot delete")))
		case json.Compact(&data, r.Data) != nil:
			results[i] = sdk.Failed(sdk.BadRecord(fmt.Errorf("record %s: data is not JSON", r.Key)))
		default:
			old, seen := w.written[r.Key]
			if next, ok := added[r.Key]; ok {
				old, seen = next, true
			}
			if !seen || old != data.String() {
				l, _ := json.Marshal(line{Stream: w.stream, Key: r.Key, Data: data.Bytes()})
				buf.Write(append(l, '\n'))
				added[r.Key] = data.String()
			}
			results[i] = sdk.Written(r.Key, !seen) // the id is the key
		}
	}
	if _, err := w.file.Write(buf.Bytes()); err != nil {
		return sdk.WriteResponse{}, sdk.Transient(fmt.Errorf("append to %s: %w", w.file.Name(), err))
	}
	for k, v := range added { // only once the lines are written
		w.written[k] = v
	}
	return sdk.WriteResponse{Results: results}, nil
}

// Close flushes and releases the file.
func (w *writer) Close(context.Context) error {
	return errors.Join(w.file.Sync(), w.file.Close())
}

func main() {
	sdk.Serve(inline{})
}
