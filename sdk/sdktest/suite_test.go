package sdktest_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// memorySuite is the suite of the memory connector with one flaw (or
// none), a Discoverer if discovers is set.
func memorySuite(t *testing.T, flaw string, discovers bool) sdktest.Suite {
	st := newStore()
	return sdktest.Suite{
		Connector:      newMemory(st, flaw, discovers),
		Config:         sdk.Config(`{"token":"good","region":"eu"}`),
		BadCredentials: sdk.Config(`{"token":"bad","region":"eu"}`),
		Unreachable:    sdk.Config(`{"token":"good","region":"eu","url":"` + sdktest.UnreachableURL(t) + `"}`),
		Driver:         memoryDriver{st: st},
	}
}

func TestSuitePassesACorrectConnector(t *testing.T) {
	for _, discovers := range []bool{false, true} {
		t.Run(fmt.Sprintf("discoverer=%v", discovers), func(t *testing.T) {
			memorySuite(t, "", discovers).Run(t)
		})
	}
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
	if flaw == flawNone {
		flaw = ""
	}
	s := memorySuite(t, flaw, false)
	if lb := os.Getenv(lookBackEnv); lb != "" {
		d, err := time.ParseDuration(lb)
		if err != nil {
			t.Fatal(err)
		}
		s.LookBack = map[string]time.Duration{"people": d}
	}
	s.Run(t)
}

// lookBackEnv is the look-back TestBrokenConnector declares for people.
const lookBackEnv = "SDKTEST_LOOKBACK"

