package config

import (
	"encoding/json"
	"time"

	"github.com/cxhub/cxhub/core/mapping"
	"go.yaml.in/yaml/v3"
)

// Pos is a 1-based position in the config file.
type Pos struct{ Line, Column int }

// Config is a loaded and validated pipeline file.
type Config struct {
	File       string // the path Load was given
	Version    int
	StatePath  string // resolved, absolute: State.Path
	State      State
	PluginsDir string // resolved, absolute, or "" if not set
	// PluginsDirAt is where plugins.dir is set: "file:line:column" of its
	// value, or the environment variable; "" if not set.
	PluginsDirAt string
	LogLevel     string  // "" if not set
	Server       Server  // how `cxhub serve` listens; defaults if absent
	Monitor      Monitor // what `cxhub serve` watches; defaults if absent
	Connections  map[string]*Connection
	Pipelines    []*Pipeline // in file order, then two for each sync
	Syncs        []*Sync     // in file order
	// Customers is the customers section (identity rules, see package
	// identity), nil if the file has none. It is decoded by core/identity.
	Customers *yaml.Node

	// nodes remembers where things are in the file, for Check.
	nodes positions
}

// State says which state backend holds the hub's state, and where:
// `state: {driver: sqlite, path: ./cxhub.db}` (driver defaults to sqlite)
// or `state: {driver: postgres, dsn: ${CXHUB_PG_DSN}}`. CXHUB_STATE_DRIVER,
// CXHUB_STATE_PATH and CXHUB_STATE_DSN override the file.
type State struct {
	Driver string // "sqlite" or "postgres"
	Path   string // sqlite: the file, resolved, absolute; "" for postgres
	// DSN is postgres's connection string (a postgres:// URL or key=value
	// pairs); "" for sqlite. It holds a password: Secrets lists it for
	// redaction, and no error of Load repeats it.
	DSN string
}

// Connection is one entry of the file's connections mapping.
type Connection struct {
	Name      string
	Connector string
	Config    json.RawMessage // JSON object, env interpolated, key case preserved; "{}" if absent
	Pos       Pos             // of the connection's key
	// CheckInterval overrides monitor.check_interval for this connection.
	CheckInterval time.Duration
	// Builtin is set on the profile store's connection (ProfilesConnection),
	// which the hub serves itself: no plugin runs for it.
	Builtin bool
}

// Endpoint names a stream of a connection.
type Endpoint struct{ Connection, Stream string }

// Pipeline is one entry of the file's pipelines list.
type Pipeline struct {
	Name     string
	From, To Endpoint
	Map      []mapping.Field // file order; nil if no map
	Where    string          // "" if none
	Schedule time.Duration   // an interval schedule; 0 if none
	Cron     string          // a cron schedule ("*/15 * * * *", "@hourly"); "" if none
	// Jitter delays each scheduled run by a random time up to it; when not
	// set (JitterSet false), a tenth of the interval, at most a minute, and
	// 5s for a cron schedule. See MaxJitter.
	Jitter    time.Duration
	JitterSet bool
	Monitor   PipelineMonitor // overrides of the monitor's thresholds
	OnError   string          // "dead_letter" or "stop"
	BatchSize int
	Retry     Retry
	Pos       Pos // of the list item
	// Sync is the part the pipeline plays in a two-way sync, if it was
	// expanded from one; nil for a pipeline of the pipelines list.
	Sync *SyncRole
}

// Scheduled reports whether the pipeline runs on a schedule.
func (p *Pipeline) Scheduled() bool { return p.Schedule > 0 || p.Cron != "" }

// MaxJitter is the longest random delay of a scheduled run.
func (p *Pipeline) MaxJitter() time.Duration {
	switch {
	case p.JitterSet:
		return p.Jitter
	case p.Cron != "":
		return 5 * time.Second
	default:
		return min(p.Schedule/10, time.Minute)
	}
}

// ScheduleText is the schedule as written ("" if none).
func (p *Pipeline) ScheduleText() string {
	if p.Cron != "" {
		return p.Cron
	}
	if p.Schedule > 0 {
		return p.Schedule.String()
	}
	return ""
}

// Retry is how a pipeline retries transient failures, with exponential backoff.
type Retry struct{ InitialInterval, MaxInterval, MaxElapsed time.Duration }

// The values of Pipeline.OnError.
const (
	OnErrorDeadLetter = "dead_letter" // keep the failed record for replay and go on (the default)
	OnErrorStop       = "stop"        // stop the pipeline
)

// Defaults applied to a pipeline that does not set them.
const (
	DefaultBatchSize       = 500
	DefaultInitialInterval = 500 * time.Millisecond
	DefaultMaxInterval     = 30 * time.Second
	DefaultMaxElapsed      = 2 * time.Minute
)

// Pipeline returns the pipeline called name, or false.
func (c *Config) Pipeline(name string) (*Pipeline, bool) {
	for _, p := range c.Pipelines {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// positions holds the YAML nodes Check needs to place its errors.
type positions struct {
	conns map[string]connNodes
	pipes []pipeNodes // parallel to Config.Pipelines
}

type connNodes struct {
	key       *yaml.Node // the connection's name
	connector *yaml.Node // the connector value
	configKey *yaml.Node // the "config" key; nil if absent
	config    *yaml.Node // the config mapping; nil if absent
}

type pipeNodes struct {
	fromStream, toStream *yaml.Node
	// fromPath and toPath name the streams in errors; "" for a pipeline of
	// the pipelines list (pipelines[i].from.stream).
	fromPath, toPath string
}
