package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"github.com/cxhub/cxhub/sdk/internal/hostlink"
	"github.com/cxhub/cxhub/sdk/internal/wireopts"
	"github.com/hashicorp/go-plugin"
)

// client is the host side of the protocol: a running connector process
// (or, from launchInProcess, an in-process server), called over gRPC. It
// implements Source, Destination, Discoverer and WebhookHandler by calling
// the connector; a call the connector does not support fails with a
// ConfigError. Package sdk/host publishes it as host.Plugin, through
// internal/hostlink (see there why it lives here).
type client struct {
	plugin *plugin.Client
	rpc    pb.ConnectorClient
	spec   Spec
	name   string // the binary, as errors name it
	// inProcess is set instead of plugin for a client from launchInProcess.
	inProcess *inProcessServer
	// version is the protocol version negotiated at the handshake; from
	// version 2 (packed), batches and results travel packed.
	version int
	packed  bool
	// cmd and stderr are the process and the end of what it wrote to
	// stderr, for saying how it ended (death); nil in process.
	cmd    *exec.Cmd
	stderr *lastWords
}

var (
	_ Connector      = (*client)(nil)
	_ Source         = (*client)(nil)
	_ Destination    = (*client)(nil)
	_ Discoverer     = (*client)(nil)
	_ WebhookHandler = (*client)(nil)
	_ hostlink.Conn  = (*client)(nil)
)

// launch starts a connector binary, performs the handshake and fetches its
// spec. On any failure the process is already stopped. sdk/host fills in
// every option's default.
func launch(ctx context.Context, o hostlink.Options) (*client, error) {
	cmd := exec.Command(o.Path)
	cmd.Env = o.Env
	cmd.Dir = o.Dir
	setParentDeathSignal(cmd)
	stderr := &lastWords{}
	pc := plugin.NewClient(&plugin.ClientConfig{
		Stderr:           stderr,
		HandshakeConfig:  handshake,
		VersionedPlugins: pluginSets(nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           newSlogHclog(o.Logger),
		AutoMTLS:         true,
		SkipHostEnv:      true,
		StartTimeout:     o.StartTimeout,
		GRPCDialOptions:  wireopts.DialOptions(),
	})
	c, err := connect(ctx, pc, o.Name, o.StartTimeout)
	if err != nil {
		pc.Kill()
		return nil, err
	}
	c.cmd, c.stderr = cmd, stderr
	return c, nil
}

// connect completes the start: the handshake (bounded by go-plugin's
// StartTimeout), then the spec, within the same time.
func connect(ctx context.Context, pc *plugin.Client, path string, timeout time.Duration) (*client, error) {
	proto, err := pc.Client()
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
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	spec, err := fetchSpec(ctx, rpc, path)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("connector %s did not report its spec within %s of starting (hung?): %w", path, timeout, err)
		}
		return nil, err
	}
	v := pc.NegotiatedVersion()
	return &client{plugin: pc, rpc: rpc, spec: spec, name: path, version: v, packed: v >= packedSince}, nil
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
	case strings.Contains(err.Error(), "incompatible API version"):
		return ConfigError(fmt.Errorf("connector %s speaks a protocol version this cxhub does not (cxhub speaks %s): "+
			"use a connector built with a compatible SDK, or upgrade cxhub: %w", path, protocolVersions, err))
	}
	return fmt.Errorf("start connector %s: %w", path, err)
}

// Spec returns the spec the connector reported at launch.
func (p *client) Spec() Spec { return p.spec }

// ProtocolVersion is the protocol version negotiated at the handshake.
func (p *client) ProtocolVersion() int { return p.version }

