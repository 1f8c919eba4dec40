package host

import (
	"context"
	"fmt"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/internal/hostlink"
)

// Plugin is a running connector, seen from the host. It implements
// sdk.Connector, sdk.Source, sdk.Destination, sdk.Discoverer and
// sdk.WebhookHandler by calling the connector over the protocol; a call the
// connector does not support fails with an sdk.ConfigError, and every error
// keeps the kind (sdk.KindOf) and retry delay the connector gave it. Kill it
// when done: it is the only way the process is reaped.
type Plugin struct {
	conn conn
	path string
}

// conn is what sdk's client implements (see sdk/internal/hostlink).
type conn interface {
	hostlink.Conn
	sdk.Connector
	sdk.Source
	sdk.Destination
	sdk.Discoverer
	sdk.WebhookHandler
}

var (
	_ sdk.Connector      = (*Plugin)(nil)
	_ sdk.Source         = (*Plugin)(nil)
	_ sdk.Destination    = (*Plugin)(nil)
	_ sdk.Discoverer     = (*Plugin)(nil)
	_ sdk.WebhookHandler = (*Plugin)(nil)
)

func newPlugin(c hostlink.Conn, path string) (*Plugin, error) {
	full, ok := c.(conn)
	if !ok {
		c.Kill()
		return nil, fmt.Errorf("start connector %s: the sdk's client is a %T, which lacks the connector interfaces", path, c)
	}
	return &Plugin{conn: full, path: path}, nil
}

// Spec returns the spec the connector reported at launch.
func (p *Plugin) Spec() sdk.Spec { return p.conn.Spec() }

// Path returns the binary the plugin was started from (the path given to
// Launch, even when a verified copy of it runs), or "in-process:<name>".
func (p *Plugin) Path() string { return p.path }

// Pid returns the plugin's process id, or 0 if it is not running. A plugin
// from LaunchInProcess has the host's own pid.
func (p *Plugin) Pid() int { return p.conn.Pid() }

// Exited reports whether the plugin process has ended.
func (p *Plugin) Exited() bool { return p.conn.Exited() }

// ProtocolVersion is the connector protocol version the plugin and this
// host agreed on at the handshake: the highest both speak (see
// sdk.ProtocolVersion).
func (p *Plugin) ProtocolVersion() int { return p.conn.ProtocolVersion() }

// Kill stops the plugin process: gracefully first, then by force after a
// few seconds; it returns when the process has been reaped. For a plugin
// from LaunchInProcess it closes the connection, stops the server and waits
// for it to end.
func (p *Plugin) Kill() { p.conn.Kill() }

// Check asks the connector whether its system is reachable with the config.
func (p *Plugin) Check(ctx context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	return p.conn.Check(ctx, req)
}

// Discover asks the connector for the streams the config reaches.
func (p *Plugin) Discover(ctx context.Context, req sdk.DiscoverRequest) (sdk.DiscoverResponse, error) {
	return p.conn.Discover(ctx, req)
}

// Read runs a read in the connector and hands what it sends to out, in
// order. It returns when the connector is done, out fails (with out's
// error), or ctx ends.
func (p *Plugin) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	return p.conn.Read(ctx, req, out)
}

// OpenWriter opens a write stream in the connector. The Writer sends one
// batch at a time and waits for its results; a batch larger than a
// protocol message is sent in several, and a record larger than the
// protocol carries fails alone as a bad record.
func (p *Plugin) OpenWriter(ctx context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	return p.conn.OpenWriter(ctx, req)
}

// HandleWebhook hands a raw delivery to the connector.
func (p *Plugin) HandleWebhook(ctx context.Context, req sdk.WebhookRequest) (sdk.WebhookResponse, error) {
	return p.conn.HandleWebhook(ctx, req)
}
