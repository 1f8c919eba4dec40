package hub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/plugins"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
)

// launcher starts a connection's connector as a plugin process of the
// hub's host (verified against the lockfile, reaped on Close).
type launcher struct {
	host *plugins.Host
	cfg  *config.Config
}

func (l launcher) Start(ctx context.Context, connection string) (sdk.Connector, error) {
	conn, ok := l.cfg.Connections[connection]
	if !ok {
		return nil, sdk.ConfigError(fmt.Errorf("no connection named %q", connection))
	}
	if conn.Builtin {
		return identity.Destination{}, nil // the profile store, in process
	}
	return l.host.Start(ctx, conn.Connector)
}

func (l launcher) Stop(c sdk.Connector) {
	if p, ok := c.(*host.Plugin); ok {
		l.host.Stop(p)
	}
}

// Runner returns an engine runner over the checked config and the state,
// opened for writing: the hub is then the state's only writer. Its events
// go to the hub's subscribers, and its batches through the hub's stages.
func (h *Hub) Runner(ctx context.Context) (*engine.Runner, error) {
	cfg, err := h.CheckedConfig(ctx)
	if err != nil {
		return nil, err
	}
	st, err := h.Store()
	if err != nil {
		return nil, err
	}
	host, err := h.Plugins()
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	stages := append([]engine.Stage(nil), h.stages...)
	h.mu.Unlock()
	if cs, err := h.customerStage(ctx, cfg); err != nil {
		return nil, err
	} else if cs != nil {
		stages = append(stages, cs) // the customer index: see customers.go
	}
	return &engine.Runner{Config: cfg, Store: st, Launcher: launcher{host: host, cfg: cfg}, Logger: h.Logger(),
		Redact: h.Redact, Events: h.publish, Stages: stages, HangTimeout: cfg.Monitor.HangTimeout, Hold: h.holdPipeline}, nil
}

// Pipelines resolves pipeline names (all of the config's, in file order,
// if none is given; a name given twice counts once, where first given);
// an unknown name is an error naming the file.
func (h *Hub) Pipelines(names []string) ([]string, error) {
	cfg, err := h.Config()
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		for _, p := range cfg.Pipelines {
			names = append(names, p.Name)
		}
		return names, nil
	}
	for _, n := range names {
		if _, ok := cfg.Pipeline(n); !ok {
			return nil, fmt.Errorf("no pipeline named %q in %s", n, cfg.File)
		}
	}
	return Distinct(names), nil
}

