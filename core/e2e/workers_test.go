package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/cxhub/cxhub/core/internal/testfiles"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/postgres"
	"github.com/cxhub/cxhub/core/state/postgres/pgtest"
)

// Several cxhub serve workers on one config and one PostgreSQL database
// (a real server from Debian's binaries, started by the test): they share
// the pipelines under leases, every write fenced by the lease's token.

// leaseTTL is the workers' lease in these tests: short, so that failover
// is quick, yet long enough for renewals on a loaded machine.
const leaseTTL = 3 * time.Second

// workersConfig is the shared config: every worker reads its port and id
// from its environment; %[1]s holds the connections, %[2]s the pipelines.
const workersConfig = `version: 1
state: {driver: postgres, dsn: "${CXHUB_TEST_DSN}"}
plugins: {dir: {{plugins}}}
server:
  listen: "127.0.0.1:${CXHUB_TEST_PORT}"
  lease: {ttl: 3s}
  tokens:
    - {name: ops, token: ` + operatorToken + `, role: operator}
connections:
  in:  {connector: file, config: {dir: in}}
  out: {connector: file, config: {dir: out}}
%[1]s
pipelines:
%[2]s`

// cluster is N workers sharing one config and one database.
type cluster struct {
	t     *testing.T
	w     *workspace
	dsn   string
	ports []int
	procs []*running
	logs  []*testfiles.SyncBuffer // every worker process's log, in start order
	st    state.Store             // read-only, for the test's checks
}

func newCluster(t *testing.T, n int, connections, pipelines string) *cluster {
	t.Helper()
	pg := pgtest.StartT(t)
	c := &cluster{t: t, dsn: pg.NewDatabase(t), procs: make([]*running, n)}
	c.w = newWorkspace(t, fmt.Sprintf(workersConfig, connections, pipelines))
	for range n {
		c.ports = append(c.ports, freePort(t))
	}
	return c
}

// id is worker i's id.
func (c *cluster) id(i int) string { return fmt.Sprintf("w%d", i+1) }

func (c *cluster) api(i int) api {
	return api{t: c.t, base: fmt.Sprintf("http://127.0.0.1:%d", c.ports[i])}
}

// start starts worker i and waits until it is ready.
func (c *cluster) start(i int) {
	c.t.Helper()
	r := c.launch(i, c.id(i))
	c.procs[i] = r
	a := c.api(i)
	waitFor(c.t, "worker "+c.id(i)+" to be ready", time.Minute, func() bool {
		if r.exited() {
			c.t.Fatalf("worker %s exited:\n%s", c.id(i), r.mustWait(time.Second))
		}
		return ready(a)
	})
}

// launch starts a cxhub serve on worker i's port with worker id id, killed
// at the test's end if still running.
func (c *cluster) launch(i int, id string) *running {
	c.t.Helper()
	cmd, _, _ := c.w.command("serve")
	stdout, stderr := &testfiles.SyncBuffer{}, &testfiles.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Env = append(os.Environ(), c.env(i)...)
	cmd.Env = append(cmd.Env, "CXHUB_WORKER_ID="+id)
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	r := &running{t: c.t, cmd: cmd, stdout: stdout, stderr: stderr, done: make(chan error, 1)}
	c.logs = append(c.logs, stderr)
	go func() { r.done <- cmd.Wait() }()
	c.t.Cleanup(func() {
		if r.res == nil {
			_ = cmd.Process.Kill()
			r.wait(time.Minute)
		}
		c.dumpLog(i, stderr)
	})
	return r
}

// env is the environment worker i's config reads (its database and port).
func (c *cluster) env(i int) []string {
	return []string{"CXHUB_TEST_DSN=" + c.dsn, fmt.Sprintf("CXHUB_TEST_PORT=%d", c.ports[i])}
}

// cli runs a cxhub command (not serve) on the cluster's config and
// database, to its end.
func (c *cluster) cli(args ...string) result {
	c.t.Helper()
	return c.w.cxhubEnv(c.env(0), args...)
}

