package sdktest

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
	"go.uber.org/goleak"
)

// Defaults of a Suite's zero fields.
const (
	defaultRecords   = 25
	defaultBatchSize = 10
	defaultTimeout   = 30 * time.Second
)

// cancelGrace is how long a cancelled read may take to end, connector
// goroutines included.
const cancelGrace = 5 * time.Second

// Suite is one connector's conformance run. Zero values mean "skip that
// part" or "use the default" where noted.
type Suite struct {
	// Exactly one of Connector (served in-process via host.LaunchInProcess —
	// the real gRPC protocol, debuggable, goroutine-leak checked, its reads
	// watched from the connector's side) or Binary (a built plugin path,
	// started with host.Launch).
	Connector sdk.Connector
	Binary    string
	// Config is a working connection config. If the Driver implements
	// Configurer, its Config() is used instead before every call (for
	// connectors whose data lives in the config).
	Config sdk.Config
	// BadCredentials, if set, is a config whose credentials the system
	// refuses: Check must return KindAuth.
	BadCredentials sdk.Config
	// Unreachable, if set, points at a host that does not answer: Check
	// must return KindTransient (or KindRateLimited) — promptly.
	// UnreachableURL gives "http://127.0.0.1:<closed port>" for it.
	Unreachable sdk.Config
	// Streams to exercise; nil = every stream in the spec (or Discover)
	// whose capabilities allow it.
	Streams []string
	// Driver seeds and inspects the system; a SourceDriver and/or a
	// DestinationDriver, optionally a Configurer, BadRecorder, Faulter.
	// nil skips the read and write checks (with t.Skip in those subtests,
	// never passing them silently).
	Driver any
	// Records is how many records to seed / write per stream; default 25.
	// BatchSize is the read batch size and the write batch size; default
	// 10, so that a stream spans several batches.
	Records   int
	BatchSize int
	// LookBack declares, by stream, the look-back window of a stream whose
	// incremental read starts again a little before its checkpoint, for a
	// vendor whose records become visible late (a response that appears
	// after its submission time; a search index that lags). A read from a
	// checkpoint may then send again a record sent before it whose cursor
	// value is no earlier than LookBack before the greatest cursor value
	// sent before it: the suite tolerates those repeats, and no others.
	// The stream's cursor field must hold RFC 3339 times. A stream not
	// listed has no look-back: a read from a checkpoint must send nothing
	// that was sent before it.
	//
	// It is declared here, not in the spec, because only this check needs
	// it (the core takes any repeat: destinations are idempotent) and
	// because it often depends on the connection's config, which the spec
	// cannot know and the Suite is given.
	LookBack map[string]time.Duration
	// UpdateOnly names the streams whose writes only update objects that
	// exist and never create one (Shopify's fulfillment tracking), or that
	// hold nothing, so that nothing is new to them (the null connector): their
	// results must say created=false, even on the first write. Every other
	// stream written must say created=true for a record the destination
	// did not hold before.
	UpdateOnly []string
	// NoDeleteCheck, when set, says why the delete checks cannot run for
	// this destination although its streams declare delete (the null
	// connector holds nothing to remove, and its driver can tell only what
	// the last writer received). The suite then skips them, saying so.
	NoDeleteCheck string
	// Timeout bounds each connector and driver call; default 30s.
	Timeout time.Duration
	// Logger receives the connector's logs (in process), or the plugin's
	// log lines and go-plugin's events (a binary); nil sends those of level
	// info and above to t.Log.
	Logger *slog.Logger
}

// run is the state of one Suite.Run.
type run struct {
	s         Suite // with defaults filled in
	plugin    *host.Plugin
	spec      sdk.Spec // as it came through the protocol
	inProcess bool
	// spy watches the connector's side of a read, in process (nil for a
	// binary, or a connector that is not a Source).
	spy *readSpy
	// discovered is what Discover returned with the config; ok is false if
	// it failed.
	discovered   []sdk.StreamSpec
	discoveredOK bool
}

