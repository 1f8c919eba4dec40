// Package hostlink hands the host side of the connector protocol from
// package sdk, which implements it, to package sdk/host, which publishes it.
//
// Why a bridge: the client shares the protocol's conversions (records,
// specs, errors to and from protobuf) with sdk.Serve, so it lives in package
// sdk, unexported, beside them. Connector authors import sdk, and its API
// should show them only what they need; programs that run connectors import
// sdk/host instead. sdk/host imports sdk, so sdk cannot import it back; this
// package imports nothing of sdk, sdk fills in its functions in an init
// function, and sdk/host calls them. Because sdk/host imports sdk, sdk's init
// has always run before sdk/host can call anything here.
//
// The values these functions return implement, besides Conn, the sdk
// interfaces Source, Destination, Discoverer and WebhookHandler, which this
// package cannot name; sdk guards that at compile time and sdk/host asserts
// it.
package hostlink

import (
	"context"
	"log/slog"
	"time"
)

// Options say how to start a connector binary. sdk/host fills in every
// default: nothing here is optional.
type Options struct {
	// Path is the file to run.
	Path string
	// Name is how errors name the connector binary: the path the caller
	// asked for, of which Path may be a verified copy.
	Name string
	// Logger receives the plugin's log lines and go-plugin's events.
	Logger *slog.Logger
	// Env is the plugin's whole environment, besides go-plugin's variables.
	Env []string
	// StartTimeout bounds the handshake.
	StartTimeout time.Duration
	// Dir is the plugin's working directory ("" = the host's).
	Dir string
}

// Conn is a running connector, seen from the host.
type Conn interface {
	// Pid is the process id (the host's own for an in-process connector),
	// or 0 if the process is not running.
	Pid() int
	// Exited reports whether the process (or in-process server) has ended.
	Exited() bool
	// Kill stops the process and returns once it has been reaped.
	Kill()
	// ProtocolVersion is the connector protocol version negotiated at the
	// handshake.
	ProtocolVersion() int
}

// Set by package sdk's init.
var (
	// Launch starts a connector binary, performs the handshake and fetches
	// and checks its spec. On any failure the process is already stopped.
	Launch func(ctx context.Context, o Options) (Conn, error)
	// LaunchInProcess serves connector, an sdk.Connector, inside this
	// process over the real protocol; its log lines go to logger.
	LaunchInProcess func(ctx context.Context, connector any, logger *slog.Logger) (Conn, error)
)
