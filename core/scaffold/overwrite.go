package scaffold

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// checkForeignGo refuses to write, even with Force, into directories that
// already hold Go files unless Dir holds the MarkerFile of an earlier
// Generate: --force rewrites a skeleton this package generated, never
// another package. (Without the check, `cxhub connector new file --force`
// inside the cxhub repository would replace the file connector's
// connector.go, read.go and write.go.) The directories looked at are those
// the skeleton's Go files go to: Dir, sandbox/ and cmd/<binary>/.
func (p *Plan) checkForeignGo() error {
	if _, err := os.Lstat(filepath.Join(p.Dir, MarkerFile)); err == nil {
		return nil
	}
	var found []string
	for _, dir := range p.goDirs() {
		entries, err := os.ReadDir(filepath.Join(p.Dir, filepath.FromSlash(dir)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("look for Go files in %s: %w", filepath.Join(p.Dir, filepath.FromSlash(dir)), err)
		}
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
				found = append(found, path.Join(dir, e.Name()))
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	shown := found[:min(len(found), 3)]
	more := ""
	if len(found) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(found)-len(shown))
	}
	return fmt.Errorf("directory %s holds Go files that cxhub connector new did not write (%s%s), and --force only rewrites a directory it generated, one holding %s: choose another directory",
		p.Dir, strings.Join(shown, ", "), more, MarkerFile)
}

// goDirs returns the directories, relative to Dir and slash-separated, that
// the planned Go files go to, each once, in the order of the files.
func (p *Plan) goDirs() []string {
	var dirs []string
	seen := map[string]bool{}
	for _, f := range p.Files {
		if d := path.Dir(f); strings.HasSuffix(f, ".go") && !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	return dirs
}