// Run runs the suite as subtests of t: spec, check, discover,
// read/<stream>/{full,resume,incremental,cancel,faults},
// write/<stream>/{idempotent,target_id,bad_record,faults} and, in process,
// goroutines. The connector is started before and stopped after.
func (s Suite) Run(t *testing.T) {
	t.Helper()
	r := &run{s: s.withDefaults()}
	if err := r.s.validate(); err != nil {
		t.Fatalf("sdktest: %v", err)
	}
	var before goleak.Option
	if r.inProcess = r.s.Connector != nil; r.inProcess {
		before = goleak.IgnoreCurrent()
	}
	r.launch(t)
	t.Run("spec", r.checkSpec)
	t.Run("check", r.checkCheck)
	t.Run("discover", r.checkDiscover)
	reads, writes := r.targets(t)
	t.Run("read", func(t *testing.T) { r.readStreams(t, reads) })
	t.Run("write", func(t *testing.T) { r.writeStreams(t, writes) })
	r.plugin.Kill()
	if r.inProcess {
		t.Run("goroutines", func(t *testing.T) {
			if err := waitForNoLeaks(before, cancelGrace); err != nil {
				t.Errorf("after the connector was stopped, goroutines it started are still running "+
					"(a writer, reader or client not closed?): %v", err)
			}
		})
	}
}

func (s Suite) withDefaults() Suite {
	if s.Records <= 0 {
		s.Records = defaultRecords
	}
	if s.BatchSize <= 0 {
		s.BatchSize = defaultBatchSize
	}
	if s.Timeout <= 0 {
		s.Timeout = defaultTimeout
	}
	return s
}

// validate reports a Suite that cannot run.
func (s Suite) validate() error {
	if (s.Connector == nil) == (s.Binary == "") {
		return fmt.Errorf("set exactly one of Suite.Connector and Suite.Binary")
	}
	if s.Driver != nil {
		_, src := s.Driver.(SourceDriver)
		_, dst := s.Driver.(DestinationDriver)
		if !src && !dst {
			return fmt.Errorf("Suite.Driver %T implements neither SourceDriver nor DestinationDriver", s.Driver)
		}
	}
	return nil
}

// launch starts the connector; it is killed when t ends, if not before.
func (r *run) launch(t *testing.T) {
	t.Helper()
	logger := r.s.Logger
	if logger == nil {
		logger = newTestLogger(t)
	}
	ctx, cancel := context.WithTimeout(t.Context(), r.s.Timeout)
	defer cancel()
	var err error
	if r.inProcess {
		r.spy = &readSpy{}
		r.plugin, err = host.LaunchInProcess(ctx, spyOn(r.s.Connector, r.spy), logger)
	} else {
		r.plugin, err = host.Launch(ctx, host.Options{Path: r.s.Binary, Logger: logger})
	}
	if err != nil {
		t.Fatalf("start the connector: %v", err)
	}
	t.Cleanup(r.plugin.Kill)
	r.spec = r.plugin.Spec()
}

// config returns the config for the next call: the driver's if it is a
// Configurer, else Suite.Config.
func (r *run) config() sdk.Config {
	if c, ok := r.s.Driver.(Configurer); ok {
		return c.Config()
	}
	return r.s.Config
}

// callCtx returns the context of one connector or driver call.
func (r *run) callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), r.s.Timeout)
	t.Cleanup(cancel)
	return ctx
}

// streams returns the streams the connector offers with the config: those
// Discover found, or the spec's if it failed.
func (r *run) streams() []sdk.StreamSpec {
	if r.discoveredOK {
		return r.discovered
	}
	return r.spec.Streams
}

// targets returns the streams to read and to write.
func (r *run) targets(t *testing.T) (reads, writes []sdk.StreamSpec) {
	t.Helper()
	offered := r.streams()
	if r.s.Streams == nil {
		for _, st := range offered {
			if st.Capabilities.Read {
				reads = append(reads, st)
			}
			if st.Capabilities.Write {
				writes = append(writes, st)
			}
		}
		return reads, writes
	}
	for _, name := range r.s.Streams {
		st, ok := findStream(offered, name)
		if !ok {
			st, ok = r.spec.Stream(name)
		}
		if !ok {
			t.Errorf("Suite.Streams names %q, which neither the spec nor Discover declares", name)
			continue
		}
		if !st.Capabilities.Read && !st.Capabilities.Write {
			t.Logf("stream %q declares neither read nor write: not exercised", name)
		}
		if st.Capabilities.Read {
			reads = append(reads, st)
		}
		if st.Capabilities.Write {
			writes = append(writes, st)
		}
	}
	return reads, writes
}

func findStream(streams []sdk.StreamSpec, name string) (sdk.StreamSpec, bool) {
	for _, st := range streams {
		if st.Name == name {
			return st, true
		}
	}
	return sdk.StreamSpec{}, false
}

// describeErr says what a call returned, for a failure message.
func describeErr(err error) string {
	if err == nil {
		return "success (no error)"
	}
	return fmt.Sprintf("kind %s: %v", sdk.KindOf(err), err)
}
