package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"github.com/cxhub/cxhub/sdk/internal/gctune"
	"github.com/cxhub/cxhub/sdk/internal/hostlink"
	"github.com/cxhub/cxhub/sdk/internal/wireopts"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Serve runs c as a connector plugin until the core stops it. Call it from
// main; it does not return. Run by hand instead of by the core, it says so
// and exits 1. A c that is neither a Source nor a Destination, or whose spec
// is invalid, is refused with exit status 1.
func Serve(c Connector) {
	if err := checkServable(c); err != nil {
		fmt.Fprintln(os.Stderr, "cxhub connector:", err)
		os.Exit(1)
	}
	gctune.Apply()
	logger := pluginLogger(c.Spec().Name)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: pluginSets(c),
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, wireopts.ServerOptions()...)...)
		},
		Logger: logger,
	})
}

func checkServable(c Connector) error {
	if c == nil {
		return errors.New("Serve was given a nil connector")
	}
	_, isSource := c.(Source)
	_, isDestination := c.(Destination)
	if !isSource && !isDestination {
		return fmt.Errorf("connector %q is neither a Source nor a Destination", c.Spec().Name)
	}
	return c.Spec().Validate()
}

// server answers the protocol's calls with a Connector.
type server struct {
	pb.UnimplementedConnectorServer
	impl Connector
	log  *slog.Logger
	// packed: the core speaks protocol version 2, so batches and results
	// travel packed.
	packed bool
}

func newServer(impl Connector) *server {
	name := impl.Spec().Name
	return &server{impl: impl, log: slog.New(&hclogHandler{log: pluginLogger(name)})}
}

func (s *server) ctx(ctx context.Context, call string) context.Context {
	return withLogger(ctx, s.log.With("call", call))
}

func (s *server) Spec(context.Context, *pb.SpecRequest) (*pb.SpecResponse, error) {
	return &pb.SpecResponse{Spec: specToPB(s.impl.Spec())}, nil
}

func (s *server) Check(ctx context.Context, req *pb.CheckRequest) (*pb.CheckResponse, error) {
	resp, err := s.impl.Check(s.ctx(ctx, "check"), CheckRequest{Config: req.GetConfig()})
	if err != nil {
		return nil, errorToStatus(err)
	}
	return &pb.CheckResponse{Message: resp.Message}, nil
}

func (s *server) Discover(ctx context.Context, req *pb.DiscoverRequest) (*pb.DiscoverResponse, error) {
	d, ok := s.impl.(Discoverer)
	if !ok {
		return &pb.DiscoverResponse{Streams: streamsToPB(s.impl.Spec().Streams)}, nil
	}
	resp, err := d.Discover(s.ctx(ctx, "discover"), DiscoverRequest{Config: req.GetConfig()})
	if err != nil {
		return nil, errorToStatus(err)
	}
	return &pb.DiscoverResponse{Streams: streamsToPB(resp.Streams)}, nil
}

func (s *server) Read(req *pb.ReadRequest, stream pb.Connector_ReadServer) error {
	src, ok := s.impl.(Source)
	if !ok {
		return status.Errorf(codes.Unimplemented, "connector %q is not a source", s.impl.Spec().Name)
	}
	states := make([]StreamState, len(req.GetStreams()))
	for i, st := range req.GetStreams() {
		states[i] = StreamState{Stream: st.GetStream(), State: st.GetState()}
	}
	batchSize := int(req.GetBatchSize())
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	// The connector's heartbeats share the stream with its batches, maybe
	// from other goroutines: one send at a time.
	var mu sync.Mutex
	send := func(m *pb.ReadResponse) error {
		mu.Lock()
		defer mu.Unlock()
		return stream.Send(m)
	}
	hb := newHeartbeat(func(w *pb.Waiting) error {
		return send(&pb.ReadResponse{Message: &pb.ReadResponse_Waiting{Waiting: w}})
	})
	defer hb.stop()
	ctx := hostlink.WithWait(s.ctx(stream.Context(), "read"), hb.waiting)
	out := &batchEmitter{ctx: ctx, send: send, batchSize: batchSize, packed: s.packed}
	err := src.Read(ctx, ReadRequest{Config: req.GetConfig(), Streams: states, BatchSize: batchSize}, out)
	if err == nil {
		err = out.flush()
	}
	return errorToStatus(err)
}