// TestSuiteToleratesRepeatsInsideTheLookBack: a connector that reads the
// last 3s before its checkpoint again passes with a look-back of 3s, and
// fails with one of 2s: a repeat is tolerated inside the declared window,
// and only there.
func TestSuiteToleratesRepeatsInsideTheLookBack(t *testing.T) {
	s := memorySuite(t, flawLookBack, false)
	s.LookBack = map[string]time.Duration{"people": lookBackSeconds * time.Second}
	s.Run(t)

	t.Run("shorter", func(t *testing.T) {
		t.Setenv(lookBackEnv, fmt.Sprintf("%ds", lookBackSeconds-1))
		out, err := runChild(t, flawLookBack)
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("want a failing test, got %v\n%s", err, out)
		}
		if got, want := failedLeaves(out, "TestBrokenConnector/"), []string{"read/people/incremental", "read/people/resume"}; !slices.Equal(got, want) {
			t.Errorf("want exactly these subtests failed: %q; got %q\n%s", want, got, out)
		}
		for _, says := range []string{
			"want no records (but repeats inside a declared look-back), got 1: [p-22] (the look-back of people is 2s: records with updated_at from 2026-01-01T00:00:23Z on)",
			"records sent before the checkpoint came again inside the look-back (allowed)",
		} {
			if !strings.Contains(out, says) {
				t.Errorf("the output does not say %q\n%s", says, out)
			}
		}
	})
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
		says:  []string{"the connector's Read still runs 5s after the cancel", "(*memory).send"},
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
	}, {
		flaw:  flawResumeGap,
		fails: []string{"read/people/resume"},
		says: []string{"read of people from the checkpoint sent after record 10 of 25 of the full read: " +
			"want every key the full read sent after it (15 keys: [p-11 p-12", "missing [p-11]"},
	}, {
		flaw:  flawResumeExtra,
		fails: []string{"read/people/resume"},
		says:  []string{"unexpected keys [p-0]: the full read never sent them"},
	}, {
		flaw:  flawFullRepeats,
		fails: []string{"read/people/full"},
		says:  []string{"full read of people: want exactly 25 keys [p-1 p-2", "repeated [p-5 (×2)]"},
	}, {
		flaw:  flawTruncatedData,
		fails: []string{"read/people/full"},
		says:  []string{`full read of people: record 3 (key "p-3"): data is not a JSON object: "{\"id\":\"p-3\",`},
	}, {
		flaw:  flawResendsLast,
		fails: []string{"read/people/resume", "read/people/incremental"},
		says: []string{"read of people from the full read's last checkpoint, nothing changed since: want no records (but repeats inside a declared look-back), got 1: [p-25] (Suite.LookBack declares none for people)",
			"1 keys sent before the checkpoint came again, outside any look-back (Suite.LookBack declares none for people)"},
	}, {
		flaw:  flawLookBack,
		fails: []string{"read/people/resume", "read/people/incremental"},
		says: []string{"nothing changed since: want no records (but repeats inside a declared look-back), got 4: [p-22 p-23 p-24 p-25]",
			"from the checkpoint taken before Change: want exactly 6 keys [p-1 p-13 p-25 p-26 p-27 p-28]; unexpected [p-22 p-23 p-24]"},
	}, {
		flaw:  flawEarlyCheckpoint,
		fails: []string{"read/people/full", "read/people/resume"},
		says: []string{"full read of people: the last checkpoint came after record 24 of 25: want one after the last record",
			"read of people from the checkpoint sent after record 24 of 25 of the full read: want every key the full read sent after it (1 keys: [p-25]); missing [p-25]"},
	}, {
		flaw:  flawQuietCancel,
		fails: []string{"read/people/cancel"},
		says: []string{"a read of people cancelled after its first batch: the connector called Emit or Checkpoint ",
			`more times after one failed with "sdktest: the read was cancelled: context canceled"`,
			"the connector's Read returned no error although Emit or Checkpoint failed"},
	}, {
		flaw:  flawSwallowsCancel,
		fails: []string{"read/people/cancel"},
		says: []string{"a read of people cancelled after its first batch: the connector's Read returned no error after its context was cancelled, " +
			"having emitted 10 of the 25 records of a full read"},
	}, {
		flaw:  flawCancelLosesError,
		fails: []string{"read/people/cancel"},
		says: []string{"a read of people cancelled after its first batch: the connector's Read returned kind transient: read people: read interrupted: " +
			"want its context's error (context.Canceled) or the error Emit gave it"},
	}, {
		// The copies made by the idempotent check are still there when
		// bad_record counts its good records.
		flaw:  flawDuplicateObject,
		fails: []string{"write/people/idempotent", "write/people/bad_record"},
		says: []string{"after writing the same records twice: want 1 object in the destination per record, got 25 records with another count: [w-1: 2 w-2: 2",
			"after the batch [good, bad, good]: want 1 object in the destination per record, got 2 records with another count: [w-1: 2 w-2: 2]"},
	}, {
		flaw:  flawReplacesOnUpdate,
		fails: []string{"write/people/target_id"},
		says: []string{"write of changed records (salt 2) with TargetID set to the first write's ids, in reverse order (batches of 10): " +
			"want each record written under the id the first write gave it; 25 of 25 differ"},
	}, {
		flaw:  flawAlwaysCreated,
		fails: []string{"write/people/idempotent"},
		says:  []string{"want created=false for records the destination already holds, got created=true for 25: [w-1 w-2"},
	}, {
		flaw:  flawNeverCreated,
		fails: []string{"write/people/idempotent"},
		says: []string{"first write of 25 records of people (batches of 10): want created=true for records new to the destination " +
			"(the driver counted none before), got created=false for 25: [w-1 w-2"},
	}, {
		flaw:  flawDeleteMissing,
		fails: []string{"write/people/delete"},
		says: []string{`the same deletes again, the objects being gone (a delete must be idempotent): delete 1 (key "w-1", target id "obj-1") failed: kind bad_record: delete w-1: no such person; want success`,
			`delete of a record the destination never held (key "w-26", no TargetID: the core knows no object for it): delete 1 (key "w-26", target id "") failed`},
	}, {
		flaw:  flawDeleteKeeps,
		fails: []string{"write/people/delete"},
		says:  []string{"after deleting them: want 0 objects in the destination per record, got 12 records with another count: [w-1: 1 w-2: 1"},
	}, {
		flaw:  flawBadRecordKind,
		fails: []string{"write/people/bad_record"},
		says:  []string{"want the bad record refused with kind bad_record, got kind transient: record has no email"},
	}, {
		flaw:  flawRateLimitKind,
		fails: []string{"check/faults/429", "read/people/faults/429", "write/people/faults/429"},
		says: []string{"Check while the system answers 429: want an error of kind rate_limited, got kind transient",
			"read of people while the system answers 429 to every request: want an error of kind rate_limited, got kind transient",
			"write of a batch of 2 records of people while the system answers 429 to every request: the batch failed: want an error of kind rate_limited, got kind transient"},
	}, {
		flaw:  flawReadLosesKind,
		fails: []string{"read/people/faults/401", "read/people/faults/429", "read/people/faults/503"},
		says:  []string{"read of people while the system answers 401 to every request: want an error of kind auth, got kind unknown"},
	}, {
		flaw:  flawWriteLosesKind,
		fails: []string{"write/people/faults/401", "write/people/faults/429", "write/people/faults/503"},
		says:  []string{"while the system answers 503 to every request: the batch failed: want an error of kind transient, got kind unknown"},
	}, {
		flaw:  flawRecordsLoseKind,
		fails: []string{"write/people/faults/401", "write/people/faults/429", "write/people/faults/503"},
		says: []string{`while the system answers 401 to every request: record 1 (key "w-1"): want an error of kind auth, got kind unknown`,
			`record 2 (key "w-2"): want an error of kind auth, got kind unknown`},
	}, {
		flaw:  flawUntypedNoHost,
		fails: []string{"check/unreachable"},
		says:  []string{"Check with Suite.Unreachable: want an error of kind transient (sdk.Transient), got kind unknown"},
	}, {
		flaw:  flawDiscoverDiffers,
		fails: []string{"discover"},
		says:  []string{`discovered stream "people" differs from the spec's: canonical_kind "other", spec says "customer"`},
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
	return runChildSubtests(t, flaw, "^TestBrokenConnector$")
}

