// Package monitor watches a running hub and says loudly when an
// integration breaks, before a customer notices: it runs each connection's
// Check on its own schedule, evaluates each pipeline's conditions
// (staleness, error rate, dead-letter depth, a hung plugin), keeps every
// alert's lifecycle (firing → resolved, one firing alert per key) in the
// state store so that it survives a restart, and POSTs each alert and its
// recovery as signed JSON to the configured receivers.
//
// A Monitor is built over a hub (New), runs until its context ends (Run),
// takes a new config after SIGHUP (Reload) and answers the API's questions
// (Connections, Alerts). Receivers verify what it sends with Verify.
//
// It is not a scheduler (the server runs pipelines) nor a metrics
// exporter (package core/metrics), and it never runs a pipeline: it only
// reads what runs left in the state, and checks connections.
package monitor
