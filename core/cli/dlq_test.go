package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/internal/testfiles"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// dlqConfig has two pipelines between file connections.
const dlqConfig = `version: 1
state: {path: state.db}
plugins: {dir: plugins}
connections:
  in:  {connector: file, config: {dir: ./in}}
  out: {connector: file, config: {dir: ./out}}
pipelines:
  - name: p
    from: {connection: in, stream: contacts}
    to:   {connection: out, stream: contacts}
  - name: q
    from: {connection: in, stream: companies}
    to:   {connection: out, stream: companies}
`

// dlqWorkspace writes dlqConfig beside the real file connector and stores
// three dead letters: one pending of p, one discarded of p and one pending
// of q. It returns the config's path and the ids.
func dlqWorkspace(t *testing.T) (cfgPath string, pendingP, discardedP, pendingQ int64) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the file connector")
	}
	dir := t.TempDir()
	bin := sdktest.BuildPlugin(t, "../../connectors/file/cmd/cxhub-connector-file")
	for _, d := range []string{"in", "out", "plugins"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	testfiles.CopyExecutable(t, bin, filepath.Join(dir, "plugins", "cxhub-connector-file"))
	cfgPath = filepath.Join(dir, "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte(dlqConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	h := hub.New(hub.Options{ConfigPath: cfgPath, LogOutput: io.Discard})
	defer h.Close()
	ctx := context.Background()
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	dead := func(pipeline, stream, key string) int64 {
		run, err := st.StartRun(ctx, pipeline)
		if err != nil {
			t.Fatal(err)
		}
		err = st.Commit(ctx, state.Commit{RunID: run, Pipeline: pipeline, DeadLetters: []state.DeadLetter{{
			Stream: stream, Key: key, Op: "upsert", Data: []byte(`{"id":"` + key + `"}`), ErrorKind: "bad_record", Error: "refused"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.FinishRun(ctx, run, state.RunSucceeded, ""); err != nil {
			t.Fatal(err)
		}
		dls, err := st.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: pipeline})
		if err != nil {
			t.Fatal(err)
		}
		return dls[len(dls)-1].ID
	}
	pendingP, discardedP, pendingQ = dead("p", "contacts", "a"), dead("p", "contacts", "b"), dead("q", "companies", "c")
	if _, err := st.SetDeadLetterStatus(ctx, []int64{discardedP}, state.DeadLetterDiscarded); err != nil {
		t.Fatal(err)
	}
	return cfgPath, pendingP, discardedP, pendingQ
}

// TestDLQReplayRefusesIDsItCannotReplay: `dlq replay -p p <id>` with an id
// of no dead letter, of a discarded one or of another pipeline's exits 1
// saying which id and why, and replays nothing (it used to exit 0 saying
// only how many were still pending).
func TestDLQReplayRefusesIDsItCannotReplay(t *testing.T) {
	cfgPath, pendingP, discardedP, pendingQ := dlqWorkspace(t)
	for _, tc := range []struct {
		name string
		ids  []int64
		want string
	}{
		{"unknown", []int64{999}, "999: no dead letter has this id"},
		{"discarded", []int64{pendingP, discardedP}, itoa(discardedP) + ": already discarded"},
		{"other pipeline", []int64{pendingQ}, itoa(pendingQ) + ": a dead letter of pipeline q"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"-c", cfgPath, "dlq", "replay", "-p", "p"}
			for _, id := range tc.ids {
				args = append(args, itoa(id))
			}
			var stdout, stderr bytes.Buffer
			code := Main(args, &stdout, &stderr)
			if code == 0 {
				t.Fatalf("dlq replay %v exited 0:\n%s%s", tc.ids, stdout.String(), stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) || !strings.Contains(stderr.String(), "nothing was replayed") {
				t.Errorf("dlq replay %v said:\n%s\nwant it to say %q and that nothing was replayed", tc.ids, stderr.String(), tc.want)
			}
		})
	}
	// Nothing was replayed: both pending dead letters still are.
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"-c", cfgPath, "-o", "json", "dlq", "list"}, &stdout, &stderr); code != 0 {
		t.Fatalf("dlq list exited %d: %s", code, stderr.String())
	}
	for _, id := range []int64{pendingP, pendingQ} {
		if !strings.Contains(stdout.String(), `"id": `+itoa(id)+",") {
			t.Errorf("dead letter %d is no longer pending:\n%s", id, stdout.String())
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestDLQReplaySaysWhatHappened: the replay's summary counts the dead
// letters replayed, written and failed again, not a sync's "read 0" and
// "1 dead-lettered" (which read as if the replay had read nothing and
// dead-lettered the records anew); with nothing pending it says so and
// starts no run.
func TestDLQReplaySaysWhatHappened(t *testing.T) {
	cfgPath, _, _, _ := dlqWorkspace(t)
	failing := strings.Replace(dlqConfig, "out: {connector: file, config: {dir: ./out}}",
		"out: {connector: file, config: {dir: ./out, streams: {contacts: {key: email}}}}", 1)
	if err := os.WriteFile(cfgPath, []byte(failing), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("-c", cfgPath, "dlq", "replay", "-p", "p")
	if code != 1 {
		t.Errorf("replay that fails again: exit %d, want 1", code)
	}
	wantTable := regexp.MustCompile(`(?m)^PIPELINE +RUN +STATUS +REPLAYED +WRITTEN +CREATED +UPDATED +UNCHANGED +FILTERED +FAILED AGAIN +RETRIES +DURATION\np +\d+ +succeeded +1 +0 +0 +0 +0 +0 +1 +0 `)
	want := "p: replayed 1 dead letter(s): 0 written, 1 failed again (still pending with their new error: see `cxhub dlq list --pipeline p`); 1 dead letter(s) of p still pending\n"
	if !wantTable.MatchString(stdout) || !strings.HasSuffix(stderr, want) || strings.Contains(stdout+stderr, "READ") || strings.Contains(stderr, "dead-lettered") {
		t.Errorf("replay that fails again printed\n%s%s\nwant a table matching %s and the line %q", stdout, stderr, wantTable, want)
	}

	if err := os.WriteFile(cfgPath, []byte(dlqConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI("-c", cfgPath, "-o", "json", "dlq", "replay", "-p", "p")
	var out []struct {
		Replayed, Written, FailedAgain, StillPending int64
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != 0 || len(out) != 1 {
		t.Fatalf("replay -o json: exit %d, %q (%v); stderr:\n%s", code, stdout, err, stderr)
	}
	if got := out[0]; got.Replayed != 1 || got.Written != 1 || got.FailedAgain != 0 || got.StillPending != 0 {
		t.Errorf("replay -o json = %+v, want 1 replayed, 1 written, 0 failed again, 0 still pending", got)
	}

	code, stdout, stderr = runCLI("-c", cfgPath, "dlq", "replay", "-p", "p")
	if code != 0 || stdout != "" || !strings.HasSuffix(stderr, "p: no pending dead letters: nothing to replay\n") {
		t.Errorf("replay with nothing pending: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI("-c", cfgPath, "-o", "json", "runs", "-p", "p")
	var runs []json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &runs); err != nil || code != 0 || len(runs) != 4 {
		t.Errorf("runs of p: %d (%v), want 4 (two dead-lettering, two replays; none for the empty replay):\n%s", len(runs), err, stdout)
	}
}

// TestListingsRefuseBadFilters: `dlq list` with a status that is none,
// a pipeline that is neither in the config nor in the dead letters, or a
// negative limit, and `runs -n -1`, exit 1 saying what was expected (dlq
// list used to print an empty table and exit 0 for an unknown pipeline,
// and blame the state for a bad --status).
func TestListingsRefuseBadFilters(t *testing.T) {
	cfgPath, _, _, _ := dlqWorkspace(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dlq", "list", "--status", "bogus"}, `error: --status: expected pending, replayed, discarded or all, got "bogus"` + "\n"},
		{[]string{"dlq", "list", "-p", "nope"}, `error: no pipeline named "nope" in ` + cfgPath + ", and no dead letters of one\n"},
		{[]string{"dlq", "list", "-n", "-1"}, "error: --limit: expected 0 (all) or more, got -1\n"},
		{[]string{"runs", "-n", "-1"}, "error: --limit: expected 1 or more, got -1\n"},
	} {
		code, stdout, stderr := runCLI(append([]string{"-c", cfgPath}, tc.args...)...)
		if code != 1 || stdout != "" || !strings.HasSuffix(stderr, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	// A pipeline no longer in the config still lists its dead letters.
	if err := os.WriteFile(cfgPath, []byte(strings.Replace(dlqConfig, "name: q", "name: q2", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runCLI("-c", cfgPath, "dlq", "list", "-p", "q"); code != 0 || !strings.Contains(stdout, "companies") {
		t.Errorf("dlq list -p q (removed from the config): exit %d, stdout %q, stderr %q; want its dead letter", code, stdout, stderr)
	}
}
