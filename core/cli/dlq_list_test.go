package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/state"
)

// TestDLQListFiltersByKindAndPages: `dlq list --kind` looks for the kind
// among every dead letter, before --limit, and a list that stops at its
// limit with more to come says how to list the next page (--after, the
// last id listed). With 201 pending dead letters of p, the newest a
// dead letter of kind auth, dlq list had no --kind ("unknown flag: --kind"), and nothing
// listed what came after the first -n.
func TestDLQListFiltersByKindAndPages(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"in", "out", "plugins"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte(dlqConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	h := hub.New(hub.Options{ConfigPath: cfgPath, LogOutput: io.Discard})
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run, err := st.StartRun(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	var dls []state.DeadLetter
	for i := range 201 {
		kind := "bad_record"
		if i == 200 {
			kind = "auth"
		}
		dls = append(dls, state.DeadLetter{Stream: "contacts", Key: fmt.Sprintf("k%03d", i), Op: "upsert", Data: []byte(`{}`),
			ErrorKind: kind, Error: "refused"})
	}
	if err := st.Commit(ctx, state.Commit{RunID: run, Pipeline: "p", DeadLetters: dls}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, run, state.RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	h.Close()

	list := func(args ...string) (keys []string, stderr string) {
		t.Helper()
		code, stdout, stderr := runCLI(append([]string{"-c", cfgPath, "-o", "json", "dlq", "list"}, args...)...)
		var out []struct {
			ID        int64  `json:"id"`
			Key       string `json:"key"`
			ErrorKind string `json:"error_kind"`
		}
		if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil {
			t.Fatalf("dlq list %v: exit %d (%v)\n%s%s", args, code, err, stdout, stderr)
		}
		for _, d := range out {
			keys = append(keys, d.Key)
		}
		return keys, stderr
	}
	for _, args := range [][]string{{"--kind", "auth", "-n", "200"}, {"--kind", "auth"}, {"-p", "p", "--kind", "auth", "-n", "1"}} {
		keys, stderr := list(args...)
		if strings.Join(keys, ",") != "k200" || strings.Contains(stderr, "--after") {
			t.Errorf("dlq list %v = %v, stderr %q; want k200 alone, no next page", args, keys, stderr)
		}
	}

	// A kind that is no error kind is refused, naming the kinds.
	if code, _, stderr := runCLI("-c", cfgPath, "dlq", "list", "--kind", "bad-record"); code == 0 ||
		!strings.Contains(stderr, `--kind: kind "bad-record" is no error kind (did you mean "bad_record"?`) {
		t.Errorf("dlq list --kind bad-record: exit %d, stderr %q; want it refused with a did-you-mean", code, stderr)
	}

	// Pages of 150: the first says how to list the next one.
	keys, stderr := list("-p", "p", "-n", "150")
	next := regexp.MustCompile("`cxhub -c [^ ]+ (dlq list [^`]*)`").FindStringSubmatch(stderr)
	if len(keys) != 150 || keys[149] != "k149" || next == nil {
		t.Fatalf("dlq list -p p -n 150 = %d dead letters, stderr %q; want k000 to k149 and the command for the next page", len(keys), stderr)
	}
	args := strings.Fields(strings.TrimPrefix(next[1], "dlq list "))
	if !strings.Contains(next[1], "-p p") || !strings.Contains(next[1], "-n 150") || !strings.Contains(next[1], "--after ") {
		t.Errorf("the next page's command %q does not keep -p p -n 150 with --after", next[1])
	}
	keys, stderr = list(args...)
	if len(keys) != 51 || keys[0] != "k150" || keys[50] != "k200" || strings.Contains(stderr, "--after") {
		t.Errorf("dlq list %v = %d dead letters (%v...), stderr %q; want k150 to k200, the last page", args, len(keys), keys[:min(len(keys), 1)], stderr)
	}
	if code, _, stderr := runCLI("-c", cfgPath, "dlq", "list", "--after", "-1"); code != 1 || !strings.Contains(stderr, "--after: expected") {
		t.Errorf("dlq list --after -1: exit %d, stderr %q; want exit 1 saying what --after takes", code, stderr)
	}
}
