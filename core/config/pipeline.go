package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cxhub/cxhub/core/mapping"
	"go.yaml.in/yaml/v3"
)

// pipelines decodes the pipelines list into c. It runs after connections,
// so that it can check the connections pipelines name.
func (d *decoder) pipelines(n *yaml.Node, c *Config) {
	const path = "pipelines"
	n = resolve(n)
	if isNull(n) || d.bad[n] {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errs.at(n, path, fmt.Sprintf("expected a list of pipelines, got %s", describe(n)))
		return
	}
	firstLine := map[string]int{}
	for i, item := range n.Content {
		ppath := indexPath(path, i)
		item = resolve(item)
		p, nodes := d.pipeline(item, ppath, c)
		if p.Name != "" {
			if line, dup := firstLine[p.Name]; dup {
				d.errs.at(nodes.name, keyPath(ppath, "name"), fmt.Sprintf("duplicate pipeline name %q (first defined at line %d)", p.Name, line))
			} else {
				firstLine[p.Name] = nodes.name.Line
			}
		}
		c.Pipelines = append(c.Pipelines, p)
		c.nodes.pipes = append(c.nodes.pipes, pipeNodes{fromStream: nodes.fromStream, toStream: nodes.toStream})
	}
}

// pipelineNodes are the nodes of one pipeline that later checks point at.
type pipelineNodes struct {
	name, fromStream, toStream *yaml.Node
}

// pipeline decodes one item of the pipelines list.
func (d *decoder) pipeline(n *yaml.Node, path string, c *Config) (*Pipeline, pipelineNodes) {
	p := &Pipeline{
		OnError:   OnErrorDeadLetter,
		BatchSize: DefaultBatchSize,
		Retry:     Retry{DefaultInitialInterval, DefaultMaxInterval, DefaultMaxElapsed},
	}
	var nodes pipelineNodes
	if n != nil {
		p.Pos = Pos{n.Line, n.Column}
	}
	f, ok := d.fields(n, path, pipelineKeys)
	if !ok {
		return p, nodes
	}
	d.require(n, path, f, "name", "from", "to")
	if v, ok := f["name"]; ok && !isNull(v.val) {
		nodes.name = resolve(v.val)
		if name, ok := d.name(v.val, keyPath(path, "name"), "pipeline"); ok {
			p.Name = name
		}
	}
	if v, ok := f["from"]; ok && !isNull(v.val) {
		p.From, nodes.fromStream = d.endpoint(v.val, keyPath(path, "from"), c)
	}
	if v, ok := f["to"]; ok && !isNull(v.val) {
		p.To, nodes.toStream = d.endpoint(v.val, keyPath(path, "to"), c)
		if p.To == p.From && p.To.Connection != "" && p.To.Stream != "" {
			d.errs.at(resolve(v.val), keyPath(path, "to"), fmt.Sprintf(
				"the pipeline would read its own output: from and to are both %s.%s", p.To.Connection, p.To.Stream))
		}
	}
	if v, ok := f["map"]; ok {
		p.Map = d.mapFields(v.val, keyPath(path, "map"), misplacedKey{keys: pipelineKeys, present: f, owner: "pipeline"})
	}
	if v, ok := f["where"]; ok && !isNull(v.val) {
		p.Where = d.where(v.val, keyPath(path, "where"))
	}
	if v, ok := f["schedule"]; ok && !isNull(v.val) {
		d.schedule(v.val, keyPath(path, "schedule"), p)
	}
	if v, ok := f["jitter"]; ok && !isNull(v.val) {
		p.Jitter, p.JitterSet = d.duration(v.val, keyPath(path, "jitter"), 0)
		d.jitterWithin(v.val, keyPath(path, "jitter"), p)
	}
	if v, ok := f["monitor"]; ok && !isNull(v.val) {
		p.Monitor = d.pipelineMonitor(v.val, keyPath(path, "monitor"))
	}
	if v, ok := f["on_error"]; ok && !isNull(v.val) {
		if s, ok := d.oneOf(v.val, keyPath(path, "on_error"), onErrorValues); ok {
			p.OnError = s
		}
	}
	if v, ok := f["batch_size"]; ok && !isNull(v.val) {
		if size, ok := d.integer(v.val, keyPath(path, "batch_size"), 1, 10000); ok {
			p.BatchSize = size
		}
	}
	if v, ok := f["retry"]; ok && !isNull(v.val) {
		p.Retry = d.retry(v.val, keyPath(path, "retry"), p.Retry)
	}
	return p, nodes
}

