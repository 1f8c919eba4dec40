package sdk

import (
	"context"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"github.com/cxhub/cxhub/sdk/internal/wireopts"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Version is the SDK's version, reported in every connector's spec.
const Version = "0.1.0"

// ProtocolVersion is the connector protocol version this SDK speaks. The
// core offers every version it supports at the handshake and go-plugin picks
// the highest both sides know; a connector built for a version the core does
// not know is refused with a message naming both.
const ProtocolVersion = 1

// MaxMessageBytes is the largest gRPC message either side accepts. Batches
// are split well below it (see maxBatchBytes), so a large batch is sent in
// several messages instead of failing.
const MaxMessageBytes = wireopts.MaxMessageBytes

// maxBatchBytes is the size at which a batch is cut, whatever its count.
const maxBatchBytes = 4 << 20

// MaxRecordBytes is the largest single record the protocol carries.
const MaxRecordBytes = MaxMessageBytes - 1<<20

// handshake is go-plugin's cookie: it stops a connector binary from being
// run by hand and a foreign plugin from being taken for a connector.
var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "CXHUB_CONNECTOR",
	MagicCookieValue: "f3b5d1a4-cxhub-connector",
}

// pluginName is the one plugin a connector process serves.
const pluginName = "connector"

// grpcPlugin adapts a Connector to go-plugin's GRPCPlugin on both sides.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl Connector
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterConnectorServer(s, newServer(p.impl))
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return pb.NewConnectorClient(c), nil
}

func pluginSets(impl Connector) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		ProtocolVersion: {pluginName: &grpcPlugin{impl: impl}},
	}
}
