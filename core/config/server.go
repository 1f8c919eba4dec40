package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

// Server is the `server:` section: how `cxhub serve` listens and who may
// call its API.
type Server struct {
	Listen   string  // host:port; default DefaultListen
	CertFile string  // TLS certificate (PEM); with KeyFile, the server speaks HTTPS
	KeyFile  string  // TLS private key (PEM)
	Tokens   []Token // API bearer tokens; none: the API refuses every call
	// Public lists the unauthenticated endpoints among healthz, readyz and
	// metrics; default all three. Those not listed need a viewer token.
	Public []string
	// MaxBodyBytes bounds a webhook request's body; default 5 MiB.
	MaxBodyBytes int64
	// WebhookTimeout bounds how long a webhook delivery may take, the
	// connector's verification included: past it the vendor gets 503 (and
	// retries), and a connector plugin that did not answer is taken for
	// hung and replaced. Default 10s, between 1s and 5m.
	WebhookTimeout time.Duration
	// LeaseTTL (server.lease.ttl) is how long a worker's lease on a
	// pipeline lasts without renewal; it is renewed every third of it.
	// Default 15s, between 1s and 10m. See docs/scale-out.md.
	LeaseTTL time.Duration
}

// Token is one API bearer token and the role it grants.
type Token struct {
	Name  string // for logs and the audit of actions
	Token string // the secret; from the environment (${...}) in practice
	Role  string // viewer (GET only) or operator (actions too)
}

// The roles a token grants.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
)

// Defaults of the server section.
const (
	DefaultListen         = "127.0.0.1:8080"
	DefaultMaxBodyBytes   = 5 << 20
	DefaultLeaseTTL       = 15 * time.Second
	DefaultWebhookTimeout = 10 * time.Second
)

// Monitor is the `monitor:` section: what the service watches and whom it
// tells. Every threshold can be overridden per pipeline (a pipeline's
// `monitor:`) or connection (a connection's `check_interval`).
type Monitor struct {
	// CheckInterval is how often each connection's Check runs; default 5m.
	CheckInterval time.Duration
	// CheckFailures is how many consecutive failed checks raise an alert;
	// default 3.
	CheckFailures int
	// Staleness is how long a pipeline may go without a successful run
	// before an alert; 0 means: three of its schedule intervals (at least
	// 15 minutes), and no staleness alert for an unscheduled pipeline.
	Staleness time.Duration
	// ErrorRate is the share of a run's records dead-lettered (0 to 1) that
	// raises an alert; default 0.2.
	ErrorRate float64
	// DeadLetters is the number of pending dead letters of a pipeline that
	// raises an alert; default 100.
	DeadLetters int
	// HangTimeout is how long a plugin may make no progress before it is
	// taken for hung, killed, restarted and alerted on; default 5m.
	HangTimeout time.Duration
	// Receivers get every alert and its resolution as a signed JSON POST.
	Receivers []Receiver
}

// Receiver is an alert receiver: a URL that gets signed JSON POSTs.
type Receiver struct {
	Name   string
	URL    string
	Secret string // signs each POST (HMAC-SHA256); a receiver without one gets unsigned POSTs
}

// PipelineMonitor overrides the monitor's thresholds for one pipeline;
// zero values keep the monitor's.
type PipelineMonitor struct {
	Staleness   time.Duration
	ErrorRate   float64
	DeadLetters int
}

// Defaults of the monitor section.
const (
	DefaultCheckInterval = 5 * time.Minute
	DefaultCheckFailures = 3
	DefaultErrorRate     = 0.2
	DefaultDeadLetters   = 100
	DefaultHangTimeout   = 5 * time.Minute
)

var (
	serverKeys     = []string{"listen", "cert_file", "key_file", "tokens", "public", "max_body_bytes", "webhook_timeout", "lease"}
	leaseKeys      = []string{"ttl"}
	tokenKeys      = []string{"name", "token", "role"}
	roles          = []string{RoleViewer, RoleOperator}
	publicPaths    = []string{"healthz", "readyz", "metrics"}
	monitorKeys    = []string{"check_interval", "check_failures", "staleness", "error_rate", "dead_letters", "hang_timeout", "receivers"}
	receiverKeys   = []string{"name", "url", "secret"}
	pipeMonitorKey = []string{"staleness", "error_rate", "dead_letters"}
)

