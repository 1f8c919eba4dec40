// Package benchmark measures cxhub end to end for `make bench`: the
// protocol's ceiling (the cxhub-wirebench program, sdk/internal/wirebench),
// a generator-to-null pipeline run by the engine with real plugin processes
// and a real SQLite file, the same
// with a link recorded per record, the peak memory of the real cxhub
// binary and its plugins as the record count grows, and a rate-limited
// sync into the HubSpot sandbox against its theoretical minimum.
//
// Every scenario runs several times in the same process on the same
// machine and is reported as median, min and max. It is a measuring tool
// for developers, not part of the hub; docs/performance.md explains the
// method and the figures.
package benchmark
