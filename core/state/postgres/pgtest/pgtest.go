// Package pgtest starts a real, throw-away PostgreSQL server for tests: the
// Debian packages' binaries (initdb, postgres), a data directory in a fresh
// temporary directory, a unix socket there and a free 127.0.0.1 port, no
// fsync. Each test gets its own database on it. It is a test helper: only
// tests import it.
//
// PostgreSQL refuses to run as root, so when the tests run as root the
// server runs as the "postgres" system user the Debian package creates
// (the child process gets that user's credentials; nothing is installed or
// changed outside the temporary directory).
//
// When the binaries are missing the tests FAIL — they never skip — with
// the message of ErrNotInstalled, which says how to install them.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotInstalled is matched (errors.Is) by Start's error when no
// PostgreSQL server binaries are found.
var ErrNotInstalled = errors.New("PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin, $CXHUB_PG_BIN or PATH: " +
	"install them with `make deps` (as root with apt: apt-get update && apt-get install -y postgresql), " +
	"or point CXHUB_PG_BIN at a directory holding initdb and postgres")

// Superuser is the bootstrap superuser's name. It connects through the unix
// socket without a password; over TCP every role needs its password.
const Superuser = "cxhub_test"

// Server is a running PostgreSQL server.
type Server struct {
	dir  string // the temporary directory: data/ and the socket
	port int    // 127.0.0.1 port, also in the socket's name
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	err  error         // cmd's exit, once done
	dbs  atomic.Int64
}

// binDir finds the directory holding initdb and postgres.
func binDir() (string, error) {
	has := func(dir string) bool {
		for _, b := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, b)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv("CXHUB_PG_BIN"); dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("CXHUB_PG_BIN=%s: %w", dir, ErrNotInstalled)
	}
	// Debian installs one directory per major version: take the newest.
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", ErrNotInstalled
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// credential returns who the server runs as: the postgres system user when
// we are root (initdb and postgres refuse root), nil (ourselves) otherwise.
func credential() (*syscall.Credential, int, int, error) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user to run as, and there is no \"postgres\" user (the Debian package creates it: apt-get install -y postgresql): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
}

// Start initialises a cluster in a new temporary directory and starts a
// server on it. Stop stops it and removes the directory.
func Start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, uid, gid, err := credential()
	if err != nil {
		return nil, err
	}
	// Not t.TempDir: its parent is private to us, and the server's user
	// must reach the directory.
	dir, err := os.MkdirTemp("", "cxhub-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, done: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			s.Stop()
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	var out strings.Builder
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", Superuser,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Stdout, initdb.Stderr = &out, &out
	initdb.Dir = dir
	if err := initdb.Run(); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out.String())
	}
	if s.port, err = freePort(); err != nil {
		return nil, err
	}
	var log strings.Builder
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-k", dir, "-p", strconv.Itoa(s.port), "-c", "listen_addresses=127.0.0.1",
		// A test server: nothing needs to survive a crash of the machine.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=32MB", "-c", "max_connections=200", "-c", "logging_collector=off")
	// If the test binary dies, so does the server (Go sets the signal
	// after switching user, so it survives the switch).
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	s.cmd.Stdout, s.cmd.Stderr = &log, &log
	s.cmd.Dir = dir
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: start postgres: %w", err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		return nil, fmt.Errorf("pgtest: %w\n%s", err, log.String())
	}
	ok = true
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady connects until the server answers, it exits, or d passes.
func (s *Server) waitReady(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, s.DSN("postgres"))
		cancel()
		if err == nil {
			return c.Close(context.Background())
		}
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited: %v", s.err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within %s: %w", d, err)
		}
	}
}

// Stop stops the server (fast shutdown) and removes its directory. It is
// safe to call more than once.
func (s *Server) Stop() error {
	var err error
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
			err = errors.New("pgtest: postgres did not stop within 20s: killed")
		}
	}
	if s.dir != "" {
		if rmErr := os.RemoveAll(s.dir); rmErr != nil && err == nil {
			err = fmt.Errorf("pgtest: %w", rmErr)
		}
		s.dir = ""
	}
	return err
}

// DSN is a connection string for the superuser to database db, through
// the unix socket (no password).
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", s.dir, s.port, Superuser, db)
}

// TCPDSN is a connection string over 127.0.0.1, where passwords are checked.
func (s *Server) TCPDSN(user, password, db string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", user, password, s.port, db)
}

// Port is the server's 127.0.0.1 port.
func (s *Server) Port() int { return s.port }

// Exec runs statements as the superuser in database db.
func (s *Server) Exec(ctx context.Context, db string, stmts ...string) error {
	c, err := pgx.Connect(ctx, s.DSN(db))
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	for _, q := range stmts {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// NewDatabase creates an empty database for one test, dropped when the
// test ends, and returns its superuser DSN (unix socket).
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d", s.dbs.Add(1))
	ctx := context.Background()
	// FILE_COPY (PostgreSQL 15 and later) copies the template's files
	// rather than WAL-logging every block: some three times faster with
	// fsync off. Older servers do not know the option.
	err := s.Exec(ctx, "postgres", "CREATE DATABASE "+name+" STRATEGY FILE_COPY TEMPLATE template0")
	if err != nil && strings.Contains(strings.ToLower(err.Error()), "strategy") {
		err = s.Exec(ctx, "postgres", "CREATE DATABASE "+name+" TEMPLATE template0")
	}
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Exec(ctx, "postgres", "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.DSN(name)
}

// Main starts a server for a test binary, sets *srv, runs the tests and
// stops the server. Use it from TestMain:
//
//	var srv *pgtest.Server
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &srv)) }
//
// If the server cannot start, every test fails with why (and how to
// install PostgreSQL): it never skips.
func Main(m *testing.M, srv **Server) int {
	s, err := Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start PostgreSQL for the tests: %v\n", err)
		return 1
	}
	*srv = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// StartT starts a server for one test and stops it when the test ends; the
// test fails (never skips) if it cannot start.
func StartT(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatalf("cannot start PostgreSQL for the test: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}
