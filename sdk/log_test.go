package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// jsonLines decodes one JSON object per line.
func jsonLines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// viaHclog returns a slog logger over an hclogHandler whose hclog logger,
// at level, writes JSON lines (the plugin side's wire format) to buf.
func viaHclog(level hclog.Level, buf *bytes.Buffer) *slog.Logger {
	return slog.New(&hclogHandler{log: hclog.New(&hclog.LoggerOptions{
		Level: level, JSONFormat: true, Output: buf,
	})})
}

func TestHclogHandlerLevels(t *testing.T) {
	tests := []struct {
		level slog.Level
		want  string
	}{
		{slog.LevelDebug - 4, "trace"},
		{slog.LevelDebug - 1, "trace"},
		{slog.LevelDebug, "debug"},
		{slog.LevelInfo - 1, "debug"},
		{slog.LevelInfo, "info"},
		{slog.LevelInfo + 2, "info"},
		{slog.LevelWarn, "warn"},
		{slog.LevelError, "error"},
		{slog.LevelError + 4, "error"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		viaHclog(hclog.Trace, &buf).Log(context.Background(), tt.level, "m")
		lines := jsonLines(t, &buf)
		if len(lines) != 1 || lines[0]["@level"] != tt.want {
			t.Errorf("slog level %v logged %v, want one line at hclog level %q", tt.level, lines, tt.want)
		}
	}
}

func TestHclogHandlerEnabled(t *testing.T) {
	tests := []struct {
		hclog hclog.Level
		slog  slog.Level
		want  bool
	}{
		{hclog.Info, slog.LevelDebug, false},
		{hclog.Info, slog.LevelInfo, true},
		{hclog.Info, slog.LevelError, true},
		{hclog.Warn, slog.LevelInfo, false},
		{hclog.Warn, slog.LevelWarn, true},
		{hclog.Trace, slog.LevelDebug - 4, true},
		{hclog.Debug, slog.LevelDebug - 4, false},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		l := viaHclog(tt.hclog, &buf)
		if got := l.Enabled(context.Background(), tt.slog); got != tt.want {
			t.Errorf("hclog at %s: Enabled(%v) = %v, want %v", tt.hclog, tt.slog, got, tt.want)
		}
		l.Log(context.Background(), tt.slog, "m")
		if logged := buf.Len() > 0; logged != tt.want {
			t.Errorf("hclog at %s: a line at %v was logged: %v, want %v", tt.hclog, tt.slog, logged, tt.want)
		}
	}
}

// redacted is a LogValuer, as a connector might use for a token.
type redacted string

func (redacted) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// request is a LogValuer that resolves to a group.
type request struct{ id int }

func (r request) LogValue() slog.Value { return slog.GroupValue(slog.Int("id", r.id)) }

func TestHclogHandlerAttrsAndGroups(t *testing.T) {
	tests := []struct {
		name string
		log  func(*slog.Logger)
		want map[string]any
	}{
		{"attrs", func(l *slog.Logger) { l.Info("m", "a", 1, "b", "x") },
			map[string]any{"a": 1.0, "b": "x"}},
		{"with", func(l *slog.Logger) { l.With("a", 1).Info("m", "b", "x") },
			map[string]any{"a": 1.0, "b": "x"}},
		{"with group", func(l *slog.Logger) { l.WithGroup("g").With("a", 1).Info("m", "b", 2) },
			map[string]any{"g.a": 1.0, "g.b": 2.0}},
		{"attrs before a group stay outside", func(l *slog.Logger) { l.With("a", 1).WithGroup("g").Info("m", "b", 2) },
			map[string]any{"a": 1.0, "g.b": 2.0}},
		{"nested groups", func(l *slog.Logger) { l.WithGroup("g").WithGroup("h").Info("m", "a", 1) },
			map[string]any{"g.h.a": 1.0}},
		{"group attr", func(l *slog.Logger) { l.Info("m", slog.Group("req", "id", 7, "path", "/x")) },
			map[string]any{"req.id": 7.0, "req.path": "/x"}},
		{"group attr in a group", func(l *slog.Logger) { l.WithGroup("g").Info("m", slog.Group("req", "id", 7)) },
			map[string]any{"g.req.id": 7.0}},
		{"group attr in with", func(l *slog.Logger) { l.With(slog.Group("req", "id", 7)).Info("m") },
			map[string]any{"req.id": 7.0}},
		{"inline group", func(l *slog.Logger) { l.Info("m", slog.Group("", "a", 1)) },
			map[string]any{"a": 1.0}},
		{"empty group dropped", func(l *slog.Logger) { l.Info("m", slog.Group("g"), "a", 1) },
			map[string]any{"a": 1.0}},
		{"empty attr dropped", func(l *slog.Logger) { l.Info("m", slog.Attr{}, "a", 1) },
			map[string]any{"a": 1.0}},
		{"empty group name ignored", func(l *slog.Logger) { l.WithGroup("").Info("m", "a", 1) },
			map[string]any{"a": 1.0}},
		{"log valuer", func(l *slog.Logger) { l.Info("m", "token", redacted("s3cret")) },
			map[string]any{"token": "REDACTED"}},
		{"log valuer to a group", func(l *slog.Logger) { l.Info("m", "req", request{9}) },
			map[string]any{"req.id": 9.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(viaHclog(hclog.Info, &buf))
			lines := jsonLines(t, &buf)
			if len(lines) != 1 {
				t.Fatalf("logged %d lines, want 1: %s", len(lines), buf.String())
			}
			got := lines[0]
			if got["@message"] != "m" || got["@level"] != "info" {
				t.Errorf("line %v lost its message or level", got)
			}
			for _, k := range []string{"@message", "@level", "@timestamp"} {
				delete(got, k)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("attributes = %v, want %v", got, tt.want)
			}
		})
	}
}

// Loggers derived from one parent do not share attributes.
func TestHclogHandlerWithDoesNotShare(t *testing.T) {
	var buf bytes.Buffer
	base := viaHclog(hclog.Info, &buf).With("a", 1, "b", 2, "c", 3)
	left, right := base.With("left", true), base.With("right", true)
	left.Info("m")
	right.Info("m")
	base.Info("m")
	lines := jsonLines(t, &buf)
	if len(lines) != 3 {
		t.Fatalf("logged %d lines, want 3", len(lines))
	}
	for i, want := range []struct{ has, hasNot string }{{"left", "right"}, {"right", "left"}, {"a", "left"}} {
		if _, ok := lines[i][want.has]; !ok {
			t.Errorf("line %d lacks %q: %v", i, want.has, lines[i])
		}
		if _, ok := lines[i][want.hasNot]; ok {
			t.Errorf("line %d has %q of a sibling logger: %v", i, want.hasNot, lines[i])
		}
	}
}

// toSlog returns an hclog logger over a slog JSON handler at level writing to buf.
func toSlog(level slog.Level, buf *bytes.Buffer) hclog.Logger {
	return newSlogHclog(slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: level})))
}

