package benchmark

import (
	"fmt"
	"os"
	"path/filepath"
)

// Workload is the pipeline every throughput and memory scenario runs: the
// generator's customers, five fields mapped, a where filter, into null.
type Workload struct {
	Records     int  // customers to generate
	RecordBytes int  // approximate size of each generated record
	BatchSize   int  // the pipeline's batch_size
	Links       bool // null returns a destination id per record, so the core keeps a link each
}

// pipelineName is the one pipeline in a workload's config.
const pipelineName = "bench"

const workloadYAML = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: %q}
connections:
  gen:
    connector: generator
    config: {count: %d, record_size: %d, seed: 7}
  sink:
    connector: null
    config: {return_ids: %t, stats_file: null-stats.json}
pipelines:
  - name: bench
    from: {connection: gen, stream: customers}
    to: {connection: sink, stream: customers}
    map:
      id: id
      email: email
      name: first_name
      surname: last_name
      phone: phone
    where: 'email != "" && country != "Atlantis"'
    batch_size: %d
`

// write puts the workload's config in dir and returns its path.
func (w Workload) write(dir, pluginDir string) (string, error) {
	path := filepath.Join(dir, "bench.yaml")
	yaml := fmt.Sprintf(workloadYAML, pluginDir, w.Records, w.RecordBytes, w.Links, w.BatchSize)
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		return "", fmt.Errorf("write workload config: %w", err)
	}
	return path, nil
}