// endpoint decodes a from or to mapping; the connection must exist. It also
// returns the stream's node, which Check points at.
func (d *decoder) endpoint(n *yaml.Node, path string, c *Config) (Endpoint, *yaml.Node) {
	var e Endpoint
	f, ok := d.fields(n, path, endpointKeys)
	if !ok {
		return e, nil
	}
	if v, ok := f["profiles"]; ok {
		return d.profilesEndpoint(n, v, path, f, c), nil
	}
	d.require(n, path, f, "connection", "stream")
	if v, ok := f["connection"]; ok && !isNull(v.val) {
		cpath := keyPath(path, "connection")
		if name, ok := d.nonEmpty(v.val, cpath, "a connection name"); ok {
			e.Connection = name
			if name == ProfilesConnection {
				d.errs.at(resolve(v.val), cpath, "the profile store is written `to: {profiles: true}`")
			} else if _, known := c.Connections[name]; !known {
				names := connectionNames(c)
				d.errs.at(resolve(v.val), cpath, fmt.Sprintf("unknown connection %q %s", name, listHint(name, "known", names)))
			}
		}
	}
	var stream *yaml.Node
	if v, ok := f["stream"]; ok && !isNull(v.val) {
		stream = resolve(v.val)
		if name, ok := d.nonEmpty(v.val, keyPath(path, "stream"), "a stream name"); ok {
			e.Stream = name
			if msg := streamNameProblem(name); msg != "" {
				d.errs.at(stream, keyPath(path, "stream"), msg)
			}
		}
	}
	return e, stream
}

// retry decodes a retry mapping over the defaults in r.
func (d *decoder) retry(n *yaml.Node, path string, r Retry) Retry {
	f, ok := d.fields(n, path, retryKeys)
	if !ok {
		return r
	}
	set := func(key string, dst *time.Duration) {
		if v, ok := f[key]; ok && !isNull(v.val) {
			if dur, ok := d.duration(v.val, keyPath(path, key), time.Millisecond); ok {
				*dst = dur
			}
		}
	}
	set("initial_interval", &r.InitialInterval)
	set("max_interval", &r.MaxInterval)
	set("max_elapsed", &r.MaxElapsed)
	if r.MaxInterval < r.InitialInterval {
		at := resolve(n)
		if v, ok := f["max_interval"]; ok {
			at = resolve(v.val)
		}
		d.errs.at(at, keyPath(path, "max_interval"), fmt.Sprintf("must be at least initial_interval (%s), got %s", r.InitialInterval, r.MaxInterval))
	}
	return r
}

// misplacedKey says which destination fields of a map are likely keys of
// the map's owner (a pipeline, a sync) indented one level too far: those
// named like one of its keys that it does not have itself.
type misplacedKey struct {
	keys    []string        // the owner's keys
	present map[string]pair // the keys the owner has
	owner   string          // "pipeline" or "sync"
}

// hint returns the note for a field named name that failed to compile in
// the map at mapKey, or "".
func (m misplacedKey) hint(name, mapKey string) string {
	if !slices.Contains(m.keys, name) {
		return ""
	}
	if _, has := m.present[name]; has {
		return ""
	}
	return fmt.Sprintf("this %q is indented under %s:, so it is read as a destination field; if it is the %s's %s:, indent it like %s:", name, mapKey, m.owner, name, mapKey)
}

// mapFields decodes a map mapping into mapping fields, in file order, and
// compiles them so that a bad expression is reported at its line.
func (d *decoder) mapFields(n *yaml.Node, path string, misplaced misplacedKey) []mapping.Field {
	n = resolve(n)
	if isNull(n) || d.bad[n] {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errs.at(n, path, fmt.Sprintf("expected a mapping of destination fields to source paths, templates or {value: ...} constants, got %s", describe(n)))
		return nil
	}
	var fields []mapping.Field
	var vals []*yaml.Node // the value node of each field, for errors
	var paths []string
	for _, p := range d.pairs(n, path, "destination field") {
		fpath := keyPath(path, p.key.Value)
		if p.key.Value == "" {
			d.errs.at(p.key, fpath, "empty destination field name")
			continue
		}
		field, ok := d.mapField(p.key.Value, p.val, fpath)
		if !ok {
			continue
		}
		fields = append(fields, field)
		vals = append(vals, resolve(p.val))
		paths = append(paths, fpath)
	}
	if len(fields) == 0 {
		return nil
	}
	// Compile each field alone to report every bad expression, then all
	// together for what only shows across fields (such as "a" and "a.b").
	failed := false
	for i, field := range fields {
		if _, err := mapping.Compile([]mapping.Field{field}); err != nil {
			err = fieldCause(err, field.Name)
			if h := misplaced.hint(field.Name, path[strings.LastIndex(path, ".")+1:]); h != "" {
				// The usual cause: a key of the pipeline (or sync) indented
				// one level too far.
				err = fmt.Errorf("%w (%s)", err, h)
			}
			d.exprError(vals[i], paths[i], err)
			failed = true
		}
	}
	if !failed {
		if _, err := mapping.Compile(fields); err != nil {
			var fe *mapping.FieldError
			if errors.As(err, &fe) && fe.Index >= 0 && fe.Index < len(fields) {
				d.exprError(vals[fe.Index], paths[fe.Index], fieldCause(err, fields[fe.Index].Name))
			} else {
				d.errs.at(n, path, err.Error())
			}
		}
	}
	return fields
}