// dumpLog, when the test failed, keeps worker i's log in a file outside
// the test's temporary directory and shows its end.
func (c *cluster) dumpLog(i int, log *testfiles.SyncBuffer) {
	if !c.t.Failed() {
		return
	}
	text := log.String()
	f, err := os.CreateTemp("", fmt.Sprintf("cxhub-%s-%s-*.log", c.t.Name(), c.id(i)))
	if err == nil {
		_, _ = f.WriteString(text)
		f.Close()
		c.t.Logf("worker %s's log: %s", c.id(i), f.Name())
	}
	if lines := strings.Split(text, "\n"); len(lines) > 40 {
		text = strings.Join(lines[len(lines)-40:], "\n")
	}
	c.t.Logf("worker %s's log ends:\n%s", c.id(i), text)
}

// ready reports whether the worker behind a answers /readyz with 200.
func ready(a api) bool {
	resp, err := http.Get(a.base + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// store opens the database read-only, once.
func (c *cluster) store() state.Store {
	c.t.Helper()
	if c.st == nil {
		st, err := postgres.OpenReadOnly(context.Background(), c.dsn)
		if err != nil {
			c.t.Fatal(err)
		}
		c.t.Cleanup(func() { st.Close() })
		c.st = st
	}
	return c.st
}

// holders returns the holder (a worker's id) and token of each pipeline's
// unexpired lease.
func (c *cluster) holders() map[string]state.Lease {
	c.t.Helper()
	leases, err := c.store().Leases(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[string]state.Lease{}
	for _, l := range leases {
		if l.Holder != "" && l.ExpiresAt.After(time.Now()) {
			l.Holder = l.HolderID() // the worker's id, without its instance
			out[l.Pipeline] = l
		}
	}
	return out
}

// workerView is a worker as GET /api/v1/workers shows it.
type workerView struct {
	ID        string
	Live      bool
	Pipelines []string
}

func (c *cluster) workers(i int) map[string]workerView {
	c.t.Helper()
	var ws []workerView
	if err := json.Unmarshal([]byte(c.api(i).must("GET", "/api/v1/workers", operatorToken, nil, 200)), &ws); err != nil {
		c.t.Fatal(err)
	}
	out := map[string]workerView{}
	for _, w := range ws {
		out[w.ID] = w
	}
	return out
}

// runsOfPipeline lists a pipeline's runs, oldest first.
func (c *cluster) runsOfPipeline(p string) []state.Run {
	c.t.Helper()
	runs, err := c.store().Runs(context.Background(), state.RunFilter{Pipeline: p, Limit: 100000})
	if err != nil {
		c.t.Fatal(err)
	}
	slices.Reverse(runs)
	return runs
}

// noOverlappingRuns fails the test if two runs of a pipeline overlap in
// the runs table (see overlaps). takenOver are the pipelines the test took
// from a worker on purpose (killed, paused past its lease): there a run
// the store closed when the next one started is expected. So it is on a
// pipeline whose lease a worker logged it lost (a renewal refused: on a
// loaded machine a stall longer than the ttl does it), since that worker
// stopped its run and could commit nothing more of it.
func (c *cluster) noOverlappingRuns(pipelines []string, takenOver ...string) {
	c.t.Helper()
	if lost := c.leasesLost(); len(lost) > 0 {
		c.t.Logf("leases a worker lost (its run then closed by the next holder's): %v", lost)
		takenOver = append(takenOver, lost...)
	}
	for _, p := range pipelines {
		for _, o := range overlaps(c.runsOfPipeline(p), slices.Contains(takenOver, p)) {
			c.t.Errorf("pipeline %s: %s", p, o)
		}
	}
}

// lostLease matches a worker's log line saying it lost a pipeline's lease,
// failed to renew it (then it lets the lease go at its local expiry), or
// had a run cut short because the lease ran out before its renewal (the
// run's end may then stay unrecorded until the next run closes it).
var lostLease = regexp.MustCompile(`msg="(?:lease lost|renew lease failed|run cut short)[^"]*" pipeline=(\S+)`)

// leasesLost returns the pipelines whose lease a worker logged it lost.
func (c *cluster) leasesLost() []string {
	var out []string
	for _, l := range c.logs {
		for _, m := range lostLease.FindAllStringSubmatch(l.String(), -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// overlaps describes each pair of one pipeline's runs that ran at once:
// a run's interval is [StartedAt, FinishedAt], and one still running has
// no end. Nor has, unless takenOver, a run the store closed because the
// next run started while it was still recorded running
// (state.AbandonedRunError): the store then sets its end to the next
// run's start, which would hide that the two ran at once.
func overlaps(runs []state.Run, takenOver bool) []string {
	runs = slices.Clone(runs)
	slices.SortStableFunc(runs, func(a, b state.Run) int { return a.StartedAt.Compare(b.StartedAt) })
	var out []string
	for i, a := range runs {
		end, open := a.FinishedAt, a.FinishedAt.IsZero() || (a.Error == state.AbandonedRunError && !takenOver)
		for _, b := range runs[i+1:] {
			if open || end.After(b.StartedAt) {
				out = append(out, fmt.Sprintf("run %d (%s, %v → %v) overlaps run %d (started %v)", a.ID, a.Status,
					a.StartedAt, a.FinishedAt, b.ID, b.StartedAt))
			}
		}
	}
	return out
}

// writeInput appends records from..to-1 to in/<stream>.jsonl.
func writeInput(t *testing.T, w *workspace, stream string, from, to int) {
	t.Helper()
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, `{"id":"%s-%05d","seq":%d}`+"\n", stream, i, i)
	}
	if from == 0 {
		if err := os.MkdirAll(w.path("in"), 0o755); err != nil {
			t.Fatal(err)
		}
		w.write("in/"+stream+".jsonl", b.String())
		return
	}
	w.appendTo("in/"+stream+".jsonl", b.String())
}

// exactCopy reports whether out/<stream>.jsonl holds records 0..n-1 of the
// stream, each on exactly one line, and nothing else (lines blanked by the
// file destination, all spaces, are no lines).
func exactCopy(t *testing.T, w *workspace, stream string, n int) (bool, string) {
	t.Helper()
	return exactCopyAt(t, w, stream, n, 0)
}

// exactCopyAt is exactCopy with every record at version v (its "v"; none
// is 0).
func exactCopyAt(t *testing.T, w *workspace, stream string, n, v int) (bool, string) {
	t.Helper()
	b, err := os.ReadFile(w.path("out/" + stream + ".jsonl"))
	if os.IsNotExist(err) {
		return n == 0, "no file"
	}
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for line := range strings.Lines(string(b)) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec struct {
			ID     string
			Seq, V int
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return false, fmt.Sprintf("line %q: %v", line, err)
		}
		if rec.ID != fmt.Sprintf("%s-%05d", stream, rec.Seq) || rec.Seq < 0 || rec.Seq >= n {
			return false, "unexpected record " + line
		}
		if rec.V != v {
			return false, fmt.Sprintf("%s at version %d, want %d", rec.ID, rec.V, v)
		}
		if seen[rec.ID] {
			return false, "duplicate line for " + rec.ID
		}
		seen[rec.ID] = true
	}
	if len(seen) != n {
		return false, fmt.Sprintf("%d records, want %d", len(seen), n)
	}
	return true, ""
}

// writeVersion appends version v of records 0..n-1 to in/<stream>.jsonl:
// an update of each.
func writeVersion(t *testing.T, w *workspace, stream string, n, v int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"%s-%05d","seq":%d,"v":%d}`+"\n", stream, i, i, v)
	}
	w.appendTo("in/"+stream+".jsonl", b.String())
}

func copyPipelines(names []string, batch int) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "  - {name: %[1]s, from: {connection: in, stream: %[1]s}, to: {connection: out, stream: %[1]s}, map: {id: id, seq: seq}, schedule: 1s, jitter: 0s, batch_size: %[2]d}\n", n, batch)
	}
	return b.String()
}

// TestWorkersShareAndFailOver: three workers on thirty pipelines run each
// of them, never one twice at once (the runs table), and spread them; a
// worker SIGKILLed in the middle of runs has its pipelines resume on the
// others within 30 s, from their checkpoints, the destinations exact;
// when it comes back it gets its share again.
func TestWorkersShareAndFailOver(t *testing.T) {
	var names []string
	// Thirty, issue 22's figure: 48 s on 2 cores at a load of about 8,
	// up to 100 s under heavy load, where stalls longer than the 3 s leases
	// make workers lose leases (the old code too); noOverlappingRuns then
	// accepts the takeovers the workers logged.
	for i := 1; i <= 30; i++ {
		names = append(names, fmt.Sprintf("p%02d", i))
	}
	c := newCluster(t, 3, "", copyPipelines(names, 10))
	const first = 100
	for _, n := range names {
		writeInput(t, c.w, n, 0, first)
	}
	for i := range 3 {
		c.start(i)
	}
	waitFor(t, "every pipeline to copy its input", 2*time.Minute, func() bool {
		for _, n := range names {
			if ok, _ := exactCopy(t, c.w, n, first); !ok {
				return false
			}
		}
		return true
	})

	// Spread: each live worker holds some pipelines, none is held twice,
	// and the API's pipelines say who runs them. The workers' own lists
	// and the API's (the store's leases) are read at different moments: on
	// a loaded machine a lease can lapse and be taken again between them
	// (the tests' ttl is 3 s), so the check waits for a moment when they
	// agree, and fails with the last disagreement if none comes.
	var byWorker map[string]workerView
	var disagreement []string
	spreadAndAgreed := func() bool {
		disagreement = nil
		byWorker = c.workers(0)
		total := 0
		for i := range 3 {
			w := byWorker[c.id(i)]
			if !w.Live || len(w.Pipelines) == 0 {
				disagreement = append(disagreement, fmt.Sprintf("worker %s: live %t, %d pipelines", c.id(i), w.Live, len(w.Pipelines)))
			}
			total += len(w.Pipelines)
		}
		seen := map[string]string{}
		for id, w := range byWorker {
			for _, p := range w.Pipelines {
				if other, dup := seen[p]; dup {
					disagreement = append(disagreement, fmt.Sprintf("pipeline %s held by %s and %s", p, other, id))
				}
				seen[p] = id
			}
		}
		if total != len(names) {
			disagreement = append(disagreement, fmt.Sprintf("%d pipelines held, want %d", total, len(names)))
		}
		var pipes []struct{ Name, Worker string }
		if err := json.Unmarshal([]byte(c.api(1).must("GET", "/api/v1/pipelines", operatorToken, nil, 200)), &pipes); err != nil {
			t.Fatal(err)
		}
		for _, p := range pipes {
			if p.Worker == "" || p.Worker != seen[p.Name] {
				disagreement = append(disagreement, fmt.Sprintf("pipeline %s: the API says worker %q, the workers list %q", p.Name, p.Worker, seen[p.Name]))
			}
		}
		return len(disagreement) == 0
	}
	deadline := time.Now().Add(time.Minute)
	for !spreadAndAgreed() {
		if time.Now().After(deadline) {
			t.Fatalf("the pipelines never spread over the three workers with the API agreeing, in a minute; last:\n%s", strings.Join(disagreement, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("spread: %s %v, %s %v, %s %v", c.id(0), byWorker[c.id(0)].Pipelines, c.id(1), byWorker[c.id(1)].Pipelines,
		c.id(2), byWorker[c.id(2)].Pipelines)

	// More input, and the worker with the most pipelines is killed while
	// it runs them.
	victim := 0
	for i := range 3 {
		if len(byWorker[c.id(i)].Pipelines) > len(byWorker[c.id(victim)].Pipelines) {
			victim = i
		}
	}
	theirs := byWorker[c.id(victim)].Pipelines
	const total = first + 2000
	for _, n := range names {
		writeInput(t, c.w, n, first, total)
	}
	waitFor(t, "the victim to be in the middle of its runs", time.Minute, func() bool {
		for _, p := range theirs {
			if got := len(outputLines(t, c.w, p)); got > first && got < total {
				return true
			}
		}
		return false
	})
	c.procs[victim].kill()
	killed := time.Now()

	// Each of its pipelines resumes on another worker within 30 s: a new
	// run, started after the kill, on a survivor.
	resumed := map[string]time.Duration{}
	waitFor(t, "the killed worker's pipelines to resume elsewhere", 30*time.Second, func() bool {
		hs := c.holders()
		for _, p := range theirs {
			if _, ok := resumed[p]; ok {
				continue
			}
			h, ok := hs[p]
			if !ok || h.Holder == c.id(victim) {
				continue
			}
			runs := c.runsOfPipeline(p)
			if last := runs[len(runs)-1]; last.StartedAt.After(killed) {
				resumed[p] = last.StartedAt.Sub(killed)
			}
		}
		return len(resumed) == len(theirs)
	})
	var worst time.Duration
	for _, d := range resumed {
		worst = max(worst, d)
	}
	t.Logf("the killed worker's %d pipelines resumed within %v", len(theirs), worst.Round(time.Millisecond))

	waitFor(t, "every destination to be an exact copy", 2*time.Minute, func() bool {
		for _, n := range names {
			if ok, _ := exactCopy(t, c.w, n, total); !ok {
				return false
			}
		}
		return true
	})
	for _, n := range names {
		if ok, why := exactCopy(t, c.w, n, total); !ok {
			t.Errorf("out/%s.jsonl: %s", n, why)
		}
	}

	// It comes back: it gets its share again.
	c.start(victim)
	waitFor(t, "the restarted worker to get pipelines again", 30*time.Second, func() bool {
		return len(c.workers(victim)[c.id(victim)].Pipelines) > 0
	})

	for i := range 3 {
		if res := c.procs[i].stop(syscall.SIGTERM, 15*time.Second); res.code != 0 {
			t.Errorf("worker %s exited %d after SIGTERM:\n%s", c.id(i), res.code, res)
		}
	}
	c.noOverlappingRuns(names, theirs...)
	// A worker that left gave its leases up: none is held.
	if hs := c.holders(); len(hs) != 0 {
		t.Errorf("leases still held after every worker stopped: %v", hs)
	}
}

// TestWorkersFencingAndWebhooks: a worker SIGSTOPped in the middle of a
// run past its lease loses the pipeline to the other, which finishes the
// copy (the stopped worker's file plugin, still running, gives the stream
// up once idle); when it wakes up (SIGCONT) nothing it does is committed
// and nothing is written to the destination: the file is byte for byte
// what the new holder left, one line per key. A webhook posted to the
// worker that does not hold its pipeline is delivered once, by the one
// that does; an action on a pipeline sent to a worker that does not hold
// it is refused with the holder's name.
func TestWorkersFencingAndWebhooks(t *testing.T) {
	hs, _, url := startHubSpot(t, testSeed(t), 20)
	ports := []int{freePort(t), freePort(t)}
	conns := fmt.Sprintf(`  crm:
    connector: hubspot
    config: {base_url: "%s", token: sandbox-token, client_secret: sandbox-client-secret,
             webhook_url: "http://127.0.0.1:%d/webhooks/crm"}`, url, ports[0])
	pipes := `  - {name: big, from: {connection: in, stream: big}, to: {connection: out, stream: big}, map: {id: id, seq: seq, v: v}, schedule: 1s, jitter: 0s, batch_size: 10}
  - name: contacts
    from: {connection: crm, stream: contacts}
    to:   {connection: out, stream: contacts}
    map: {id: id, email: properties.email, firstname: properties.firstname}
`
	c := newCluster(t, 2, conns, pipes)
	c.ports = ports
	const n = 5000
	writeInput(t, c.w, "big", 0, n)
	c.start(0)
	c.start(1)

	// Fencing. Wait for the holder of big to be in the middle of a run.
	var holder state.Lease
	waitFor(t, "big to be half-copied", time.Minute, func() bool {
		h, ok := c.holders()["big"]
		holder = h
		lines := len(outputLines(t, c.w, "big"))
		return ok && lines > 0 && lines < n*4/5
	})
	stopped := slices.Index([]string{c.id(0), c.id(1)}, holder.Holder)
	other := 1 - stopped
	if err := c.procs[stopped].cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stoppedAt := time.Now()
	// Every record changes while the worker is stopped: what it still has
	// in memory from before is now stale, and would show if written.
	writeVersion(t, c.w, "big", n, 2)
	waitFor(t, "the other worker to take big over", 3*leaseTTL+10*time.Second, func() bool {
		h, ok := c.holders()["big"]
		return ok && h.Holder == c.id(other) && h.Token > holder.Token
	})
	t.Logf("taken over after %v", time.Since(stoppedAt).Round(time.Millisecond))
	waitFor(t, "the other worker to finish big", 4*time.Minute, func() bool {
		ok, _ := exactCopyAt(t, c.w, "big", n, 2)
		return ok
	})
	waitFor(t, "a run of big that found nothing new (its checkpoint at the end)", 30*time.Second, func() bool {
		runs := c.runsOfPipeline("big")
		last := runs[len(runs)-1]
		return last.Status == state.RunSucceeded && last.Counts.Read == 0
	})
	before := c.runsOfPipeline("big")
	cps, err := c.store().Checkpoints(context.Background(), "big")
	if err != nil {
		t.Fatal(err)
	}
	// The stopped worker's run: interrupted by the new holder's start.
	var stale state.Run
	for _, r := range before {
		if r.Status == state.RunInterrupted && r.StartedAt.Before(stoppedAt) {
			stale = r
		}
	}
	if stale.ID == 0 {
		t.Fatalf("no interrupted run of the stopped worker among %+v", before)
	}

	// What the new holder left, before the stopped worker wakes.
	left, err := os.ReadFile(c.w.path("out/big.jsonl"))
	if err != nil {
		t.Fatal(err)
	}

	if err := c.procs[stopped].cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// It wakes up with a batch in flight; give it time to try to commit
	// and to notice it lost the lease.
	waitFor(t, "the woken worker to answer", 3*leaseTTL, func() bool {
		return ready(c.api(stopped))
	})
	time.Sleep(leaseTTL) // its keeper ticks, its run tries to go on
	after := c.runsOfPipeline("big")
	var staleAfter state.Run
	for _, r := range after {
		if r.ID == stale.ID {
			staleAfter = r
		}
	}
	if staleAfter.Counts != stale.Counts || staleAfter.Status != state.RunInterrupted || !staleAfter.FinishedAt.Equal(stale.FinishedAt) {
		t.Errorf("the woken worker's run changed after it lost its lease:\nbefore %+v\nafter  %+v", stale, staleAfter)
	}
	if h := c.holders()["big"]; h.Holder != c.id(other) {
		t.Errorf("big is held by %+v after the stopped worker woke, want %s", h, c.id(other))
	}
	if cps2, _ := c.store().Checkpoints(context.Background(), "big"); string(cps2["big"]) != string(cps["big"]) {
		t.Errorf("big's checkpoint moved after its copy was complete: %s → %s", cps["big"], cps2["big"])
	}
	// The woken worker's runs ask the lease before every write (by its
	// own clock, then the database's): it writes nothing more.
	if ok, why := exactCopyAt(t, c.w, "big", n, 2); !ok {
		t.Errorf("out/big.jsonl after the woken worker: %s", why)
	}
	if now, err := os.ReadFile(c.w.path("out/big.jsonl")); err != nil {
		t.Fatal(err)
	} else if !bytes.Equal(now, left) {
		t.Errorf("out/big.jsonl changed after the stopped worker woke: %d bytes → %d", len(left), len(now))
	}

	// Webhooks. The first sync of contacts, on its holder; a trigger sent
	// to the other worker is refused with the holder's name.
	var ch state.Lease
	waitFor(t, "a holder for contacts", 30*time.Second, func() bool {
		var ok bool
		ch, ok = c.holders()["contacts"]
		return ok
	})
	h := slices.Index([]string{c.id(0), c.id(1)}, ch.Holder)
	body := c.api(1-h).must("POST", "/api/v1/pipelines/contacts/trigger", operatorToken, nil, 409)
	if !strings.Contains(body, ch.Holder) {
		t.Errorf("a trigger sent to the wrong worker: %s, want the holder %s named", body, ch.Holder)
	}
	c.api(h).must("POST", "/api/v1/pipelines/contacts/trigger", operatorToken, nil, 202)
	waitFor(t, "the first sync of contacts", time.Minute, func() bool { return len(outputLines(t, c.w, "contacts")) == 20 })
	waitFor(t, "the sync to be recorded", 10*time.Second, func() bool {
		runs := c.runsOfPipeline("contacts")
		return len(runs) == 1 && runs[0].Status == state.RunSucceeded
	})

	ids := []string{}
	for _, o := range hs.Objects("contacts") {
		ids = append(ids, o.ID)
	}
	sort.Strings(ids)
	if _, err := hs.Update("contacts", ids[3], map[string]string{"firstname": "PushedElsewhere"}); err != nil {
		t.Fatal(err)
	}
	events, err := hs.Events("contacts", ids[3])
	if err != nil {
		t.Fatal(err)
	}
	// Signed for the public URL (worker 0's), posted to the worker that
	// does not hold the pipeline, as a load balancer would.
	payload, _ := json.Marshal(events)
	public := fmt.Sprintf("http://127.0.0.1:%d/webhooks/crm", ports[0])
	req := signedRequest(t, hs.DeliveryHeaders("POST", public, payload, time.Now()), fmt.Sprintf("http://127.0.0.1:%d/webhooks/crm", ports[1-h]), payload)
	if status := do(t, req); status != 200 {
		t.Fatalf("webhook to the worker without the pipeline: %d", status)
	}
	waitFor(t, "the webhook's change in the destination", 15*time.Second, func() bool {
		return strings.Contains(outputLines(t, c.w, "contacts")[ids[3]], "PushedElsewhere")
	})
	time.Sleep(2 * time.Second) // a second delivery would come within the inbox poll
	var written int64
	runs := c.runsOfPipeline("contacts")
	for _, r := range runs[1:] {
		written += r.Counts.Written
	}
	if written != 1 {
		t.Errorf("the webhook's record was written %d times after the first sync (runs %+v), want once", written, runs)
	}
	entries, err := c.store().ReadInbox(context.Background(), "crm", "contacts", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if cur, _ := c.store().InboxCursor(context.Background(), "contacts"); len(entries) != 1 || cur != entries[0].ID {
		t.Errorf("inbox %d entries, cursor %d: want one, taken", len(entries), cur)
	}

	for i := range 2 {
		res := c.procs[i].stop(syscall.SIGTERM, 15*time.Second)
		if res.code != 0 {
			t.Errorf("worker %s exited %d after SIGTERM:\n%s", c.id(i), res.code, res)
		}
		if i == stopped {
			t.Logf("the woken worker's log: %s", lastLines(res.stderr, 8))
		}
	}
	c.noOverlappingRuns([]string{"big", "contacts"}, "big")
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// signedRequest is a POST of payload to target with the given headers.
func signedRequest(t *testing.T, h http.Header, target string, payload []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", target, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	return req
}

// do sends req and returns the status.
func do(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
