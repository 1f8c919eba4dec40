// Package scaffold writes the skeleton of a new cxhub connector: a small but
// real HTTP connector of one customers stream (a source and a destination,
// or either alone: see Shape), an in-memory sandbox of the API it talks to
// with a program that serves it by hand (cmd/<name>-sandbox), a conformance
// test that runs the sdktest suite against the two, a plugin main and a
// README that says what to change first. The skeleton builds and passes its own conformance
// test before its author changes a line; `cxhub connector new` wraps it.
//
// The files come from text/template templates embedded in the package
// (templates/*.tmpl); Go files are gofmt-formatted as they are written.
//
// It is not a general code generator nor a project manager: it never runs
// the go command, never edits an existing go.mod, and never overwrites a
// file unless told to (Options.Force); even then it refuses to write over a
// Go package it did not generate itself (see MarkerFile).
package scaffold