// fieldCause unwraps the FieldError Compile returns for a field, dropping
// the field's name from the front of the message: the key path says it.
func fieldCause(err error, name string) error {
	var fe *mapping.FieldError
	if !errors.As(err, &fe) || fe.Err == nil {
		return err
	}
	var se *mapping.SyntaxError
	if errors.As(fe.Err, &se) {
		return se
	}
	return errors.New(strings.TrimPrefix(fe.Err.Error(), strconv.Quote(name)+": "))
}

// mapField decodes one map entry: a string is a gjson path or, with "{{", a
// template; {value: X} and any other scalar are constants.
func (d *decoder) mapField(name string, n *yaml.Node, path string) (mapping.Field, bool) {
	n = resolve(n)
	if d.bad[n] {
		return mapping.Field{}, false
	}
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == tagStr:
		if n.Value == "" {
			d.errs.at(n, path, `empty expression (write {value: ""} for an empty string constant)`)
			return mapping.Field{}, false
		}
		return mapping.Field{Name: name, Expr: n.Value}, true
	case n.Kind == yaml.ScalarNode:
		raw, ok := d.toJSON(n, path)
		return mapping.Field{Name: name, Const: raw}, ok
	case n.Kind == yaml.MappingNode:
		f, ok := d.fields(n, path, constKeys)
		if !ok {
			return mapping.Field{}, false
		}
		v, ok := f["value"]
		if !ok { // {value: null} is a null constant, so presence is what counts
			d.errs.at(n, keyPath(path, "value"), "missing required key")
			return mapping.Field{}, false
		}
		raw, ok := d.toJSON(v.val, keyPath(path, "value"))
		return mapping.Field{Name: name, Const: raw}, ok
	default:
		d.errs.at(n, path, fmt.Sprintf("expected a source path, a template, a constant scalar or {value: ...}, got %s", describe(n)))
		return mapping.Field{}, false
	}
}

// where checks a filter expression.
func (d *decoder) where(n *yaml.Node, path string) string {
	s, ok := d.str(n, path, "a filter expression")
	if !ok || s == "" {
		return ""
	}
	if _, err := mapping.CompileFilter(s); err != nil {
		d.exprError(resolve(n), path, err)
	}
	return s
}

// exprError reports an expression error at the expression's value, moved to
// the failing character when the error is a SyntaxError and the scalar
// stands on one line exactly as written in the file.
func (d *decoder) exprError(n *yaml.Node, path string, err error) {
	var se *mapping.SyntaxError
	if errors.As(err, &se) {
		col := n.Column
		if off, ok := d.sourceOffset(n); ok && se.Offset >= 0 && se.Offset <= len(n.Value) {
			col += off + utf8.RuneCountInString(n.Value[:se.Offset])
		}
		d.errs.atPos(n.Line, col, path, se.Msg)
		return
	}
	d.errs.at(n, path, err.Error())
}

// sourceOffset returns how many characters after its column the text of
// scalar n starts (1 for the opening quote), if n is written on one line
// exactly as its value reads: plain, or quoted without escapes, and not
// changed by interpolation.
func (d *decoder) sourceOffset(n *yaml.Node) (int, bool) {
	if n.Line < 1 || n.Line > len(d.lines) || n.Column < 1 || strings.Contains(n.Value, "\n") {
		return 0, false
	}
	line := []rune(d.lines[n.Line-1])
	if n.Column-1 > len(line) {
		return 0, false
	}
	rest := string(line[n.Column-1:])
	switch {
	case n.Style == 0 && strings.HasPrefix(rest, n.Value):
		return 0, true
	case n.Style == yaml.SingleQuotedStyle && strings.HasPrefix(rest, "'"+n.Value+"'"):
		return 1, true
	case n.Style == yaml.DoubleQuotedStyle && strings.HasPrefix(rest, `"`+n.Value+`"`):
		return 1, true
	}
	return 0, false
}
