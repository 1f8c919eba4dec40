package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hubSpotToFile is the config of the HubSpot → file pipeline "export"; %s
// is the sandbox's URL.
const hubSpotToFile = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  crm:
    connector: hubspot
    config: {base_url: "%s", token: sandbox-token, search_lag: "0"}
  outbox:
    connector: file
    config: {dir: out, streams: {contacts: {key: id}}}
pipelines:
  - name: export
    from: {connection: crm,    stream: contacts}
    to:   {connection: outbox, stream: contacts}
    map: {id: id, email: properties.email, first: properties.firstname, last: properties.lastname}
    batch_size: 200
`

// isContactList reports whether r reads a page of contacts.
func isContactList(r *http.Request) bool {
	return (r.Method == http.MethodGet && r.URL.Path == "/crm/v3/objects/contacts") ||
		(r.Method == http.MethodPost && r.URL.Path == "/crm/v3/objects/contacts/search")
}

// killPluginInFlight waits until the request park selects is held by the
// sandbox, then SIGKILLs the plugin process connector of the running
// cxhub, and lets the request go. ready, if set, must hold too before the
// kill (records flowing).
func killPluginInFlight(t *testing.T, w *workspace, run *running, connector string,
	parked <-chan struct{}, release func(), ready func() bool) {
	t.Helper()
	defer release()
	if got := waitParked(run, parked, time.Minute); got != parkedOK {
		res, _ := run.wait(time.Second)
		t.Fatalf("no request of the %s plugin was held (%v)\n%s", connector, got, res)
	}
	if ready != nil {
		waitFor(t, "records to flow", time.Minute, ready)
	}
	pid := childPlugin(w, run.pid(), connector)
	if pid == 0 {
		t.Fatalf("no %s plugin process under cxhub %d: %+v", connector, run.pid(), pluginProcesses(w))
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the killed plugin to be gone", 10*time.Second, func() bool { return !alive(pid) })
}

// wantRestarted checks that a finished sync succeeded after at least
// kills restarts, that stderr shows the waits between them, and that the
// run's record counts them.
func wantRestarted(t *testing.T, w *workspace, res result, kills int) {
	t.Helper()
	if res.code != 0 {
		t.Fatalf("sync exit %d after its plugin was killed\n%s", res.code, res)
	}
	var out []syncResult
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil || len(out) != 1 {
		t.Fatalf("sync -o json: %v\n%s", err, res)
	}
	if out[0].Status != "succeeded" || out[0].Counts.Restarts < int64(kills) {
		t.Errorf("sync: %+v, want succeeded after %d restart(s)", out[0], kills)
	}
	if n := strings.Count(res.stderr, "restarting connectors"); n < kills || !strings.Contains(res.stderr, "wait=") {
		t.Errorf("stderr reports %d restart(s) with their wait, want %d:\n%s", n, kills, res.stderr)
	}
	runs := runRecords(t, w)
	if len(runs) != 1 || runs[0].Status != "succeeded" || runs[0].Counts.Restarts < int64(kills) {
		t.Errorf("runs -o json: %s, want one succeeded run with %d restart(s)", sprintLines(runs, 3), kills)
	}
}

// TestKillSourcePluginMidReadRestartsAndCompletes: the HubSpot source
// plugin is SIGKILLed while it waits for a page of contacts: the core
// restarts it with backoff, the run completes, the file holds every
// contact once with its content, and the run's record shows the restart.
func TestKillSourcePluginMidReadRestartsAndCompletes(t *testing.T) {
	seed := testSeed(t)
	n, kills := bySize(6_000, 40_000), bySize(1, 3)
	hs, m, url := startHubSpot(t, seed, n)
	w := newWorkspace(t, fmt.Sprintf(hubSpotToFile, url))

	run := w.start("sync", "-o", "json")
	for k := range kills {
		parked, release := m.parkNext(isContactList, 5+10*k, false)
		killPluginInFlight(t, w, run, "hubspot", parked, release, func() bool { return outputSizeOf(w, "contacts") > 0 })
	}
	res := run.mustWait(3 * time.Minute)
	noPluginSurvives(t, w, 10*time.Second)
	wantRestarted(t, w, res, kills)

	wantFileMatchesContacts(t, w, hs.Objects("contacts"))
}

// TestKillDestinationPluginMidWriteRestartsAndCompletes: the HubSpot
// destination plugin is SIGKILLed while HubSpot is answering its batch
// upsert (the change made, the answer never heard): the core restarts it
// with backoff, the run completes, HubSpot holds every customer exactly
// once, and the run's record shows the restart.
func TestKillDestinationPluginMidWriteRestartsAndCompletes(t *testing.T) {
	seed := testSeed(t)
	n, kills := bySize(8_000, 60_000), bySize(1, 3)
	hs, m, url := startHubSpot(t, seed, 0)
	w := newWorkspace(t, fmt.Sprintf(customersToHubSpot, url, 500))
	src := newCustomers(n, n/10)
	src.write(t, w, "customers")

	run := w.start("sync", "-o", "json")
	for k := range kills {
		parked, release := m.parkNext(isContactWrite, 3+7*k, true)
		killPluginInFlight(t, w, run, "hubspot", parked, release, nil)
	}
	res := run.mustWait(3 * time.Minute)
	noPluginSurvives(t, w, 10*time.Second)
	wantRestarted(t, w, res, kills)
	wantContactsExactly(t, hs, src)
}

// outputSizeOf returns the size of out/<stream>.jsonl (0 if absent).
func outputSizeOf(w *workspace, stream string) int64 {
	return fileSize(w.path("out/" + stream + ".jsonl"))
}
