package specdoc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Compare checks that the file at path holds page. With update, it
// writes page there instead (creating the directory). A stale or missing
// page is an error that says how to regenerate it.
func Compare(path string, page []byte, update bool) error {
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("writing reference page: %w", err)
		}
		if err := os.WriteFile(path, page, 0o644); err != nil {
			return fmt.Errorf("writing reference page: %w", err)
		}
		return nil
	}
	got, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reference page %s is missing: run make docs", path)
	}
	if err != nil {
		return fmt.Errorf("reading reference page: %w", err)
	}
	if !bytes.Equal(got, page) {
		return fmt.Errorf("reference page %s is stale (the spec changed): run make docs, and commit it", path)
	}
	return nil
}