// runChildSubtests runs the subtests of TestBrokenConnector that pattern
// selects (a go test -run pattern) with the flaw in a child process.
func runChildSubtests(t *testing.T, flaw, pattern string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run="+pattern, "-test.v", "-test.count=1", "-test.timeout=2m")
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

// flawNone runs TestBrokenConnector on the connector without a flaw.
const flawNone = "none"

// TestSubtestRunAloneRunsWhatItNeeds: a subtest selected alone with -run
// runs the check it starts from first, so it checks what it says it
// checks; it never skips to green, and it fails when that check fails.
func TestSubtestRunAloneRunsWhatItNeeds(t *testing.T) {
	tests := []struct {
		flaw, subtest string
		fail          bool
		says          string
	}{
		{flawNone, "read/people/resume", false, "the full read of people did not run (not selected by -run): running it first"},
		{flawNone, "read/people/incremental", false, "the full read of people did not run"},
		{flawNone, "read/people/cancel", false, "the full read of people did not run"},
		{flawNone, "write/people/target_id", false, "the idempotent write of people did not run (not selected by -run): running it first"},
		{flawSkipsRecord, "read/people/resume", true, "full read of people: want exactly 25 keys"},
		{flawResumeGap, "read/people/resume", true, "missing [p-11]"},
		{flawReversedResults, "write/people/target_id", true, "results out of order"},
	}
	for _, tt := range tests {
		t.Run(tt.flaw+"/"+tt.subtest, func(t *testing.T) {
			t.Parallel()
			pattern := "^TestBrokenConnector$"
			for _, part := range strings.Split(tt.subtest, "/") {
				pattern += "/^" + part + "$"
			}
			out, err := runChildSubtests(t, tt.flaw, pattern)
			leaf := "TestBrokenConnector/" + tt.subtest
			if tt.fail {
				var exit *exec.ExitError
				if !errors.As(err, &exit) || !strings.Contains(out, "--- FAIL: "+leaf+" ") {
					t.Errorf("%s alone on a connector with flaw %s: want it to fail, got %v\n%s", tt.subtest, tt.flaw, err, out)
				}
			} else if err != nil || !strings.Contains(out, "--- PASS: "+leaf+" ") {
				t.Errorf("%s alone on a correct connector: want it to pass (not skip), got %v\n%s", tt.subtest, err, out)
			}
			if !strings.Contains(out, tt.says) {
				t.Errorf("%s alone: the output does not say %q\n%s", tt.subtest, tt.says, out)
			}
		})
	}
}

// TestFailuresNameTheSuitesFiles: a failure's location names a file of
// the suite that no connector has (sdktest_read.go, not read.go, which the
// scaffold writes too).
func TestFailuresNameTheSuitesFiles(t *testing.T) {
	out, _ := runChildSubtests(t, flawSkipsRecord, "^TestBrokenConnector$/^read$/^people$/^full$")
	line := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "full read of people: want exactly") {
			line = strings.TrimSpace(l)
		}
	}
	if !strings.HasPrefix(line, "sdktest_") {
		t.Errorf("the failure is reported at %q, want a location in a file named sdktest_*.go\n%s", line, out)
	}
}

// A stream named in Suite.UpdateOnly only updates objects that exist: its
// writes pass saying created=false, even the first.
func TestUpdateOnlyStreamSaysNotCreated(t *testing.T) {
	s := memorySuite(t, flawNeverCreated, false)
	s.UpdateOnly = []string{"people"}
	s.Run(t)
}
