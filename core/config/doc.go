// Package config loads and validates a cxhub pipeline file: the YAML an IT
// admin writes to say which systems to connect ("connections") and what to
// sync between them ("pipelines").
//
// Loading happens in two phases. [Load] reads one file, interpolates
// environment variables (${VAR}, ${VAR:-default}, $${ for a literal ${;
// unquoted references work even inside {...} flow mappings),
// checks every key and value against the file format, compiles every map and
// where expression, and resolves relative paths against the file's
// directory. [Config.Check] then validates what needs the installed
// connectors: connector names, each connection's config against its
// connector's JSON Schema, and the streams each pipeline reads and writes.
// Both phases report every problem they find at once, as [Errors], each
// naming the file, line, column and key and saying what was expected:
//
//	configs/demo.yaml:14:17: pipelines[1].to.connection: unknown connection "zendsk" (known: crm, files, helpdesk)
//
// The settings state.path, plugins.dir and log.level may be overridden from
// the environment with CXHUB_STATE_PATH, CXHUB_PLUGINS_DIR and
// CXHUB_LOG_LEVEL; a relative path from the environment, like one from the
// file, resolves against the config file's directory.
//
// This package is not for running anything: it does not start plugins, open
// the state database or evaluate expressions on records. It never prints or
// logs; secret values (see [Config.Secrets]) never appear in its errors.
package config