func (s *server) Write(stream pb.Connector_WriteServer) error {
	dst, ok := s.impl.(Destination)
	if !ok {
		return status.Errorf(codes.Unimplemented, "connector %q is not a destination", s.impl.Spec().Name)
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	open := first.GetOpen()
	if open == nil {
		return status.Error(codes.InvalidArgument, "write stream must begin with an open message")
	}
	ctx := s.ctx(stream.Context(), "write")
	send := stream.Send
	if open.GetAcceptsWaiting() {
		// Heartbeats share the stream with the answers, maybe from other
		// goroutines: one send at a time. An older core, which did not
		// ask for them, would take one for an answer: it gets none.
		var mu sync.Mutex
		send = func(m *pb.WriteResponse) error {
			mu.Lock()
			defer mu.Unlock()
			return stream.Send(m)
		}
		hb := newHeartbeat(func(w *pb.Waiting) error { return send(&pb.WriteResponse{Waiting: w}) })
		defer hb.stop()
		ctx = hostlink.WithWait(ctx, hb.waiting)
	}
	w, err := dst.OpenWriter(ctx, OpenWriterRequest{Config: open.GetConfig(), Stream: open.GetStream()})
	if err != nil {
		return errorToStatus(fmt.Errorf("open writer for stream %q: %w", open.GetStream(), err))
	}
	err = s.writeBatches(ctx, stream, send, w)
	if cerr := w.Close(ctx); err == nil && cerr != nil {
		err = fmt.Errorf("close writer for stream %q: %w", open.GetStream(), cerr)
	}
	return errorToStatus(err)
}

func (s *server) writeBatches(ctx context.Context, stream pb.Connector_WriteServer, send func(*pb.WriteResponse) error, w Writer) error {
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		batch := msg.GetBatch()
		if batch == nil {
			return status.Error(codes.InvalidArgument, "write stream: expected a batch")
		}
		records, err := batchFromPB(batch)
		if err != nil {
			return status.Error(codes.InvalidArgument, "write stream: "+err.Error())
		}
		resp, err := w.Write(ctx, WriteRequest{Records: records})
		if err != nil {
			return err
		}
		if len(resp.Results) != len(records) {
			return resultCountBug(s.impl.Spec().Name, len(resp.Results), len(records))
		}
		if err := send(resultsToPB(resp.Results, s.packed)); err != nil {
			return err
		}
	}
}

func (s *server) HandleWebhook(ctx context.Context, req *pb.HandleWebhookRequest) (*pb.HandleWebhookResponse, error) {
	h, ok := s.impl.(WebhookHandler)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "connector %q does not handle webhooks", s.impl.Spec().Name)
	}
	resp, err := h.HandleWebhook(s.ctx(ctx, "webhook"), WebhookRequest{
		Config: req.GetConfig(),
		Method: req.GetMethod(),
		URL:    req.GetUrl(),
		Header: headersFromPB(req.GetHeaders()),
		Body:   req.GetBody(),
	})
	if err != nil {
		return nil, errorToStatus(err)
	}
	return &pb.HandleWebhookResponse{
		Records:    recordsToPB(resp.Records),
		StatusCode: int32(resp.StatusCode),
		Body:       resp.Body,
	}, nil
}

// problemSampleBytes is how much of an uncarriable record's data travels
// with it to the dead letters.
const problemSampleBytes = 4 << 10

