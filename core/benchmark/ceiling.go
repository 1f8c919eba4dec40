package benchmark

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"time"
)

// ceilingRun is what one run of cxhub-wirebench measured: one go-plugin
// gRPC hop of prebuilt record batches, with no processing.
type ceilingRun struct {
	Records int64         `json:"records"`
	Bytes   int64         `json:"bytes"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// runCeiling runs the cxhub-wirebench program at bin and reads the one
// JSON object it prints. The measuring code lives in the SDK's internal
// tree (sdk/internal/wirebench), beside the protocol's generated code it
// must use, which the core may not import: the core only runs it.
func runCeiling(ctx context.Context, bin string, records, recordBytes, batch int) (ceilingRun, error) {
	cmd := exec.CommandContext(ctx, bin, "-records", strconv.Itoa(records),
		"-record-bytes", strconv.Itoa(recordBytes), "-batch", strconv.Itoa(batch))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return ceilingRun{}, fmt.Errorf("run %s: %w: %s", bin, err, bytes.TrimSpace(stderr.Bytes()))
	}
	var run ceilingRun
	if err := json.Unmarshal(out, &run); err != nil {
		return ceilingRun{}, fmt.Errorf("read the result of %s: %w (output %q)", bin, err, out)
	}
	if run.Records != int64(records) || run.Elapsed <= 0 {
		return ceilingRun{}, fmt.Errorf("%s carried %d records in %v, want %d", bin, run.Records, run.Elapsed, records)
	}
	return run, nil
}
