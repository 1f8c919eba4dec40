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

func TestRunStreamsEveryRecordFromAPluginProcess(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "cxhub-wirebench")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/cxhub-wirebench").CombinedOutput(); err != nil {
		t.Fatalf("build plugin: %v\n%s", err, out)
	}
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
