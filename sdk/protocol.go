package sdk

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"github.com/cxhub/cxhub/sdk/internal/wireopts"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Version is the SDK's version, reported in every connector's spec.
const Version = "0.2.1"

// ProtocolVersion is the newest connector protocol version this SDK speaks.
// The core offers every version it supports at the handshake and go-plugin
// picks the highest both sides know; a connector built for a version the core
// does not know is refused with a message naming both. Version 2 adds packed
// batches (records and results in columns) to version 1.
const ProtocolVersion = 2

// packedSince is the first protocol version with packed batches.
const packedSince = 2

// protocolVersions lists the versions this build speaks, comma-separated.
// Only tests change it, at link time (-ldflags "-X
// github.com/cxhub/cxhub/sdk.protocolVersions=1"), to build a connector or
// a core that speaks only an older version, exactly as an older SDK did.
var protocolVersions = "1,2"

// spokenVersions parses protocolVersions.
func spokenVersions() []int {
	var out []int
	for _, f := range strings.Split(protocolVersions, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 || v > ProtocolVersion {
			panic(fmt.Sprintf("sdk: bad protocolVersions %q (linked with -X?)", protocolVersions))
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// newestVersion is the newest version this build speaks.
func newestVersion() int { return slices.Max(spokenVersions()) }

// MaxMessageBytes is the largest gRPC message either side accepts. Batches
// are split well below it (see maxBatchBytes), so a large batch is sent in
// several messages instead of failing.
const MaxMessageBytes = wireopts.MaxMessageBytes

// maxBatchBytes is the size at which a batch is cut, whatever its count.
const maxBatchBytes = 4 << 20

// MaxRecordBytes is the largest single record the protocol carries.
const MaxRecordBytes = MaxMessageBytes - 1<<20

// MaxKeyBytes is the longest record key the core takes: a record with a
// longer key is dead-lettered with the reason, and the rest go on. Keys
// are indexed in the state (links, the inbox), and PostgreSQL's indexes
// refuse entries past about 2.7 KB; no vendor's id comes near the limit.
const MaxKeyBytes = 1024

// handshake is go-plugin's cookie: it stops a connector binary from being
// run by hand and a foreign plugin from being taken for a connector.
var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "CXHUB_CONNECTOR",
	MagicCookieValue: "f3b5d1a4-cxhub-connector",
}

// pluginName is the one plugin a connector process serves.
const pluginName = "connector"

// grpcPlugin adapts a Connector to go-plugin's GRPCPlugin on both sides,
// for one protocol version.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl    Connector
	version int
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	srv := newServer(p.impl)
	srv.packed = p.version >= packedSince
	pb.RegisterConnectorServer(s, srv)
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return pb.NewConnectorClient(c), nil
}

// pluginSets is one plugin set per protocol version this build speaks.
func pluginSets(impl Connector) map[int]plugin.PluginSet {
	sets := map[int]plugin.PluginSet{}
	for _, v := range spokenVersions() {
		sets[v] = plugin.PluginSet{pluginName: &grpcPlugin{impl: impl, version: v}}
	}
	return sets
}
