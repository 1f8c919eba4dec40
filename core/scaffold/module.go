package scaffold

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Module is a Go module found on disk.
type Module struct {
	// Path is the module path its go.mod declares.
	Path string
	// Dir is the absolute directory holding its go.mod.
	Dir string
}

// FindModule returns the module that encloses dir: the nearest go.mod in
// dir or one of its parents. dir need not exist yet. found is false when no
// go.mod encloses dir.
func FindModule(dir string) (mod Module, found bool, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Module{}, false, fmt.Errorf("find the module of %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		switch {
		case err == nil:
			p, err := modulePath(data)
			if err != nil {
				return Module{}, false, fmt.Errorf("read %s: %w", filepath.Join(d, "go.mod"), err)
			}
			return Module{Path: p, Dir: d}, true, nil
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) && !isNotDir(err):
			return Module{}, false, fmt.Errorf("look for a go.mod in %s: %w", d, err)
		}
		if filepath.Dir(d) == d {
			return Module{}, false, nil
		}
	}
}

// isNotDir reports whether err says a path element is a file, not a
// directory: no go.mod can be there.
func isNotDir(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "not a directory")
}

// modulePath reads the module directive of a go.mod.
func modulePath(gomod []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		rest, ok := strings.CutPrefix(line, "module")
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '"') {
			continue
		}
		p := strings.TrimSpace(rest)
		if strings.HasPrefix(p, `"`) || strings.HasPrefix(p, "`") {
			unq, err := strconv.Unquote(p)
			if err != nil {
				return "", fmt.Errorf("module directive %q: %w", line, err)
			}
			p = unq
		}
		if p == "" {
			return "", fmt.Errorf("module directive %q names no module", line)
		}
		return p, nil
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no module directive")
}

// ImportPath returns the import path of the package in dir, a directory
// inside mod (or mod's own directory).
func (mod Module) ImportPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("import path of %s: %w", dir, err)
	}
	rel, err := filepath.Rel(mod.Dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("import path of %s: it is not inside module %s (%s)", dir, mod.Path, mod.Dir)
	}
	if rel == "." {
		return mod.Path, nil
	}
	rel = filepath.ToSlash(rel)
	for _, elem := range strings.Split(rel, "/") {
		if err := checkPathElement(elem); err != nil {
			return "", fmt.Errorf("import path of %s in module %s: %w", dir, mod.Path, err)
		}
	}
	return path.Join(mod.Path, rel), nil
}

// checkPathElement reports why elem cannot be part of an import path the go
// command builds: characters it refuses, or a name it ignores.
func checkPathElement(elem string) error {
	if elem == "" || elem[0] == '.' || elem[0] == '_' {
		return fmt.Errorf("directory %q: the go command ignores directories whose name starts with '.' or '_'", elem)
	}
	if elem == "testdata" {
		return fmt.Errorf("directory %q: the go command ignores testdata directories", elem)
	}
	if r, ok := badPathRune(elem); ok {
		return fmt.Errorf("directory %q: %q is not allowed in an import path (use letters, digits and -._~+)", elem, r)
	}
	return nil
}

// badPathRune returns the first rune of elem that an import path cannot hold.
func badPathRune(elem string) (rune, bool) {
	for _, r := range elem {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~+", r)
		if !ok {
			return r, true
		}
	}
	return 0, false
}

// checkModulePath reports a module path a go.mod cannot declare.
func checkModulePath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return fmt.Errorf("module path %q: want slash-separated elements such as example.com/acme", p)
	}
	for _, elem := range strings.Split(p, "/") {
		if elem[0] == '.' {
			return fmt.Errorf("module path %q: element %q cannot start with a dot", p, elem)
		}
		if r, bad := badPathRune(elem); bad {
			return fmt.Errorf("module path %q: %q is not allowed (use letters, digits and -._~+)", p, r)
		}
	}
	return nil
}