func TestSlogHclogLevels(t *testing.T) {
	var buf bytes.Buffer
	l := toSlog(slog.LevelDebug, &buf)
	l.Trace("trace")
	l.Debug("debug")
	l.Info("info")
	l.Warn("warn")
	l.Error("error")
	l.Log(hclog.NoLevel, "nolevel")
	want := [][2]string{
		{"trace", "DEBUG"}, {"debug", "DEBUG"}, {"info", "INFO"}, {"warn", "WARN"}, {"error", "ERROR"}, {"nolevel", "INFO"},
	}
	lines := jsonLines(t, &buf)
	if len(lines) != len(want) {
		t.Fatalf("logged %d lines, want %d: %s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		if lines[i]["msg"] != w[0] || lines[i]["level"] != w[1] {
			t.Errorf("line %d = %v, want msg %q at %s", i, lines[i], w[0], w[1])
		}
	}
}

func TestSlogHclogIsLevel(t *testing.T) {
	tests := []struct {
		slog                        slog.Level
		debug, info, warn, errorLvl bool
		get                         hclog.Level
	}{
		{slog.LevelInfo, false, true, true, true, hclog.Info},
		{slog.LevelWarn, false, false, true, true, hclog.Warn},
		{slog.LevelError, false, false, false, true, hclog.Error},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		l := toSlog(tt.slog, &buf)
		got := []bool{l.IsDebug(), l.IsInfo(), l.IsWarn(), l.IsError()}
		if want := []bool{tt.debug, tt.info, tt.warn, tt.errorLvl}; !reflect.DeepEqual(got, want) {
			t.Errorf("slog at %v: IsDebug/IsInfo/IsWarn/IsError = %v, want %v", tt.slog, got, want)
		}
		if l.IsTrace() {
			t.Errorf("slog at %v: IsTrace() = true", tt.slog)
		}
		if got := l.GetLevel(); got != tt.get {
			t.Errorf("slog at %v: GetLevel() = %s, want %s", tt.slog, got, tt.get)
		}
	}
}

