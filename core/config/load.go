package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads, interpolates and validates the config file at path. When the
// file is invalid the error is Errors, listing every problem found.
// Connector-specific checks need the installed connectors: see Config.Check.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no config file %s: name one with -c FILE (or set CXHUB_CONFIG); configs/demo.yaml is a complete example: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: resolving %s: %w", path, err)
	}
	return load(path, filepath.Dir(abs), data, os.LookupEnv)
}

// load validates the bytes of the file named file, in directory dir.
//
// Two readers see the same bytes. viper (a fresh instance, never the global
// one) reads the settings the environment may override: state.path,
// plugins.dir and log.level. It cannot read the rest: viper lower-cases every
// key, even inside lists, which would corrupt case-sensitive map targets and
// connector config keys, and it forgets where each value was in the file. So
// everything else, and the checking of every key, is done on a yaml.v3 node
// tree, which keeps key case, order and the line and column of every node.
func load(file, dir string, data []byte, lookupEnv func(string) (string, bool)) (*Config, error) {
	protected, err := protectRefs(file, data)
	if err != nil {
		return nil, err
	}
	doc, err := parseYAML(file, protected, data)
	if err != nil {
		return nil, err
	}
	restoreRefs(doc)
	d := &decoder{
		errs:      errorList{file: file},
		bad:       map[*yaml.Node]bool{},
		lookupEnv: lookupEnv,
		dir:       dir,
		lines:     strings.Split(string(data), "\n"),
	}
	d.interpolate(doc, "")
	c, fromFile := d.document(doc)
	c.File = file
	d.settings(protected, fromFile, c)
	if err := d.errs.result(); err != nil {
		return nil, err
	}
	return c, nil
}

// yamlLine picks the line number out of a yaml.v3 syntax error.
var yamlLine = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)

// parseYAML parses data, which must hold one YAML document, into a node tree.
// An empty file gives an empty node.
// original is the file as written, for the lines errors quote (data has
// its ${...} references protected).
func parseYAML(file string, data, original []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &doc, nil
		}
		if m := yamlMistake(file, data, original); m != nil {
			return nil, Errors{m}
		}
		return nil, syntaxError(file, err, original)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
		return &doc, nil
	case err != nil:
		return nil, syntaxError(file, err, original)
	case len(next.Content) == 1 && isNull(next.Content[0]) && next.Content[0].Value == "":
		return &doc, nil // a trailing "---" and nothing after it
	default:
		return nil, Errors{{File: file, Line: next.Line, Msg: "a second YAML document (after ---) is not allowed: a config file holds one document"}}
	}
}

// unknownAnchor matches yaml.v3's message for an alias of no anchor.
var unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// syntaxError turns a yaml.v3 parse error into Errors.
func syntaxError(file string, err error, data []byte) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: file}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	// yaml.v3 numbers the lines of parser errors (as opposed to scanner
	// errors) from 0, leaves out line 0, and gives the line where the
	// enclosing mapping or list starts rather than where the problem is.
	if isParserError(msg) {
		e.Line++
		msg += " (in the mapping or list that starts on this line)"
	}
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil && e.Line == 0 {
		// yaml.v3 says which alias but not where: find its first use.
		alias := regexp.MustCompile(`(?m)\*` + regexp.QuoteMeta(m[1]) + `(?:[\s,\]}]|$)`)
		if loc := alias.FindIndex(data); loc != nil {
			before := data[:loc[0]]
			e.Line = bytes.Count(before, []byte("\n")) + 1
			e.Column = loc[0] - (bytes.LastIndexByte(before, '\n') + 1) + 1
		}
		msg += fmt.Sprintf(" (expected an anchor &%s defined earlier in the file)", m[1])
	}
	e.Msg = "invalid YAML: " + msg
	if strings.Contains(msg, "already defined") {
		e.Msg += " (a key may appear once in a mapping)"
	}
	if e.Line > 0 {
		e.Context = snippet(strings.Split(string(data), "\n"), e.Line, max(e.Column, 1))
	}
	return Errors{e}
}

// isParserError reports whether a yaml.v3 message comes from its parser.
func isParserError(msg string) bool {
	for _, p := range []string{"did not find expected", "found duplicate %", "found incompatible YAML document", "found undefined tag handle"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
