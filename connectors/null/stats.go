package null

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cxhub/cxhub/sdk"
)

// Stats are what one writer received, as its stats file holds them:
//
//	{"stream":"customers","records":1000,"deletes":0,"bytes":450000}
type Stats struct {
	// Stream is the writer's stream.
	Stream string `json:"stream"`
	// Records counts every record written, deletes included.
	Records int64 `json:"records"`
	// Deletes counts the records whose Op was sdk.Delete.
	Deletes int64 `json:"deletes"`
	// Bytes sums the length of every record's Data.
	Bytes int64 `json:"bytes"`
}

// ReadStats reads a stats file a writer wrote when it closed.
func ReadStats(path string) (Stats, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Stats{}, fmt.Errorf("read stats file: %w", err)
	}
	var s Stats
	if err := json.Unmarshal(data, &s); err != nil {
		return Stats{}, fmt.Errorf("read stats file %s: %w", path, err)
	}
	return s, nil
}

// writeStats writes s to path atomically: to a temporary file in the same
// directory, synced, then renamed over path, so that a reader sees the old
// file or the new one, never a part. A failure is Transient.
func writeStats(path string, s Stats) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("write stats file %s: %w", path, err)
	}
	data = append(data, '\n')
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return sdk.Transient(fmt.Errorf("write stats file %s: %w", path, err))
	}
	_, err = f.Write(data)
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return sdk.Transient(fmt.Errorf("write stats file %s: %w", path, err))
	}
	return nil
}
