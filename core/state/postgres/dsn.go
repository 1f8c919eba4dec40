package postgres

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// defaultConnectTimeout bounds a connection attempt when the DSN sets none
// (pgx would otherwise wait on the operating system: minutes for a host
// that drops packets).
const defaultConnectTimeout = 10 * time.Second

// defaultIdleInTransaction is the default idle_in_transaction_session_timeout.
const defaultIdleInTransaction = "5s"

// parseDSN parses a DSN (a postgres:// URL or key=value pairs) into a pool
// config. Its errors never contain the DSN nor the password.
func parseDSN(dsn string) (*pgxpool.Config, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("no dsn given")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, parseError(dsn, err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "cxhub"
	}
	// No other startup parameter: a connection pooler refuses those it
	// does not know (PgBouncer: "unsupported startup parameter"). The
	// idle-in-transaction timeout is set in each transaction instead: see
	// beginQuery.
	return cfg, nil
}

// beginQuery starts each of the store's transactions. A worker paused in
// the middle of a commit (GC, SIGSTOP, a partition) holds its lease's row
// lock, which a takeover waits for (and an inbox append the inbox's
// lock): the server ends such a transaction after
// idle_in_transaction_session_timeout, and the paused worker's COMMIT then
// fails. cxhub's transactions never wait on the client otherwise. It is
// set per transaction (SET LOCAL, sent with BEGIN: no extra round trip)
// rather than as a startup parameter, which poolers refuse; the DSN's own
// idle_in_transaction_session_timeout, if it has one, is the value.
func beginQuery(cfg *pgxpool.Config) string {
	v, ok := cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"]
	if !ok {
		v = defaultIdleInTransaction
	}
	return "BEGIN; SET LOCAL idle_in_transaction_session_timeout = '" + strings.ReplaceAll(v, "'", "''") + "'"
}

// parseError says why a DSN does not parse, without repeating any of it.
// pgx's message quotes the DSN (masking the password only where it can
// find it), net/url's errors quote the part of the URL they stumble on
// (often inside the password), and a few of pgx's reasons quote a value:
// only a reason that quotes nothing is kept.
func parseError(dsn string, err error) error {
	const expected = "expected postgres://user:password@host:port/database?sslmode=... or host=... user=... dbname=..."
	reason := ""
	var ue *url.Error
	var pce *pgconn.ParseConfigError
	switch {
	case errors.As(err, &ue):
		reason = "it is not a valid URL"
	case errors.As(err, &pce):
		msg := pce.Error()
		if i := strings.LastIndex(msg, "`: "); i >= 0 {
			msg = msg[i+3:]
		}
		if !strings.ContainsAny(msg, "\"'`") && Scrub(msg, dsn) == msg {
			reason = msg
		}
	}
	const percentEncode = "percent-encode special characters in the user name and password: @ as %40, / as %2F, % as %25, # as %23"
	if strings.HasPrefix(reason, "failed to configure TLS") && strings.Contains(reason, "unable to") {
		// The DSN parsed: a file it names (sslrootcert, sslcert, sslkey)
		// cannot be read or used, which the reason says.
		return fmt.Errorf("the dsn's TLS settings (sslmode, sslrootcert, sslcert, sslkey) cannot be used: %s", reason)
	}
	switch {
	case reason == "" && strings.Contains(dsn, "://"):
		reason = percentEncode
	case reason == "":
		return fmt.Errorf("the dsn does not parse (%s)", expected)
	case rawUserinfo(dsn):
		// A / in the password ends the URL's authority early, and
		// pgx's reason ("invalid port") is about what follows.
		reason += "; " + percentEncode
	}
	return fmt.Errorf("the dsn does not parse (%s): %s", expected, reason)
}

// rawUserinfo reports whether a URL DSN's user:password@ part holds a
// character that must be percent-encoded there.
func rawUserinfo(dsn string) bool {
	_, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return false
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return false
	}
	userinfo := rest[:at]
	if strings.ContainsAny(userinfo, "/?#@[] ") {
		return true
	}
	_, err := url.PathUnescape(userinfo)
	return err != nil
}

// Secrets returns the secret parts of a DSN to redact from anything
// printed: its password as written (URL-escaped or quoted) and as meant.
// It returns nothing for a DSN without a password, and parses leniently:
// a DSN that does not parse still gives up what looks like its password.
// It never returns a mere part of the password (which, redacted from
// every log line, would garble them and hide nothing).
func Secrets(dsn string) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		for _, have := range out {
			if have == s {
				return
			}
		}
		out = append(out, s)
	}
	if i := strings.Index(dsn, "://"); i >= 0 {
		if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
			if pw, ok := u.User.Password(); ok {
				add(pw)
			}
			if q := u.Query().Get("password"); q != "" {
				add(q)
			}
		}
		for _, m := range queryPassword.FindAllStringSubmatch(dsn, -1) {
			add(m[1])
			if un, err := url.QueryUnescape(m[1]); err == nil {
				add(un)
			}
		}
		// user:password@ of a URL, even one that does not parse.
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				add(pw)
				if un, err := url.PathUnescape(pw); err == nil {
					add(un)
				}
			}
		}
	} else {
		for _, m := range keywordPassword.FindAllStringSubmatch(dsn, -1) {
			for _, g := range m[1:] {
				add(g)
				add(backslashEscape.ReplaceAllString(g, "$1"))
			}
		}
	}
	if len(out) > 0 {
		// The password as pgx reads it: what the DSN means, whatever the
		// lenient reading above made of it. (Only when the DSN has one:
		// pgx also takes $PGPASSWORD and the passfile.)
		if cfg, err := pgconn.ParseConfig(dsn); err == nil {
			add(cfg.Password)
		}
	}
	return out
}

// keywordPassword finds password=... in key=value pairs: quoted, or up to
// the next unescaped white space, as libpq reads it (so "ab&cd" and
// "ab\ cd" are one value).
var keywordPassword = regexp.MustCompile(`(?:^|\s)password\s*=\s*(?:'((?:[^'\\]|\\.)*)'|((?:[^\s'\\]|\\.)(?:[^\s\\]|\\.)*))`)

// queryPassword finds password=... in a URL's query, as written.
var queryPassword = regexp.MustCompile(`[?&]password=([^&#]*)`)

// backslashEscape is a backslash and the character it escapes.
var backslashEscape = regexp.MustCompile(`\\(.)`)

// Scrub replaces every secret of dsn (see Secrets), and dsn itself, in text.
func Scrub(text, dsn string) string {
	if dsn != "" {
		text = strings.ReplaceAll(text, dsn, "[dsn]")
	}
	for _, s := range Secrets(dsn) {
		text = strings.ReplaceAll(text, s, "[redacted]")
	}
	return text
}

// location names a database for people: a postgres:// URL with the user,
// host, port and database, never the password.
func location(cfg *pgconn.Config) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = url.PathEscape(host) // a unix socket directory
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	user := ""
	if cfg.User != "" {
		user = url.User(cfg.User).String() + "@"
	}
	return "postgres://" + user + host + ":" + strconv.Itoa(int(cfg.Port)) + "/" + url.PathEscape(cfg.Database)
}

// CheckDSN reports a DSN that does not parse, saying why without repeating
// any of it: what config loading calls, so that a bad DSN is reported with
// the file and line that hold it.
func CheckDSN(dsn string) error {
	_, err := parseDSN(dsn)
	return err
}
