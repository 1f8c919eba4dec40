package wirebench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"github.com/cxhub/cxhub/sdk/internal/gctune"
	"github.com/cxhub/cxhub/sdk/internal/wireopts"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "CXHUB_WIREBENCH",
	MagicCookieValue: "0b6f2d8e-cxhub-wirebench",
}

const pluginName = "wirebench"

// Options say what the plugin streams.
type Options struct {
	// Records is how many records to stream.
	Records int `json:"records"`
	// RecordBytes is the size of each record's data.
	RecordBytes int `json:"record_bytes"`
	// BatchSize is how many records each message carries.
	BatchSize int `json:"batch_size"`
}

func (o Options) validate() error {
	if o.Records < 0 || o.RecordBytes < 16 || o.BatchSize < 1 {
		return fmt.Errorf("wirebench options %+v: want records >= 0, record_bytes >= 16, batch_size >= 1", o)
	}
	return nil
}

// Result is what one measured stream carried.
type Result struct {
	Records int64         `json:"records"`
	Bytes   int64         `json:"bytes"` // record data received
	Elapsed time.Duration `json:"elapsed_ns"`
}

// IsPlugin reports whether this process was started by Run as the
// measuring plugin (go-plugin's handshake cookie is in its environment).
func IsPlugin() bool { return os.Getenv(handshake.MagicCookieKey) == handshake.MagicCookieValue }

// Serve runs the measuring plugin; call it from the plugin binary's main.
func Serve() {
	gctune.Apply() // as sdk.Serve does for connectors
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins:         plugin.PluginSet{pluginName: &grpcPlugin{}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, wireopts.ServerOptions()...)...)
		},
		Logger: hclog.NewNullLogger(),
	})
}

// Run starts the plugin binary at path, streams o.Records records from it
// and returns what arrived and how long it took from the first request to
// the last record (the process start is not counted).
func Run(ctx context.Context, path string, o Options) (Result, error) {
	if err := o.validate(); err != nil {
		return Result{}, err
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		Plugins:          plugin.PluginSet{pluginName: &grpcPlugin{}},
		Cmd:              exec.Command(path),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		Logger:           hclog.NewNullLogger(),
		GRPCDialOptions:  wireopts.DialOptions(),
	})
	defer client.Kill()
	proto, err := client.Client()
	if err != nil {
		return Result{}, fmt.Errorf("start wirebench plugin %s: %w", path, err)
	}
	raw, err := proto.Dispense(pluginName)
	if err != nil {
		return Result{}, fmt.Errorf("start wirebench plugin %s: %w", path, err)
	}
	rpc := raw.(pb.ConnectorClient)
	config, err := json.Marshal(o)
	if err != nil {
		return Result{}, fmt.Errorf("encode wirebench options: %w", err)
	}
	start := time.Now()
	stream, err := rpc.Read(ctx, &pb.ReadRequest{Config: config, BatchSize: int32(o.BatchSize)})
	if err != nil {
		return Result{}, fmt.Errorf("wirebench read: %w", err)
	}
	var res Result
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("wirebench read: %w", err)
		}
		p := msg.GetBatch().GetPacked()
		res.Records += int64(len(p.GetDataEnds()))
		res.Bytes += int64(len(p.GetData()))
	}
	res.Elapsed = time.Since(start)
	if res.Records != int64(o.Records) {
		return res, fmt.Errorf("wirebench read: %d records arrived, want %d", res.Records, o.Records)
	}
	return res, nil
}

// grpcPlugin serves and dispenses the connector service.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterConnectorServer(s, server{})
	return nil
}

func (grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return pb.NewConnectorClient(c), nil
}

// server streams prebuilt batches: the only per-message work is gRPC's.
type server struct {
	pb.UnimplementedConnectorServer
}

func (server) Read(req *pb.ReadRequest, stream pb.Connector_ReadServer) error {
	var o Options
	if err := json.Unmarshal(req.GetConfig(), &o); err != nil {
		return fmt.Errorf("wirebench options: %w", err)
	}
	if err := o.validate(); err != nil {
		return err
	}
	full := batch(0, o.BatchSize, o.RecordBytes)
	for sent := 0; sent < o.Records; {
		msg := full
		if n := o.Records - sent; n < o.BatchSize {
			msg = batch(sent, n, o.RecordBytes)
		}
		if err := stream.Send(msg); err != nil {
			return err
		}
		sent += len(msg.GetBatch().GetPacked().GetDataEnds())
	}
	return nil
}

// batch builds a message of n records of size bytes each, shaped like a
// connector's: a stream, a key, an update time and JSON data, in the
// protocol's newest batch form (version 2's packed columns).
func batch(first, n, size int) *pb.ReadResponse {
	p := &pb.PackedRecords{
		Streams:           []string{"customers"},
		Data:              make([]byte, 0, n*size),
		DataEnds:          make([]uint32, 0, n),
		KeyEnds:           make([]uint32, 0, n),
		UpdatedAtUnixNano: make([]int64, 0, n),
	}
	now := time.Now().UnixNano()
	for i := range n {
		key := "cus-" + strconv.Itoa(10000000+first+i)
		p.Data = append(p.Data, filler(key, size)...)
		p.DataEnds = append(p.DataEnds, uint32(len(p.Data)))
		p.Keys = append(p.Keys, key...)
		p.KeyEnds = append(p.KeyEnds, uint32(len(p.Keys)))
		p.UpdatedAtUnixNano = append(p.UpdatedAtUnixNano, now)
	}
	return &pb.ReadResponse{Message: &pb.ReadResponse_Batch{Batch: &pb.RecordBatch{Packed: p}}}
}

// filler returns a JSON object of exactly size bytes (size >= 16).
func filler(key string, size int) []byte {
	b := append([]byte(`{"id":"`), key...)
	b = append(b, `","p":"`...)
	for len(b) < size-2 {
		b = append(b, 'x')
	}
	return append(b, `"}`...)
}
