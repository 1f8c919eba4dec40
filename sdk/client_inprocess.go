package sdk

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"github.com/cxhub/cxhub/sdk/internal/wireopts"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// launchInProcess serves c inside the calling process, with go-plugin's gRPC
// server on a local socket exactly as a connector binary serves it, and
// returns the host's side of it (host.LaunchInProcess publishes it). Only
// the process boundary and the handshake are skipped. Killing the client
// closes the connection, stops the server and waits for it to end, leaving
// no goroutine behind.
func launchInProcess(ctx context.Context, c Connector, logger *slog.Logger) (*client, error) {
	if err := checkServable(c); err != nil {
		return nil, fmt.Errorf("launch in process: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	name := c.Spec().Name
	serveCtx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	ip := &inProcessServer{cancel: cancel, closed: closed}
	go plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		VersionedPlugins: map[int]plugin.PluginSet{ProtocolVersion: {pluginName: &inProcessPlugin{
			srv: &server{impl: c, log: logger.With("connector", name), packed: true},
		}}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, wireopts.ServerOptions()...)...)
		},
		Logger: newSlogHclog(slog.New(slog.NewTextHandler(io.Discard, nil))),
		Test:   &plugin.ServeTestConfig{Context: serveCtx, ReattachConfigCh: reattach, CloseCh: closed},
	})
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattach:
	case <-closed:
		ip.stop()
		return nil, fmt.Errorf("launch %s in process: the server ended before it listened", name)
	case <-ctx.Done():
		ip.stop()
		return nil, fmt.Errorf("launch %s in process: %w", name, ctx.Err())
	case <-time.After(30 * time.Second):
		ip.stop()
		return nil, fmt.Errorf("launch %s in process: the server did not listen within 30s", name)
	}
	// The host dials the socket itself rather than through go-plugin's
	// reattach, which would leave a goroutine polling this process's pid.
	conn, err := grpc.NewClient(cfg.Addr.Network()+":"+cfg.Addr.String(),
		append(wireopts.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		ip.stop()
		return nil, fmt.Errorf("launch %s in process: dial %s: %w", name, cfg.Addr, err)
	}
	ip.conn = conn
	path := "in-process:" + name
	rpc := pb.NewConnectorClient(conn)
	spec, err := fetchSpec(ctx, rpc, path)
	if err != nil {
		ip.stop()
		return nil, err
	}
	return &client{rpc: rpc, spec: spec, name: path, inProcess: ip, version: ProtocolVersion, packed: true}, nil
}

// inProcessServer is the server side of a client from launchInProcess.
type inProcessServer struct {
	cancel context.CancelFunc
	closed chan struct{}
	conn   *grpc.ClientConn
	once   sync.Once
}

func (s *inProcessServer) stop() {
	s.once.Do(func() {
		if s.conn != nil {
			_ = s.conn.Close()
		}
		s.cancel()
		<-s.closed
	})
}

func (s *inProcessServer) stopped() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// inProcessPlugin serves an already-built server, so the in-process
// connector logs where the caller asked.
type inProcessPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	srv *server
}

func (p *inProcessPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterConnectorServer(s, p.srv)
	return nil
}

func (p *inProcessPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return pb.NewConnectorClient(c), nil
}