// server decodes the server section.
func (d *decoder) server(n *yaml.Node, c *Config) {
	const path = "server"
	c.Server = Server{Listen: DefaultListen, Public: publicPaths, MaxBodyBytes: DefaultMaxBodyBytes, LeaseTTL: DefaultLeaseTTL,
		WebhookTimeout: DefaultWebhookTimeout}
	if isNull(n) {
		return
	}
	f, ok := d.fields(n, path, serverKeys)
	if !ok {
		return
	}
	if v, ok := f["listen"]; ok && !isNull(v.val) {
		if s, ok := d.nonEmpty(v.val, keyPath(path, "listen"), `a host:port like "127.0.0.1:8080"`); ok {
			if msg := listenProblem(s); msg != "" {
				d.errs.at(resolve(v.val), keyPath(path, "listen"), msg)
			} else {
				c.Server.Listen = s
			}
		}
	}
	d.tlsFiles(n, path, f, &c.Server)
	if v, ok := f["tokens"]; ok && !isNull(v.val) {
		c.Server.Tokens = d.tokens(v.val, keyPath(path, "tokens"))
	}
	if v, ok := f["public"]; ok {
		c.Server.Public = d.stringList(v.val, keyPath(path, "public"), publicPaths)
	}
	if v, ok := f["max_body_bytes"]; ok && !isNull(v.val) {
		if b, ok := d.integer(v.val, keyPath(path, "max_body_bytes"), 1024, 1<<30); ok {
			c.Server.MaxBodyBytes = int64(b)
		}
	}
	if v, ok := f["webhook_timeout"]; ok && !isNull(v.val) {
		if t, ok := d.durationWithin(v.val, keyPath(path, "webhook_timeout"), time.Second, 5*time.Minute, "vendors give up on a webhook long before"); ok {
			c.Server.WebhookTimeout = t
		}
	}
	if v, ok := f["lease"]; ok && !isNull(v.val) {
		lpath := keyPath(path, "lease")
		if lf, ok := d.fields(v.val, lpath, leaseKeys); ok {
			if t, ok := lf["ttl"]; ok && !isNull(t.val) {
				if ttl, ok := d.durationWithin(t.val, keyPath(lpath, "ttl"), time.Second, 10*time.Minute, "a dead worker's pipelines wait that long"); ok {
					c.Server.LeaseTTL = ttl
				}
			}
		}
	}
}

// listenProblem says what is wrong with a server.listen address, or "" if
// nothing is: it must be a host:port (the host may be empty: every
// interface) with a port number from 0 to 65535 (0: any free port).
func listenProblem(s string) string {
	const want = `expected a host:port like "127.0.0.1:8080"`
	_, port, err := net.SplitHostPort(s)
	if err != nil || port == "" {
		return fmt.Sprintf("%s, got %q", want, s)
	}
	if !isDigits(port) {
		return fmt.Sprintf("%s, got %q (the port %q is not a number)", want, s, port)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Sprintf("%s, got %q (the port must be from 0 to 65535)", want, s)
	}
	return ""
}

// isDigits reports whether s is made of ASCII digits only.
func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// tlsFiles decodes server.cert_file and server.key_file: both or neither,
// each an existing file, together a certificate and its private key, so
// that serve does not find out only when it starts listening.
func (d *decoder) tlsFiles(n *yaml.Node, path string, f map[string]pair, s *Server) {
	ok := map[string]bool{}
	for _, k := range []struct {
		key string
		dst *string
	}{{"cert_file", &s.CertFile}, {"key_file", &s.KeyFile}} {
		v, set := f[k.key]
		if !set || isNull(v.val) {
			continue
		}
		name, good := d.nonEmpty(v.val, keyPath(path, k.key), "a file path")
		if !good {
			continue
		}
		*k.dst = d.abs(name)
		if info, err := os.Stat(*k.dst); err != nil {
			d.errs.at(resolve(v.val), keyPath(path, k.key), fmt.Sprintf("expected a PEM file, got %q: %v", name, errors.Unwrap(err)))
		} else if !info.Mode().IsRegular() {
			d.errs.at(resolve(v.val), keyPath(path, k.key), fmt.Sprintf("expected a PEM file, got %q, which is not a regular file", name))
		} else {
			ok[k.key] = true
		}
	}
	if (s.CertFile == "") != (s.KeyFile == "") {
		d.errs.at(resolve(n), path, "cert_file and key_file go together: set both for TLS, or neither")
		return
	}
	if ok["cert_file"] && ok["key_file"] {
		if _, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile); err != nil {
			d.errs.at(resolve(f["cert_file"].val), keyPath(path, "cert_file"), fmt.Sprintf("expected a PEM certificate matching key_file: %v", err))
		}
	}
}