func TestSlogHclogWith(t *testing.T) {
	var buf bytes.Buffer
	root := toSlog(slog.LevelInfo, &buf)
	base := root.With("plugin", "hubspot")
	left, right := base.With("side", "left"), base.With("other", "right")
	left.Info("m", "n", 1)
	right.Info("m")
	root.Info("m")
	lines := jsonLines(t, &buf)
	if len(lines) != 3 {
		t.Fatalf("logged %d lines, want 3: %s", len(lines), buf.String())
	}
	checks := []struct {
		line int
		want map[string]any
		not  []string
	}{
		{0, map[string]any{"plugin": "hubspot", "side": "left", "n": 1.0}, []string{"other"}},
		{1, map[string]any{"plugin": "hubspot", "other": "right"}, []string{"side"}},
		{2, map[string]any{}, []string{"plugin", "side", "other"}},
	}
	for _, c := range checks {
		for k, v := range c.want {
			if lines[c.line][k] != v {
				t.Errorf("line %d: %s = %v, want %v (line %v)", c.line, k, lines[c.line][k], v, lines[c.line])
			}
		}
		for _, k := range c.not {
			if _, ok := lines[c.line][k]; ok {
				t.Errorf("line %d has %s, which its logger was not given: %v", c.line, k, lines[c.line])
			}
		}
	}
	if got := base.ImpliedArgs(); !reflect.DeepEqual(got, []any{"plugin", "hubspot"}) {
		t.Errorf("ImpliedArgs() = %v, want [plugin hubspot]", got)
	}
	named := base.Named("a").Named("b")
	if named.Name() != "a.b" {
		t.Errorf("Named(a).Named(b).Name() = %q, want a.b", named.Name())
	}
	if got := named.ResetNamed("c").Name(); got != "c" {
		t.Errorf("ResetNamed(c).Name() = %q, want c", got)
	}
	if !reflect.DeepEqual(named.ImpliedArgs(), base.ImpliedArgs()) {
		t.Errorf("Named lost the logger's arguments: %v", named.ImpliedArgs())
	}
}

func TestSlogHclogStandardLogger(t *testing.T) {
	var buf bytes.Buffer
	toSlog(slog.LevelInfo, &buf).StandardLogger(nil).Print("from the standard library\n")
	lines := jsonLines(t, &buf)
	if len(lines) != 1 || lines[0]["msg"] != "from the standard library" || lines[0]["level"] != "INFO" {
		t.Errorf("standard logger wrote %v, want one INFO line without the newline", lines)
	}
}

func TestSlogHclogTidiesPluginLines(t *testing.T) {
	var buf bytes.Buffer
	l := toSlog(slog.LevelInfo, &buf)
	// What go-plugin passes for a parsed plugin JSON line.
	l.Warn("rewritten", "offset", float64(17777780), "ratio", 0.5, "@module", "file", "timestamp", "2026-11-22T12:00:00Z")
	lines := jsonLines(t, &buf)
	if len(lines) != 1 {
		t.Fatalf("logged %d lines: %s", len(lines), buf.String())
	}
	if !strings.Contains(buf.String(), `"offset":17777780`) || !strings.Contains(buf.String(), `"ratio":0.5`) {
		t.Errorf("numbers not kept as written: %s", buf.String())
	}
	for _, k := range []string{"@module", "timestamp"} {
		if _, ok := lines[0][k]; ok {
			t.Errorf("plugin's %s kept: %s", k, buf.String())
		}
	}
}
