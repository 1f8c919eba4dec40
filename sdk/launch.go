package sdk

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"github.com/cxhub/cxhub/sdk/internal/wireopts"
	"github.com/hashicorp/go-plugin"
)

// LaunchOptions says how to start a connector binary.
type LaunchOptions struct {
	// Path is the connector binary.
	Path string
	// Logger receives the plugin's log lines and go-plugin's own events;
	// nil discards them. Give it the attributes that identify the plugin.
	Logger *slog.Logger
	// Env is the plugin's environment, in addition to the variables
	// go-plugin sets for the handshake. Nil gives MinimalEnv(): the plugin
	// never inherits the host's whole environment (and its secrets).
	Env []string
	// SHA256, if set, is the checksum the binary must have; a binary that
	// differs is not started.
	SHA256 []byte
	// StartTimeout bounds the handshake; zero means 30 seconds.
	StartTimeout time.Duration
	// Dir is the plugin's working directory ("" = the host's). The core uses
	// the config file's directory, so relative paths in a connection's
	// config mean the same as relative paths elsewhere in the file.
	Dir string
}

// MinimalEnv returns the few host variables a plugin needs to run (PATH,
// HOME, TMPDIR, locale, time zone, TLS and proxy settings, the Go
// collector's GOGC and GOMEMLIMIT) and the log level.
func MinimalEnv() []string {
	keep := []string{"PATH", "HOME", "TMPDIR", "TZ", "LANG", "LC_ALL", "SSL_CERT_FILE", "SSL_CERT_DIR",
		"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "GOGC", "GOMEMLIMIT", LogLevelEnv}
	var env []string
	for _, k := range keep {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// Plugin is a running connector process, seen from the host. It implements
// Connector, Source, Destination, Discoverer and WebhookHandler by calling
// the process; a call the connector does not support fails with a
// ConfigError. Kill it when done: it is the only way the process is reaped.
type Plugin struct {
	client *plugin.Client
	rpc    pb.ConnectorClient
	spec   Spec
	path   string
	// inProcess is set instead of client for a plugin from LaunchInProcess.
	inProcess *inProcessServer
}

var (
	_ Source         = (*Plugin)(nil)
	_ Destination    = (*Plugin)(nil)
	_ Discoverer     = (*Plugin)(nil)
	_ WebhookHandler = (*Plugin)(nil)
)

// Launch starts a connector binary, performs the handshake and fetches its
// spec. On any failure the process is already stopped.
func Launch(ctx context.Context, opts LaunchOptions) (*Plugin, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	env := opts.Env
	if env == nil {
		env = MinimalEnv()
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	cmd := exec.Command(opts.Path)
	cmd.Env = env
	cmd.Dir = opts.Dir
	setParentDeathSignal(cmd)
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: pluginSets(nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           newSlogHclog(logger),
		AutoMTLS:         true,
		SkipHostEnv:      true,
		StartTimeout:     timeout,
		GRPCDialOptions:  wireopts.DialOptions(),
	}
	if opts.SHA256 != nil {
		cfg.SecureConfig = &plugin.SecureConfig{Checksum: opts.SHA256, Hash: sha256.New()}
	}
	client := plugin.NewClient(cfg)
	p, err := connect(ctx, client, opts.Path)
	if err != nil {
		client.Kill()
		return nil, err
	}
	return p, nil
}

func connect(ctx context.Context, client *plugin.Client, path string) (*Plugin, error) {
	proto, err := client.Client()
	if err != nil {
		return nil, explainStartError(path, err)
	}
	raw, err := proto.Dispense(pluginName)
	if err != nil {
		return nil, fmt.Errorf("start connector %s: %w", path, err)
	}
	rpc, ok := raw.(pb.ConnectorClient)
	if !ok {
		return nil, fmt.Errorf("start connector %s: plugin is not a cxhub connector", path)
	}
	spec, err := fetchSpec(ctx, rpc, path)
	if err != nil {
		return nil, err
	}
	return &Plugin{client: client, rpc: rpc, spec: spec, path: path}, nil
}

// fetchSpec asks a freshly connected plugin for its spec and checks it.
func fetchSpec(ctx context.Context, rpc pb.ConnectorClient, path string) (Spec, error) {
	resp, err := rpc.Spec(ctx, &pb.SpecRequest{})
	if err != nil {
		return Spec{}, fmt.Errorf("connector %s: spec: %w", path, errorFromStatus(err))
	}
	spec := specFromPB(resp.GetSpec())
	if err := spec.Validate(); err != nil {
		return Spec{}, fmt.Errorf("connector %s: %w", path, err)
	}
	return spec, nil
}

func explainStartError(path string, err error) error {
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		return ConfigError(fmt.Errorf("connector %s does not match its recorded checksum: the binary changed since it was locked: %w", path, err))
	case strings.Contains(err.Error(), "incompatible API version"):
		return ConfigError(fmt.Errorf("connector %s speaks a protocol version this cxhub does not (cxhub speaks %d): "+
			"use a connector built with a compatible SDK, or upgrade cxhub: %w", path, ProtocolVersion, err))
	}
	return fmt.Errorf("start connector %s: %w", path, err)
}

// Spec returns the spec the connector reported at launch.
func (p *Plugin) Spec() Spec { return p.spec }

// Path returns the binary the plugin was started from.
func (p *Plugin) Path() string { return p.path }

// Pid returns the plugin's process id, or 0 if it is not running. A plugin
// from LaunchInProcess has the host's own pid.
func (p *Plugin) Pid() int {
	if p.inProcess != nil {
		return os.Getpid()
	}
	if rc := p.client.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

// Exited reports whether the plugin process has ended.
func (p *Plugin) Exited() bool {
	if p.inProcess != nil {
		return p.inProcess.stopped()
	}
	return p.client.Exited()
}

// Kill stops the plugin process: gracefully first, then by force after a
// few seconds; it returns when the process has been reaped. For a plugin
// from LaunchInProcess it closes the connection, stops the server and waits
// for it to end.
func (p *Plugin) Kill() {
	if p.inProcess != nil {
		p.inProcess.stop()
		return
	}
	p.client.Kill()
}

func (p *Plugin) wrap(call string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("connector %s: %s: %w", p.spec.Name, call, errorFromStatus(err))
}

// Check asks the connector whether its system is reachable with the config.
func (p *Plugin) Check(ctx context.Context, req CheckRequest) (CheckResponse, error) {
	resp, err := p.rpc.Check(ctx, &pb.CheckRequest{Config: req.Config})
	if err != nil {
		return CheckResponse{}, p.wrap("check", err)
	}
	return CheckResponse{Message: resp.GetMessage()}, nil
}

// Discover asks the connector for the streams the config reaches.
func (p *Plugin) Discover(ctx context.Context, req DiscoverRequest) (DiscoverResponse, error) {
	resp, err := p.rpc.Discover(ctx, &pb.DiscoverRequest{Config: req.Config})
	if err != nil {
		return DiscoverResponse{}, p.wrap("discover", err)
	}
	return DiscoverResponse{Streams: streamsFromPB(resp.GetStreams())}, nil
}

// Read runs a read in the connector and hands what it sends to out, in
// order. It returns when the connector is done, out fails, or ctx ends.
func (p *Plugin) Read(ctx context.Context, req ReadRequest, out Emitter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	states := make([]*pb.StreamState, len(req.Streams))
	for i, s := range req.Streams {
		states[i] = &pb.StreamState{Stream: s.Stream, State: s.State}
	}
	stream, err := p.rpc.Read(ctx, &pb.ReadRequest{Config: req.Config, Streams: states, BatchSize: int32(req.BatchSize)})
	if err != nil {
		return p.wrap("read", err)
	}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return p.wrap("read", err)
		}
		switch m := msg.GetMessage().(type) {
		case *pb.ReadResponse_Batch:
			if err := out.Emit(recordsFromPB(m.Batch.GetRecords())...); err != nil {
				return err
			}
		case *pb.ReadResponse_Checkpoint:
			if err := out.Checkpoint(m.Checkpoint.GetStream(), m.Checkpoint.GetState()); err != nil {
				return err
			}
		}
	}
}

// OpenWriter opens a write stream in the connector.
func (p *Plugin) OpenWriter(ctx context.Context, req OpenWriterRequest) (Writer, error) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stream, err := p.rpc.Write(sctx)
	if err == nil {
		err = stream.Send(&pb.WriteRequest{Message: &pb.WriteRequest_Open{
			Open: &pb.WriteOpen{Config: req.Config, Stream: req.Stream},
		}})
	}
	if err != nil {
		cancel()
		return nil, p.wrap("open writer", err)
	}
	return &remoteWriter{plugin: p, stream: stream, cancel: cancel}, nil
}

// remoteWriter sends batches over a Write stream and waits for each batch's
// results before the next (one batch in flight).
type remoteWriter struct {
	plugin *Plugin
	stream pb.Connector_WriteClient
	cancel context.CancelFunc
}

func (w *remoteWriter) Write(ctx context.Context, req WriteRequest) (WriteResponse, error) {
	stop := context.AfterFunc(ctx, w.cancel)
	defer stop()
	// A record larger than the protocol carries fails alone, as a bad
	// record: sent, it would fail the whole batch and break the stream.
	results := make([]Result, len(req.Records))
	send := make([]Record, 0, len(req.Records))
	at := make([]int, 0, len(req.Records)) // index in req.Records of each record sent
	for i, r := range req.Records {
		if len(r.Data) > MaxRecordBytes {
			results[i] = Failed(BadRecord(fmt.Errorf("record %s/%s is %d bytes, more than the protocol's limit of %d",
				r.Stream, r.Key, len(r.Data), MaxRecordBytes)))
			continue
		}
		send = append(send, r)
		at = append(at, i)
	}
	if len(send) == 0 && len(req.Records) > 0 {
		return WriteResponse{Results: results}, nil
	}
	n := 0
	for _, chunk := range splitBySize(send, maxBatchBytes) {
		part, err := w.writeChunk(chunk)
		if err != nil {
			if ctx.Err() != nil {
				return WriteResponse{}, ctx.Err()
			}
			return WriteResponse{}, err
		}
		for _, r := range part {
			results[at[n]] = r
			n++
		}
	}
	return WriteResponse{Results: results}, nil
}

func (w *remoteWriter) writeChunk(records []Record) ([]Result, error) {
	err := w.stream.Send(&pb.WriteRequest{Message: &pb.WriteRequest_Batch{
		Batch: &pb.RecordBatch{Records: recordsToPB(records)},
	}})
	if err != nil {
		// The server's reason for a broken stream comes with Recv.
		if _, rerr := w.stream.Recv(); rerr != nil && !errors.Is(rerr, io.EOF) {
			err = rerr
		}
		return nil, w.plugin.wrap("write", err)
	}
	resp, err := w.stream.Recv()
	if errors.Is(err, io.EOF) {
		err = errors.New("connector closed the write stream before answering")
	}
	if err != nil {
		return nil, w.plugin.wrap("write", err)
	}
	if len(resp.GetResults()) != len(records) {
		return nil, fmt.Errorf("connector %s: write: %d results for a batch of %d records",
			w.plugin.spec.Name, len(resp.GetResults()), len(records))
	}
	results := make([]Result, len(records))
	for i, r := range resp.GetResults() {
		results[i] = Result{ID: r.GetId(), Created: r.GetCreated(), Err: errorFromPB(r.GetError())}
	}
	return results, nil
}

// Close ends the write stream and returns the connector's verdict on it.
// A ctx that ends first abandons the wait (and the stream).
func (w *remoteWriter) Close(ctx context.Context) error {
	defer w.cancel()
	stop := context.AfterFunc(ctx, w.cancel)
	defer stop()
	if err := w.stream.CloseSend(); err != nil {
		return w.plugin.wrap("close writer", err)
	}
	if _, err := w.stream.Recv(); err != nil && !errors.Is(err, io.EOF) {
		return w.plugin.wrap("close writer", err)
	}
	return nil
}

// splitBySize cuts records into runs of at most limit bytes of data (a
// single larger record stands alone).
func splitBySize(records []Record, limit int) [][]Record {
	var chunks [][]Record
	start, size := 0, 0
	for i := range records {
		n := len(records[i].Data)
		if i > start && size+n > limit {
			chunks = append(chunks, records[start:i])
			start, size = i, 0
		}
		size += n
	}
	return append(chunks, records[start:])
}

// HandleWebhook hands a raw delivery to the connector.
func (p *Plugin) HandleWebhook(ctx context.Context, req WebhookRequest) (WebhookResponse, error) {
	resp, err := p.rpc.HandleWebhook(ctx, &pb.HandleWebhookRequest{
		Config: req.Config, Method: req.Method, Url: req.URL, Headers: headersToPB(req.Header), Body: req.Body,
	})
	if err != nil {
		return WebhookResponse{}, p.wrap("webhook", err)
	}
	return WebhookResponse{
		Records:    recordsFromPB(resp.GetRecords()),
		StatusCode: int(resp.GetStatusCode()),
		Body:       resp.GetBody(),
	}, nil
}
