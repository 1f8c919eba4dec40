package wirebench

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestFillerIsJSONOfTheSize(t *testing.T) {
	for _, size := range []int{30, 100, 450, 4096} {
		b := filler("cus-10000001", size)
		if len(b) != size || !json.Valid(b) {
			t.Errorf("filler(%d) = %d bytes, valid=%v", size, len(b), json.Valid(b))
		}
	}
}

// buildCommand builds cmd/cxhub-wirebench, the measuring program and plugin.
func buildCommand(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cxhub-wirebench")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/cxhub-wirebench").CombinedOutput(); err != nil {
		t.Fatalf("build plugin: %v\n%s", err, out)
	}
	return bin
}

func TestRunStreamsEveryRecordFromAPluginProcess(t *testing.T) {
	bin := buildCommand(t)
	for _, o := range []Options{{Records: 1234, RecordBytes: 450, BatchSize: 500}, {Records: 0, RecordBytes: 64, BatchSize: 7}} {
		res, err := Run(context.Background(), bin, o)
		if err != nil {
			t.Fatalf("Run(%+v): %v", o, err)
		}
		if res.Records != int64(o.Records) || res.Bytes != int64(o.Records*o.RecordBytes) {
			t.Errorf("Run(%+v) = %d records, %d bytes", o, res.Records, res.Bytes)
		}
	}
	if _, err := Run(context.Background(), bin, Options{Records: 1, RecordBytes: 4, BatchSize: 1}); err == nil {
		t.Error("Run accepted a record size below 16")
	}
}

// The program measures a stream from itself and prints the Result as JSON,
// which is how the core's benchmark reads it.
func TestCommandPrintsTheResult(t *testing.T) {
	bin := buildCommand(t)
	out, err := exec.Command(bin, "-records", "2345", "-record-bytes", "100", "-batch", "50").Output()
	if err != nil {
		t.Fatalf("cxhub-wirebench: %v", err)
	}
	var res Result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("output %q is not a Result: %v", out, err)
	}
	if res.Records != 2345 || res.Bytes != 234500 || res.Elapsed <= 0 {
		t.Errorf("result %+v, want 2345 records, 234500 bytes and a duration", res)
	}
	if out, err := exec.Command(bin, "-record-bytes", "4").CombinedOutput(); err == nil {
		t.Errorf("a record size below 16 was accepted: %s", out)
	}
}