// Distinct returns names without repeats, each where first given.
func Distinct(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// Sync runs the named pipeline once: everything its source changed since
// its last checkpoint.
func (h *Hub) Sync(ctx context.Context, pipeline string) engine.Result {
	r, err := h.Runner(ctx)
	if err != nil {
		return engine.Result{Pipeline: pipeline, Status: state.RunFailed, Err: err}
	}
	return r.Sync(ctx, pipeline)
}

// Replay sends a pipeline's pending dead letters (all, or those with the
// given ids) through the pipeline again, with its current config.
func (h *Hub) Replay(ctx context.Context, pipeline string, ids []int64) engine.Result {
	r, err := h.Runner(ctx)
	if err != nil {
		return engine.Result{Pipeline: pipeline, Status: state.RunFailed, Err: err}
	}
	return r.Replay(ctx, pipeline, ids)
}

// Discard gives up on dead letters by id: their status becomes discarded.
// It returns how many changed.
func (h *Hub) Discard(ctx context.Context, ids []int64) (int64, error) {
	st, err := h.Store()
	if err != nil {
		return 0, err
	}
	return st.SetDeadLetterStatus(ctx, ids, state.DeadLetterDiscarded)
}

// Connection returns a connection of the checked config, or an error
// listing the connections there are.
func (h *Hub) Connection(ctx context.Context, name string) (*config.Connection, error) {
	cfg, err := h.CheckedConfig(ctx)
	if err != nil {
		return nil, err
	}
	conn, ok := cfg.Connections[name]
	if !ok {
		known := make([]string, 0, len(cfg.Connections))
		for n := range cfg.Connections {
			known = append(known, n)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("no connection named %q in %s (connections: %s)", name, cfg.File, strings.Join(known, ", "))
	}
	return conn, nil
}

// Default bounds of the calls a command line makes to a connector, its
// start included, when the caller's context sets none: a hung or stopped
// plugin must not hang the command.
const (
	DefaultCheckTimeout    = time.Minute
	DefaultDiscoverTimeout = 2 * time.Minute
)

// withConnector starts a connection's connector for the length of fn,
// within limit unless ctx has a deadline already.
func (h *Hub) withConnector(ctx context.Context, name, call string, limit time.Duration, fn func(context.Context, *host.Plugin, *config.Connection) error) error {
	conn, err := h.Connection(ctx, name)
	if err != nil {
		return err
	}
	host, err := h.Plugins()
	if err != nil {
		return err
	}
	_, callerBound := ctx.Deadline()
	if !callerBound {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	bounded := func(err error) error {
		if err == nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return err
		}
		within := "in time"
		if !callerBound {
			within = "within " + limit.String()
		}
		return fmt.Errorf("connection %s: the connector did not answer %s %s (hung?): %w", name, call, within, err)
	}
	p, err := host.Start(ctx, conn.Connector)
	if err != nil {
		return bounded(err)
	}
	defer host.Stop(p)
	return bounded(fn(ctx, p, conn))
}

// Check asks a connection's connector whether its system is reachable with
// the configured settings; within DefaultCheckTimeout if ctx sets no
// deadline.
func (h *Hub) Check(ctx context.Context, connection string) (sdk.CheckResponse, error) {
	var resp sdk.CheckResponse
	err := h.withConnector(ctx, connection, "check", DefaultCheckTimeout, func(ctx context.Context, p *host.Plugin, conn *config.Connection) error {
		var err error
		resp, err = p.Check(ctx, sdk.CheckRequest{Config: sdk.Config(conn.Config)})
		return err
	})
	return resp, err
}

// Discover lists the streams a connection reaches; within
// DefaultDiscoverTimeout if ctx sets no deadline.
func (h *Hub) Discover(ctx context.Context, connection string) (sdk.DiscoverResponse, error) {
	var resp sdk.DiscoverResponse
	err := h.withConnector(ctx, connection, "discover", DefaultDiscoverTimeout, func(ctx context.Context, p *host.Plugin, conn *config.Connection) error {
		var err error
		resp, err = p.Discover(ctx, sdk.DiscoverRequest{Config: sdk.Config(conn.Config)})
		return err
	})
	return resp, err
}

// Pushed is what became of a webhook delivery.
type Pushed struct {
	// Response is the connector's answer for the vendor.
	Response sdk.WebhookResponse
	// Records is how many records the delivery carried; New is how many of
	// them the inbox did not hold yet (a redelivery adds none).
	Records, New int
	// Streams are the streams of the records, each once.
	Streams []string
}

// HandleWebhook hands a raw webhook request to a connection's connector,
// which verifies the vendor's signature and makes records of it, and
// stores those records durably in the inbox before returning: the caller
// answers the vendor only after that. deliveryID identifies the vendor's
// delivery (a header most vendors send) so that a redelivery is stored
// once; "" if the vendor sends none. A signature that does not verify is
// an error of kind auth, and nothing is stored.
//
// The records then reach the destinations of every pipeline reading that
// connection's stream through DeliverPushed.
func (h *Hub) HandleWebhook(ctx context.Context, connection string, req sdk.WebhookRequest, deliveryID string) (Pushed, error) {
	conn, err := h.Connection(ctx, connection)
	if err != nil {
		return Pushed{}, err
	}
	req.Config = sdk.Config(conn.Config)
	resp, err := h.webhooks.handle(ctx, h, conn, req)
	if err != nil {
		return Pushed{}, err
	}
	out := Pushed{Response: resp, Records: len(resp.Records)}
	seen := map[string]bool{}
	for _, r := range resp.Records {
		if !seen[r.Stream] {
			seen[r.Stream] = true
			out.Streams = append(out.Streams, r.Stream)
		}
	}
	out.New, err = h.Push(ctx, connection, deliveryID, resp.Records)
	return out, err
}

// Push stores records pushed to a connection durably in the inbox, and
// returns how many were new. See HandleWebhook.
func (h *Hub) Push(ctx context.Context, connection, deliveryID string, recs []sdk.Record) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	entries, err := engine.EntriesOf(connection, deliveryID, recs)
	if err != nil {
		return 0, fmt.Errorf("push to %s: %w", connection, err)
	}
	st, err := h.Store()
	if err != nil {
		return 0, err
	}
	return st.AppendInbox(ctx, entries)
}

// DeliverPushed takes a pipeline's pending pushed records to their outcome.
func (h *Hub) DeliverPushed(ctx context.Context, pipeline string) engine.Result {
	r, err := h.Runner(ctx)
	if err != nil {
		return engine.Result{Pipeline: pipeline, Status: state.RunFailed, Err: err}
	}
	return r.DeliverPushed(ctx, pipeline)
}

// PipelinesReading returns the pipelines whose source is a connection's
// stream ("" for any stream), in file order.
func (h *Hub) PipelinesReading(connection, stream string) ([]string, error) {
	cfg, err := h.Config()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range cfg.Pipelines {
		if p.From.Connection == connection && (stream == "" || p.From.Stream == stream) {
			out = append(out, p.Name)
		}
	}
	return out, nil
}

// PipelineStatus is what a front end shows of a pipeline.
type PipelineStatus struct {
	Name        string     `json:"name"`
	From        string     `json:"from"` // connection.stream
	To          string     `json:"to"`
	Schedule    string     `json:"schedule,omitempty"`
	LastRun     *state.Run `json:"last_run,omitempty"`
	LastSuccess time.Time  `json:"last_success,omitzero"`
	Checkpoint  time.Time  `json:"checkpoint_at,omitzero"` // when its newest checkpoint was stored
	DeadLetters int64      `json:"dead_letters"`           // pending
}

// Status reports every pipeline of the config: its last run, last success,
// checkpoint age and pending dead letters. It reads the state read-only, so
// it works beside a running sync.
func (h *Hub) Status(ctx context.Context) ([]PipelineStatus, error) {
	cfg, err := h.Config()
	if err != nil {
		return nil, err
	}
	st, err := h.ReadStore()
	if err != nil {
		return nil, err
	}
	out := make([]PipelineStatus, 0, len(cfg.Pipelines))
	for _, p := range cfg.Pipelines {
		ps := PipelineStatus{Name: p.Name, From: p.From.Connection + "." + p.From.Stream, To: p.To.Connection + "." + p.To.Stream}
		if p.Schedule > 0 {
			ps.Schedule = p.Schedule.String()
		}
		runs, err := st.Runs(ctx, state.RunFilter{Pipeline: p.Name, Limit: 50})
		if err != nil {
			return nil, err
		}
		if len(runs) > 0 {
			ps.LastRun = &runs[0]
		}
		for _, r := range runs {
			if r.Status == state.RunSucceeded {
				ps.LastSuccess = r.FinishedAt
				break
			}
		}
		cps, err := st.ListCheckpoints(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		for _, c := range cps {
			if c.UpdatedAt.After(ps.Checkpoint) {
				ps.Checkpoint = c.UpdatedAt
			}
		}
		if ps.DeadLetters, err = st.CountDeadLetters(ctx, p.Name, state.DeadLetterPending); err != nil {
			return nil, err
		}
		out = append(out, ps)
	}
	return out, nil
}

// HasPushed reports whether a pipeline has pushed records it has not
// delivered yet.
func (h *Hub) HasPushed(ctx context.Context, pipeline string) (bool, error) {
	cfg, err := h.Config()
	if err != nil {
		return false, err
	}
	p, ok := cfg.Pipeline(pipeline)
	if !ok {
		return false, fmt.Errorf("no pipeline named %q in %s", pipeline, cfg.File)
	}
	st, err := h.Store()
	if err != nil {
		return false, err
	}
	cursor, err := st.InboxCursor(ctx, pipeline)
	if err != nil {
		return false, err
	}
	next, err := st.ReadInbox(ctx, p.From.Connection, p.From.Stream, cursor, 1)
	return len(next) > 0, err
}
