package sdk

import (
	"context"
	"io"
	"log"
	"log/slog"
	"math"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"
)

type loggerKey struct{}

// Logger returns the logger of a call the core made. Inside a served
// connector its lines go to the core, tagged with the connector's name;
// elsewhere it is slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

func withLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// LogLevelEnv is the environment variable the core sets for a plugin's log
// level: trace, debug, info, warn or error.
const LogLevelEnv = "CXHUB_LOG_LEVEL"

// pluginLogger is the plugin-side hclog logger: JSON lines on stderr, which
// go-plugin in the core parses and re-logs.
func pluginLogger(name string) hclog.Logger {
	level := hclog.LevelFromString(os.Getenv(LogLevelEnv))
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	return hclog.New(&hclog.LoggerOptions{
		Name:       name,
		Level:      level,
		JSONFormat: true,
		Output:     os.Stderr,
	})
}

// hclogHandler is a slog.Handler that writes through an hclog logger, so
// connector authors log with slog while the wire format stays hclog's.
type hclogHandler struct {
	log   hclog.Logger
	attrs []any
	group string
}

func (h *hclogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return h.log.GetLevel() <= hclogLevel(l)
}

func (h *hclogHandler) Handle(_ context.Context, r slog.Record) error {
	args := make([]any, 0, len(h.attrs)+2*r.NumAttrs())
	args = append(args, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		args = appendAttr(args, h.group, a)
		return true
	})
	h.log.Log(hclogLevel(r.Level), r.Message, args...)
	return nil
}

// appendAttr appends a's key, prefixed with group, and value to args. As
// slog.Handler requires, a group's attributes are flattened into dotted
// keys ("req.id") and empty attributes are dropped.
func appendAttr(args []any, group string, a slog.Attr) []any {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		if a.Key != "" {
			group = joinKey(group, a.Key)
		}
		for _, ga := range a.Value.Group() {
			args = appendAttr(args, group, ga)
		}
		return args
	}
	if a.Equal(slog.Attr{}) {
		return args
	}
	return append(args, joinKey(group, a.Key), a.Value.Any())
}

func joinKey(group, key string) string {
	if group == "" {
		return key
	}
	return group + "." + key
}

func (h *hclogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	next := *h
	next.attrs = append(append([]any(nil), h.attrs...), nil)[:len(h.attrs)]
	for _, a := range attrs {
		next.attrs = appendAttr(next.attrs, h.group, a)
	}
	return &next
}

func (h *hclogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	next := *h
	next.group = joinKey(h.group, name)
	return &next
}

func hclogLevel(l slog.Level) hclog.Level {
	switch {
	case l < slog.LevelDebug:
		return hclog.Trace
	case l < slog.LevelInfo:
		return hclog.Debug
	case l < slog.LevelWarn:
		return hclog.Info
	case l < slog.LevelError:
		return hclog.Warn
	default:
		return hclog.Error
	}
}

// slogHclog is an hclog.Logger that writes to a slog.Logger. go-plugin logs
// a plugin's stderr lines and its own events through it in the host.
type slogHclog struct {
	log  *slog.Logger
	name string
	args []any
}

func newSlogHclog(l *slog.Logger) hclog.Logger { return &slogHclog{log: l} }

func (s *slogHclog) Log(level hclog.Level, msg string, args ...any) {
	lvl := slog.LevelInfo
	switch level {
	case hclog.Trace, hclog.Debug:
		lvl = slog.LevelDebug
	case hclog.Warn:
		lvl = slog.LevelWarn
	case hclog.Error:
		lvl = slog.LevelError
	}
	s.log.Log(context.Background(), lvl, msg, append(append([]any(nil), s.args...), tidyPluginArgs(args)...)...)
}

// tidyPluginArgs cleans the attributes go-plugin parsed from a plugin's
// JSON log line: it drops the plugin's own timestamp and hclog module name
// (the host's handler has both already), and turns JSON numbers that are
// whole back into integers, so 17777780 does not print as 1.777778e+07.
func tidyPluginArgs(args []any) []any {
	out := args[:0:0]
	for i := 0; i+1 < len(args); i += 2 {
		k, v := args[i], args[i+1]
		if k == "timestamp" || k == "@module" {
			continue
		}
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			v = int64(f)
		}
		out = append(out, k, v)
	}
	if len(args)%2 == 1 {
		out = append(out, args[len(args)-1])
	}
	return out
}

func (s *slogHclog) Trace(msg string, args ...any) { s.Log(hclog.Trace, msg, args...) }
func (s *slogHclog) Debug(msg string, args ...any) { s.Log(hclog.Debug, msg, args...) }
func (s *slogHclog) Info(msg string, args ...any)  { s.Log(hclog.Info, msg, args...) }
func (s *slogHclog) Warn(msg string, args ...any)  { s.Log(hclog.Warn, msg, args...) }
func (s *slogHclog) Error(msg string, args ...any) { s.Log(hclog.Error, msg, args...) }
func (s *slogHclog) IsTrace() bool                 { return s.enabled(slog.LevelDebug - 4) }
func (s *slogHclog) IsDebug() bool                 { return s.enabled(slog.LevelDebug) }
func (s *slogHclog) IsInfo() bool                  { return s.enabled(slog.LevelInfo) }
func (s *slogHclog) IsWarn() bool                  { return s.enabled(slog.LevelWarn) }
func (s *slogHclog) IsError() bool                 { return s.enabled(slog.LevelError) }
func (s *slogHclog) ImpliedArgs() []any            { return s.args }
func (s *slogHclog) Name() string                  { return s.name }
func (s *slogHclog) SetLevel(hclog.Level)          {}

func (s *slogHclog) enabled(l slog.Level) bool { return s.log.Enabled(context.Background(), l) }

func (s *slogHclog) With(args ...any) hclog.Logger {
	return &slogHclog{log: s.log, name: s.name, args: append(append([]any(nil), s.args...), args...)}
}

// Named keeps the name for Name() only: the connector's name is already an
// attribute of the slog logger, and go-plugin's names are binary paths.
func (s *slogHclog) Named(name string) hclog.Logger {
	return &slogHclog{log: s.log, name: strings.TrimPrefix(s.name+"."+name, "."), args: s.args}
}

func (s *slogHclog) ResetNamed(name string) hclog.Logger {
	return &slogHclog{log: s.log, name: name, args: s.args}
}

func (s *slogHclog) GetLevel() hclog.Level {
	switch {
	case s.IsDebug():
		return hclog.Trace
	case s.IsInfo():
		return hclog.Info
	case s.IsWarn():
		return hclog.Warn
	default:
		return hclog.Error
	}
}

func (s *slogHclog) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(s.StandardWriter(opts), "", 0)
}

func (s *slogHclog) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return slogWriter{s}
}

type slogWriter struct{ s *slogHclog }

func (w slogWriter) Write(p []byte) (int, error) {
	w.s.Info(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