// Pid returns the plugin's process id, or 0 if it is not running; the
// host's own for an in-process server.
func (p *client) Pid() int {
	if p.inProcess != nil {
		return os.Getpid()
	}
	if rc := p.plugin.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

// Exited reports whether the plugin process has ended.
func (p *client) Exited() bool {
	if p.inProcess != nil {
		return p.inProcess.stopped()
	}
	return p.plugin.Exited()
}

// Kill stops the plugin process: gracefully first, then by force after a
// few seconds; it returns when the process has been reaped. For a client
// from launchInProcess it closes the connection, stops the server and waits
// for it to end.
func (p *client) Kill() {
	if p.inProcess != nil {
		p.inProcess.stop()
		return
	}
	p.plugin.Kill()
}

func (p *client) wrap(call string, err error) error {
	if err == nil {
		return nil
	}
	if died := p.death(err); died != "" {
		return fmt.Errorf("connector %s: %s: %s: %w", p.spec.Name, call, died, errorFromStatus(err))
	}
	return fmt.Errorf("connector %s: %s: %w", p.spec.Name, call, errorFromStatus(err))
}

// Check asks the connector whether its system is reachable with the config.
func (p *client) Check(ctx context.Context, req CheckRequest) (CheckResponse, error) {
	resp, err := p.rpc.Check(ctx, &pb.CheckRequest{Config: req.Config})
	if err != nil {
		return CheckResponse{}, p.wrap("check", err)
	}
	return CheckResponse{Message: resp.GetMessage()}, nil
}

// Discover asks the connector for the streams the config reaches.
func (p *client) Discover(ctx context.Context, req DiscoverRequest) (DiscoverResponse, error) {
	resp, err := p.rpc.Discover(ctx, &pb.DiscoverRequest{Config: req.Config})
	if err != nil {
		return DiscoverResponse{}, p.wrap("discover", err)
	}
	return DiscoverResponse{Streams: streamsFromPB(resp.GetStreams())}, nil
}

// Read runs a read in the connector and hands what it sends to out, in
// order. It returns when the connector is done, out fails, or ctx ends.
func (p *client) Read(ctx context.Context, req ReadRequest, out Emitter) error {
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
			records, err := batchFromPB(m.Batch)
			if err != nil {
				return fmt.Errorf("connector %s: read: %w", p.spec.Name, err)
			}
			if err := out.Emit(records...); err != nil {
				return err
			}
		case *pb.ReadResponse_Checkpoint:
			if err := out.Checkpoint(m.Checkpoint.GetStream(), m.Checkpoint.GetState()); err != nil {
				return err
			}
		case *pb.ReadResponse_Waiting:
			heardWaiting(ctx, m.Waiting)
		}
	}
}

// OpenWriter opens a write stream in the connector.
func (p *client) OpenWriter(ctx context.Context, req OpenWriterRequest) (Writer, error) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stream, err := p.rpc.Write(sctx)
	if err == nil {
		err = stream.Send(&pb.WriteRequest{Message: &pb.WriteRequest_Open{
			Open: &pb.WriteOpen{Config: req.Config, Stream: req.Stream, AcceptsWaiting: true},
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
	plugin *client
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
		part, err := w.writeChunk(ctx, chunk)
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

func (w *remoteWriter) writeChunk(ctx context.Context, records []Record) ([]Result, error) {
	err := w.stream.Send(&pb.WriteRequest{Message: &pb.WriteRequest_Batch{
		Batch: batchToPB(records, w.plugin.packed),
	}})
	if err != nil {
		// The server's reason for a broken stream comes with Recv.
		if _, rerr := w.recv(ctx); rerr != nil && !errors.Is(rerr, io.EOF) {
			err = rerr
		}
		return nil, w.plugin.wrap("write", err)
	}
	resp, err := w.recv(ctx)
	if errors.Is(err, io.EOF) {
		err = errors.New("connector closed the write stream before answering")
	}
	if err != nil {
		return nil, w.plugin.wrap("write", err)
	}
	results, err := resultsFromPB(resp)
	if err != nil {
		return nil, fmt.Errorf("connector %s: write: %w", w.plugin.spec.Name, err)
	}
	if len(results) != len(records) {
		return nil, fmt.Errorf("connector %s: write: %w", w.plugin.spec.Name,
			resultCountBug(w.plugin.spec.Name, len(results), len(records)))
	}
	return results, nil
}

// recv returns the next answer on the stream, passing the heartbeats that
// come before it to ctx's listener.
func (w *remoteWriter) recv(ctx context.Context) (*pb.WriteResponse, error) {
	for {
		resp, err := w.stream.Recv()
		if err != nil {
			return nil, err
		}
		if resp.GetWaiting() == nil {
			return resp, nil
		}
		if len(resp.GetResults()) > 0 || resp.GetPacked() != nil {
			return nil, fmt.Errorf("connector %s broke the protocol: a heartbeat that also carries results",
				w.plugin.spec.Name)
		}
		heardWaiting(ctx, resp.GetWaiting())
	}
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
	if _, err := w.recv(ctx); err != nil && !errors.Is(err, io.EOF) {
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
func (p *client) HandleWebhook(ctx context.Context, req WebhookRequest) (WebhookResponse, error) {
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
