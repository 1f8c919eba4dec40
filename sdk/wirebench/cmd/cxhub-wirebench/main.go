// Command cxhub-wirebench is the plugin that `make bench` streams records
// from to measure the protocol's ceiling; see package wirebench.
package main

import "github.com/cxhub/cxhub/sdk/wirebench"

func main() { wirebench.Serve() }
