// Command cxhub runs cxhub's pipelines and manages their state; see
// `cxhub --help` and docs/ for what it does.
package main

import (
	"os"

	"github.com/cxhub/cxhub/core/cli"
	"github.com/cxhub/cxhub/sdk/host"
)

func main() {
	host.TuneGC()
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
