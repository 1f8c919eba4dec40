package sdktest_test

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// memorySuite is the suite of the memory connector with one flaw (or none).
func memorySuite(t *testing.T, flaw string) sdktest.Suite {
	st := newStore()
	return sdktest.Suite{
		Connector:      &memory{st: st, flaw: flaw},
		Config:         sdk.Config(`{"token":"good","region":"eu"}`),
		BadCredentials: sdk.Config(`{"token":"bad","region":"eu"}`),
		Unreachable:    sdk.Config(`{"token":"good","region":"eu","url":"` + sdktest.UnreachableURL(t) + `"}`),
		Driver:         memoryDriver{st: st},
	}
}

func TestSuitePassesACorrectConnector(t *testing.T) {
	memorySuite(t, "").Run(t)
}

// flawEnv names the flaw TestBrokenConnector gives the memory connector.
const flawEnv = "SDKTEST_FLAW"

// TestBrokenConnector runs the suite against a connector with the flaw
// named by $SDKTEST_FLAW; it only runs as the child process of
// TestSuiteFailsBrokenConnectors, and is meant to fail.
func TestBrokenConnector(t *testing.T) {
	flaw := os.Getenv(flawEnv)
	if flaw == "" {
		t.Skip("runs only as a child of TestSuiteFailsBrokenConnectors")
	}
	memorySuite(t, flaw).Run(t)
}

// TestSuiteFailsBrokenConnectors runs the suite on connectors that each
// break one rule, each in a child process (the suite fails the test that
// runs it, which must not be this one), and checks that exactly the
// subtests of that rule fail, saying what is wrong.
func TestSuiteFailsBrokenConnectors(t *testing.T) {
	tests := []struct {
		flaw  string
		fails []string // the failing subtests, below TestBrokenConnector/
		says  []string // in the output
	}{{
		flaw:  flawSkipsRecord,
		fails: []string{"read/people/full"},
		says:  []string{"full read of people: want exactly 25 keys [p-1 p-2", "missing [p-7]"},
	}, {
		flaw:  flawRepeats,
		fails: []string{"read/people/incremental"},
		says: []string{"read of people from the checkpoint taken before Change: want exactly 6 keys [p-1 p-13 p-25 p-26 p-27 p-28]; " +
			"repeated [p-1 (×2) p-13 (×2) p-25 (×2) p-26 (×2) p-27 (×2) p-28 (×2)]"},
	}, {
		flaw:  flawReversedResults,
		fails: []string{"write/people/idempotent"},
		says:  []string{"want each record written under the id the first write gave it; 25 of 25 differ (results out of order"},
	}, {
		flaw:  flawTooFewResults,
		fails: []string{"write/people/idempotent", "write/people/bad_record"},
		says:  []string{"want one result per record, in order; the batch failed", "9 results for a batch of 10 records"},
	}, {
		flaw:  flawIgnoresCancel,
		fails: []string{"read/people/cancel", "goroutines"},
		says:  []string{"the connector's Read still runs 5s after the cancel", "(*memory).retry"},
	}, {
		flaw:  flawUnmarkedToken,
		fails: []string{"spec"},
		says:  []string{`config schema: "token" looks like a credential but is not marked "secret": true`},
	}, {
		flaw:  flawUntypedAuth,
		fails: []string{"check/bad_credentials"},
		says:  []string{"Check with Suite.BadCredentials: want an error of kind auth (sdk.AuthError), got kind unknown: "},
	}, {
		flaw:  flawVagueConfig,
		fails: []string{"check/missing/token", "check/missing/region"},
		says:  []string{`Check with the config without required field "region": the error must name the field, got "connector memory: check: config is incomplete"`},
	}, {
		flaw:  flawNoCheckpoint,
		fails: []string{"read/people/full"},
		says:  []string{"no checkpoint came after the 25 records, but the stream declares incremental_read"},
	}, {
		flaw:  flawBadRecordPasses,
		fails: []string{"write/people/bad_record"},
		says:  []string{`want the bad record refused with kind bad_record, got it written (id "obj-`},
	}}
	for _, tt := range tests {
		t.Run(tt.flaw, func(t *testing.T) {
			t.Parallel()
			out, err := runChild(t, tt.flaw)
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the suite on a connector with flaw %s: want a failing test (exit status 1), got %v\n%s", tt.flaw, err, out)
			}
			if got := failedLeaves(out, "TestBrokenConnector/"); !slices.Equal(got, sorted(tt.fails)) {
				t.Errorf("flaw %s: want exactly these subtests failed: %q; got %q\n%s", tt.flaw, sorted(tt.fails), got, out)
			}
			for _, s := range tt.says {
				if !strings.Contains(out, s) {
					t.Errorf("flaw %s: the output does not say %q\n%s", tt.flaw, s, out)
				}
			}
		})
	}
}

// runChild runs TestBrokenConnector with the flaw in a child process.
func runChild(t *testing.T, flaw string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenConnector$", "-test.v", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), flawEnv+"="+flaw)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// failedLeaves returns the failed tests of go test -v output under prefix
// that have no failed subtest, sorted, without the prefix.
func failedLeaves(out, prefix string) []string {
	var failed []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		name, ok := strings.CutPrefix(line, "--- FAIL: ")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, " ")
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			failed = append(failed, rest)
		}
	}
	var leaves []string
	for _, f := range failed {
		if !slices.ContainsFunc(failed, func(g string) bool { return strings.HasPrefix(g, f+"/") }) {
			leaves = append(leaves, f)
		}
	}
	return sorted(leaves)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// TestFailedLeaves checks the parsing the broken-connector test relies on.
func TestFailedLeaves(t *testing.T) {
	out := bytes.NewBufferString(`=== RUN   TestBrokenConnector
    --- FAIL: TestBrokenConnector/read/people/full (0.01s)
        suite.go:1: full read of people: missing [p-7]
    --- PASS: TestBrokenConnector/read/people/resume (0.00s)
    --- FAIL: TestBrokenConnector/read/people (0.02s)
    --- FAIL: TestBrokenConnector/read (0.02s)
    --- FAIL: TestBrokenConnector/check/missing/region (0.00s)
--- FAIL: TestBrokenConnector (0.10s)
`)
	got := failedLeaves(out.String(), "TestBrokenConnector/")
	if want := []string{"check/missing/region", "read/people/full"}; !slices.Equal(got, want) {
		t.Errorf("failedLeaves = %q, want %q", got, want)
	}
}
