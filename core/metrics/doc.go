// Package metrics exports a hub's Prometheus metrics: what its runs did
// (records read, written, created, updated, dead-lettered; run durations;
// retries, rate-limit waits, plugin restarts and hangs), fed by the hub's
// event stream; what its state says at scrape time (last success,
// checkpoint age, dead-letter depth, alerts firing); and what the server
// reports of webhooks (deliveries by outcome, webhook-to-destination
// latency). Every name carries the cxhub_ prefix and follows Prometheus
// conventions: counters end in _total, durations are in seconds.
//
// A Metrics has its own registry (no global state): serve Handler at
// /metrics. The list of metrics, with example alert rules, is in
// docs/monitoring.md.
//
// It is not the monitor (package core/monitor raises and sends alerts); it
// only counts.
package metrics
