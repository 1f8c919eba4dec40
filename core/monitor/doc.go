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
// (Connections, Alerts). Receivers verify what it sends with Verify. A
// server wires it, with package metrics, in a few lines:
//
//	mon := monitor.New(h, monitor.Options{})
//	met := metrics.New(h)
//	defer met.Close()
//	go mon.Run(ctx)                        // returns once ctx ends and its loops stopped
//	mux.Handle("GET /metrics", met.Handler())
//	// GET /api/v1/connections: mon.Connections(); GET /api/v1/alerts: mon.Alerts(ctx, f)
//	// on SIGHUP, once the new config is valid: mon.Reload(cfg); met.Reload(cfg)
//	// when a hung plugin is killed: mon.PluginHung(pipeline, detail); met.PluginHung(pipeline)
//
// The alerts, the notification's shape and its signature are described in
// docs/monitoring.md.
//
// It is not a scheduler (the server runs pipelines) nor a metrics
// exporter (package core/metrics), and it never runs a pipeline: it only
// reads what runs left in the state, and checks connections.
package monitor
