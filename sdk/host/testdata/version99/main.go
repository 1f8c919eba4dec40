// Command version99 is a test fixture: a plugin with the cxhub connector
// handshake cookie that speaks only protocol version 99, which no cxhub
// knows. Launch must refuse it with an error that names the version. With
// FIXTURE_STARTED_FILE=path it writes its pid to path when it starts.
package main

import (
	"context"
	"os"
	"strconv"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// handshake repeats sdk's cookie (sdk/protocol.go) with another version.
var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  99,
	MagicCookieKey:   "CXHUB_CONNECTOR",
	MagicCookieValue: "f3b5d1a4-cxhub-connector",
}

// future is a gRPC plugin that serves nothing.
type future struct {
	plugin.NetRPCUnsupportedPlugin
}

func (future) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }

func (future) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, nil
}

func main() {
	if path := os.Getenv("FIXTURE_STARTED_FILE"); path != "" {
		_ = os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())), 0o600)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: map[int]plugin.PluginSet{99: {"connector": future{}}},
		GRPCServer:       plugin.DefaultGRPCServer,
	})
}
