// Command cxhub-wirebench measures the connector protocol's ceiling for
// `make bench`: it starts itself as a plugin, streams records from it over
// one go-plugin gRPC hop, and prints what arrived and how long it took as
// one JSON object (see package wirebench):
//
//	cxhub-wirebench -records 1000000 -record-bytes 450 -batch 500
//	{"records":1000000,"bytes":450000000,"elapsed_ns":1234567890}
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cxhub/cxhub/sdk/internal/gctune"
	"github.com/cxhub/cxhub/sdk/internal/wirebench"
)

func main() {
	if wirebench.IsPlugin() {
		wirebench.Serve()
		return
	}
	gctune.Apply() // the core's settings: this process is the host under test
	var o wirebench.Options
	flag.IntVar(&o.Records, "records", 1_000_000, "records to stream")
	flag.IntVar(&o.RecordBytes, "record-bytes", 450, "size of each record's data (at least 16)")
	flag.IntVar(&o.BatchSize, "batch", 500, "records per message")
	flag.Parse()
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cxhub-wirebench: find this program:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := wirebench.Run(ctx, self, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cxhub-wirebench:", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "cxhub-wirebench:", err)
		os.Exit(1)
	}
}