// tokens decodes the API tokens list.
func (d *decoder) tokens(n *yaml.Node, path string) []Token {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		d.errs.at(n, path, fmt.Sprintf("expected a list of tokens ({name, token, role}), got %s", describe(n)))
		return nil
	}
	var out []Token
	seen := map[string]int{}
	for i, item := range n.Content {
		ipath := indexPath(path, i)
		f, ok := d.fields(item, ipath, tokenKeys)
		if !ok {
			continue
		}
		if !d.require(item, ipath, f, "name", "token", "role") {
			continue
		}
		var t Token
		var ok1, ok2, ok3 bool
		t.Name, ok1 = d.name(f["name"].val, keyPath(ipath, "name"), "token")
		t.Token, ok2 = d.nonEmpty(f["token"].val, keyPath(ipath, "token"), "a secret token")
		t.Role, ok3 = d.oneOf(f["role"].val, keyPath(ipath, "role"), roles)
		if ok2 && len(t.Token) < 16 {
			d.errs.at(resolve(f["token"].val), keyPath(ipath, "token"), "expected a token of at least 16 characters (a short token is guessable)")
			ok2 = false
		}
		if line, dup := seen[t.Name]; dup && ok1 {
			d.errs.at(resolve(f["name"].val), keyPath(ipath, "name"), fmt.Sprintf("duplicate token name %q (first at line %d)", t.Name, line))
			continue
		}
		seen[t.Name] = resolve(f["name"].val).Line
		if ok1 && ok2 && ok3 {
			out = append(out, t)
		}
	}
	return out
}

// stringList decodes a list of strings, each one of allowed.
func (d *decoder) stringList(n *yaml.Node, path string, allowed []string) []string {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errs.at(n, path, fmt.Sprintf("expected a list of %s, got %s", alternatives(allowed), describe(n)))
		return nil
	}
	var out []string
	for i, item := range n.Content {
		if s, ok := d.oneOf(item, indexPath(path, i), allowed); ok {
			out = append(out, s)
		}
	}
	return out
}

// monitor decodes the monitor section.
func (d *decoder) monitor(n *yaml.Node, c *Config) {
	const path = "monitor"
	c.Monitor = Monitor{CheckInterval: DefaultCheckInterval, CheckFailures: DefaultCheckFailures,
		ErrorRate: DefaultErrorRate, DeadLetters: DefaultDeadLetters, HangTimeout: DefaultHangTimeout}
	if isNull(n) {
		return
	}
	f, ok := d.fields(n, path, monitorKeys)
	if !ok {
		return
	}
	set := func(key string, fn func(v *yaml.Node, p string)) {
		if v, ok := f[key]; ok && !isNull(v.val) {
			fn(v.val, keyPath(path, key))
		}
	}
	set("check_interval", func(v *yaml.Node, p string) {
		if x, ok := d.duration(v, p, time.Second); ok {
			c.Monitor.CheckInterval = x
		}
	})
	set("check_failures", func(v *yaml.Node, p string) {
		if x, ok := d.integer(v, p, 1, 1000); ok {
			c.Monitor.CheckFailures = x
		}
	})
	set("staleness", func(v *yaml.Node, p string) {
		if x, ok := d.duration(v, p, time.Second); ok {
			c.Monitor.Staleness = x
		}
	})
	set("error_rate", func(v *yaml.Node, p string) {
		if x, ok := d.rate(v, p); ok {
			c.Monitor.ErrorRate = x
		}
	})
	set("dead_letters", func(v *yaml.Node, p string) {
		if x, ok := d.integer(v, p, 1, 1<<30); ok {
			c.Monitor.DeadLetters = x
		}
	})
	set("hang_timeout", func(v *yaml.Node, p string) {
		if x, ok := d.duration(v, p, time.Second); ok {
			c.Monitor.HangTimeout = x
		}
	})
	set("receivers", func(v *yaml.Node, p string) { c.Monitor.Receivers = d.receivers(v, p) })
}

// receivers decodes the alert receivers list.
func (d *decoder) receivers(n *yaml.Node, path string) []Receiver {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		d.errs.at(n, path, fmt.Sprintf("expected a list of receivers ({name, url, secret}), got %s", describe(n)))
		return nil
	}
	var out []Receiver
	seen := map[string]int{}
	for i, item := range n.Content {
		ipath := indexPath(path, i)
		f, ok := d.fields(item, ipath, receiverKeys)
		if !ok || !d.require(item, ipath, f, "name", "url") {
			continue
		}
		var r Receiver
		var ok1, ok2 bool
		r.Name, ok1 = d.name(f["name"].val, keyPath(ipath, "name"), "receiver")
		if line, dup := seen[r.Name]; dup && ok1 {
			// The monitor remembers which receivers were told of an alert
			// by name: the second of two receivers of one name would never be.
			d.errs.at(resolve(f["name"].val), keyPath(ipath, "name"), fmt.Sprintf("duplicate receiver name %q (first at line %d)", r.Name, line))
			continue
		}
		if ok1 {
			seen[r.Name] = resolve(f["name"].val).Line
		}
		r.URL, ok2 = d.nonEmpty(f["url"].val, keyPath(ipath, "url"), "an http:// or https:// URL")
		if ok2 && !(hasPrefix(r.URL, "http://") || hasPrefix(r.URL, "https://")) {
			d.errs.at(resolve(f["url"].val), keyPath(ipath, "url"), fmt.Sprintf("expected an http:// or https:// URL, got %q", r.URL))
			ok2 = false
		}
		if v, ok := f["secret"]; ok && !isNull(v.val) {
			r.Secret, _ = d.nonEmpty(v.val, keyPath(ipath, "secret"), "a secret")
		}
		if ok1 && ok2 {
			out = append(out, r)
		}
	}
	return out
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// rate decodes a share from 0 to 1.
func (d *decoder) rate(n *yaml.Node, path string) (float64, bool) {
	const what = "a share from 0 to 1, like 0.2"
	s := d.scalar(n, path, what, tagInt, tagFloat)
	if s == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(s.Value, 64)
	if err != nil || v < 0 || v > 1 {
		d.errs.at(s, path, fmt.Sprintf("expected %s, got %s", what, describe(s)))
		return 0, false
	}
	return v, true
}