// uncarriable says why the protocol cannot carry r as it is, or "".
func uncarriable(r *Record) string {
	switch {
	case len(r.Data) > MaxRecordBytes:
		return fmt.Sprintf("record is %d bytes, more than the protocol's limit of %d (the first %d bytes are kept)",
			len(r.Data), MaxRecordBytes, problemSampleBytes)
	case !utf8.ValidString(r.Key):
		return "record key is not valid UTF-8"
	case len(r.Key) > MaxKeyBytes:
		return KeyTooLong(r.Key)
	case !utf8.ValidString(r.Stream) || !utf8.ValidString(r.Problem) || !utf8.ValidString(r.TargetID):
		return "record stream, target id or problem is not valid UTF-8"
	}
	return ""
}

// KeyTooLong says that key is longer than MaxKeyBytes.
func KeyTooLong(key string) string {
	return fmt.Sprintf("record key is %d bytes, more than the %d a key may have", len(key), MaxKeyBytes)
}

// asProblem turns a record the protocol cannot carry into a Problem record
// that it can, so the core dead-letters it and the read goes on.
func asProblem(r *Record, problem string) *Record {
	if r.Problem != "" {
		problem = strings.ToValidUTF8(r.Problem, "\uFFFD") + "; " + problem
	}
	return &Record{
		Stream:    strings.ToValidUTF8(r.Stream, "\uFFFD"),
		Key:       strings.ToValidUTF8(r.Key, "\uFFFD"),
		Op:        r.Op,
		Data:      r.Data[:min(len(r.Data), problemSampleBytes)],
		UpdatedAt: r.UpdatedAt,
		Problem:   problem,
	}
}

// DefaultBatchSize is the batch size when the core asks for none.
const DefaultBatchSize = 500

// batchEmitter groups emitted records into batches cut at batchSize records
// or maxBatchBytes, whichever comes first, and sends checkpoints in order.
type batchEmitter struct {
	ctx       context.Context // the read's: once it ends, Emit and Checkpoint fail
	send      func(*pb.ReadResponse) error
	batchSize int
	// packed: the batch is built packed (protocol version 2) in packer;
	// otherwise as records in pending.
	packed  bool
	packer  *recordPacker
	pending []*pb.Record
	count   int
	bytes   int
	// lastBytes is the data size of the last batch sent.
	lastBytes int
}

func (e *batchEmitter) Emit(records ...Record) error {
	// A source that emits a record at a time learns of a cancelled read
	// here, not only when a full batch fails to send.
	if err := e.ctx.Err(); err != nil {
		return err
	}
	for i := range records {
		r := &records[i]
		if problem := uncarriable(r); problem != "" {
			r = asProblem(r, problem)
		}
		if e.count > 0 && e.bytes+len(r.Data) > maxBatchBytes {
			if err := e.flush(); err != nil {
				return err
			}
		}
		switch {
		case !e.packed:
			e.pending = append(e.pending, recordToPB(r))
		case e.packer == nil:
			// Sized for a batch like the last one.
			e.packer = newRecordPacker(e.batchSize, min(max(e.lastBytes, 1<<12), maxBatchBytes+MaxRecordBytes))
			fallthrough
		default:
			e.packer.add(r)
		}
		e.count++
		e.bytes += len(r.Data)
		if e.count >= e.batchSize {
			if err := e.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *batchEmitter) Checkpoint(stream string, state []byte) error {
	if err := e.ctx.Err(); err != nil {
		return err
	}
	if err := e.flush(); err != nil {
		return err
	}
	return e.send(&pb.ReadResponse{Message: &pb.ReadResponse_Checkpoint{
		Checkpoint: &pb.Checkpoint{Stream: stream, State: state},
	}})
}

func (e *batchEmitter) flush() error {
	if e.count == 0 {
		return nil
	}
	var batch *pb.RecordBatch
	if e.packed {
		batch = &pb.RecordBatch{Packed: e.packer.p}
		e.packer = nil // the message may be read after Send returns: never reused
	} else {
		batch = &pb.RecordBatch{Records: e.pending}
		e.pending = make([]*pb.Record, 0, e.batchSize)
	}
	e.lastBytes = e.bytes
	e.count, e.bytes = 0, 0
	return e.send(&pb.ReadResponse{Message: &pb.ReadResponse_Batch{Batch: batch}})
}
