// Package null is the cxhub destination connector that writes nowhere: it
// answers every record as written and drops it, counting what it was
// given. It builds to the plugin binary cxhub-connector-null (see
// cmd/cxhub-connector-null).
//
// It is for load tests (make bench measures the engine with it, with the
// generator as the source), for dry runs of a pipeline's read and mapping
// before a real destination exists, and for measuring what the core itself
// costs. It is not a place to keep data: nothing written to it can be read
// back, and it never refuses a record.
//
// # Configuration
//
// In a config file, connector: null names it: the config loader reads the
// bare word (YAML's null) as this name, since a connection needs one.
//
//	config:
//	  streams: [customers, interactions]   # the streams accepted; this is the default
//	  return_ids: false                    # answer each record with id null-<key>
//	  stats_file: "./null-{stream}.json"   # optional: totals written when a writer closes
//
// A pipeline may write to any stream that streams lists; opening a writer
// of another is a config error. Discover lists those streams (the spec
// lists none, so validation accepts any stream name and the writer
// decides).
//
// # Writing
//
// Every record, upsert or delete, is answered as written, never as
// created: null holds no objects, so none is ever new, and a record
// written twice is answered the same twice. With return_ids off (the
// default) the answers carry no id and the core records no link; with it
// on, each carries the id null-<key>, so that the core keeps a link per
// record as it would for a real destination, and a later write of the
// record carries that id as its TargetID.
//
// Each writer counts the records it was given, the deletes among them and
// the bytes of their data. With stats_file set, Close writes those totals,
// and the writer's stream, as one JSON object:
//
//	{"stream":"customers","records":1000,"deletes":0,"bytes":450000}
//
// The file is replaced atomically (a temporary file renamed over it): a
// reader sees the previous totals or the new ones. It holds the totals of
// one writer, the last one closed: the core opens one writer per pipeline
// run (and a new one when it restarts a run after a failure), so put
// {stream} in the path when several pipelines write to one connection, and
// expect a restarted run's file to count only what came after the restart.
// ReadStats reads the file back.
package null
