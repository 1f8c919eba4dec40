// Package cputime tells how much CPU time this process has used, for the
// load connectors' benchmarks, which report it per record: on a machine
// shared with other work it says more than the wall clock.
//
// core/internal/cputime is its twin for the core's benchmark: core and
// connectors may not import each other, and the SDK should not publish a
// benchmark helper to partners, so the few lines live twice.
package cputime
