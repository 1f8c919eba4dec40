package host

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/internal/hostlink"
)

// Options say how to start a connector binary.
type Options struct {
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
	// differs is not started, with a *ChecksumError. The binary is then
	// never run from Path: it is copied, and hashed as it is copied, into
	// VerifiedDir, and the copy runs, so that a file swapped at Path after
	// the check cannot be the one that starts (see VerifiedDir).
	SHA256 []byte
	// VerifiedDir is where binaries with a SHA256 are copied to run, one
	// file per checksum, kept for the next start. It must be a directory
	// only this user can write (it is created with mode 0700; one that
	// others can write, or that another user owns, is refused) on a file
	// system that allows exec. "" means DefaultVerifiedDir().
	VerifiedDir string
	// StartTimeout bounds the start: the handshake, and then the spec the
	// connector must report; zero means 30 seconds. A plugin that hangs or
	// is stopped while starting is killed after it.
	StartTimeout time.Duration
	// Dir is the plugin's working directory ("" = the host's). The core uses
	// the config file's directory, so relative paths in a connection's
	// config mean the same as relative paths elsewhere in the file.
	Dir string
}

// Launch starts a connector binary, performs the handshake and fetches and
// checks its spec. On any failure the process is already stopped.
func Launch(ctx context.Context, o Options) (*Plugin, error) {
	run := o.Path
	if o.SHA256 != nil {
		var err error
		if run, err = verifiedCopy(o.Path, o.SHA256, o.VerifiedDir); err != nil {
			return nil, err
		}
	}
	logger := o.Logger
	if logger == nil {
		logger = discard()
	}
	env := o.Env
	if env == nil {
		env = MinimalEnv()
	}
	timeout := o.StartTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	c, err := hostlink.Launch(ctx, hostlink.Options{
		Path: run, Name: o.Path, Logger: logger, Env: env, StartTimeout: timeout, Dir: o.Dir,
	})
	if err != nil {
		return nil, err
	}
	return newPlugin(c, o.Path)
}

// LaunchInProcess serves c inside the calling process, with go-plugin's gRPC
// server on a local socket exactly as a connector binary serves it, and
// returns the host's side of it. Tests use it (sdktest does) to run a
// connector through the real protocol while keeping it debuggable:
// breakpoints, coverage and the race detector all see the connector's code.
// Only the process boundary and the handshake are skipped; c must be a
// Source or a Destination with a valid spec, as sdk.Serve requires.
//
// The connector's own log lines go to logger (nil discards them). Kill the
// Plugin when done: it closes the connection, stops the server and waits
// for it to end, leaving no goroutine behind. Its Path is
// "in-process:<name>".
func LaunchInProcess(ctx context.Context, c sdk.Connector, logger *slog.Logger) (*Plugin, error) {
	if c == nil {
		return nil, fmt.Errorf("launch in process: nil connector")
	}
	if logger == nil {
		logger = discard()
	}
	conn, err := hostlink.LaunchInProcess(ctx, c, logger)
	if err != nil {
		return nil, err
	}
	return newPlugin(conn, "in-process:"+c.Spec().Name)
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