// pipelineMonitor decodes a pipeline's monitor overrides.
func (d *decoder) pipelineMonitor(n *yaml.Node, path string) PipelineMonitor {
	var m PipelineMonitor
	f, ok := d.fields(n, path, pipeMonitorKey)
	if !ok {
		return m
	}
	if v, ok := f["staleness"]; ok && !isNull(v.val) {
		m.Staleness, _ = d.duration(v.val, keyPath(path, "staleness"), time.Second)
	}
	if v, ok := f["error_rate"]; ok && !isNull(v.val) {
		m.ErrorRate, _ = d.rate(v.val, keyPath(path, "error_rate"))
	}
	if v, ok := f["dead_letters"]; ok && !isNull(v.val) {
		m.DeadLetters, _ = d.integer(v.val, keyPath(path, "dead_letters"), 1, 1<<30)
	}
	return m
}

// cronParser reads the five-field cron expressions of `schedule:` and the
// descriptors (@hourly, @daily, @every 5m...).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseCron parses a cron schedule as the config accepts it.
func ParseCron(expr string) (cron.Schedule, error) { return cronParser.Parse(expr) }

// schedule decodes a pipeline's schedule: a duration ("5m": run again 5
// minutes after each run ends) or a cron expression ("*/15 * * * *",
// "@hourly": run at those times).
func (d *decoder) schedule(n *yaml.Node, path string, p *Pipeline) {
	const what = `a duration like "5m" or a cron expression like "*/15 * * * *" or "@hourly"`
	s := d.scalar(n, path, what, tagStr, tagInt, tagFloat)
	if s == nil {
		return
	}
	if v, err := time.ParseDuration(s.Value); err == nil {
		if v < time.Second {
			d.errs.at(s, path, fmt.Sprintf("expected a schedule of at least 1s, got %s", describe(s)))
			return
		}
		p.Schedule = v
		return
	}
	sched, err := ParseCron(s.Value)
	if err != nil {
		hint := durationHint(s.Value)
		switch {
		case hint != "":
		case len(strings.Fields(s.Value)) == 6:
			hint = fmt.Sprintf("as cron: %v; there is no seconds field: minute, hour, day of month, month, day of week", err)
		default:
			hint = fmt.Sprintf("as cron: %v", err)
		}
		d.errs.at(s, path, fmt.Sprintf("expected %s, got %s (%s)", what, describe(s), hint))
		return
	}
	if every, ok := strings.CutPrefix(strings.TrimSpace(s.Value), "@every "); ok {
		if v, err := time.ParseDuration(strings.TrimSpace(every)); err == nil && v < time.Second {
			d.errs.at(s, path, fmt.Sprintf("expected a schedule of at least 1s, got %s (cron would run it every second)", describe(s)))
			return
		}
	}
	if sched.Next(time.Now()).IsZero() {
		// The cron library looks five years ahead; a day that never comes
		// (31 February, 30 February) would leave the pipeline waiting forever.
		d.errs.at(s, path, fmt.Sprintf("cron schedule %s never fires (no matching time in the next five years: does the day of the month exist in that month?)", describe(s)))
		return
	}
	p.Cron = s.Value
}

// jitterWithin refuses a jitter longer than the pipeline's interval
// schedule: each run would then wait longer, at random, than the interval
// it was meant to keep. A cron schedule's gaps vary, so its jitter is not
// bounded here.
func (d *decoder) jitterWithin(n *yaml.Node, path string, p *Pipeline) {
	if p.JitterSet && p.Schedule > 0 && p.Jitter > p.Schedule {
		d.errs.at(resolve(n), path, fmt.Sprintf("expected a jitter of at most the schedule's interval (%s), got %s", p.Schedule, p.Jitter))
	}
}
