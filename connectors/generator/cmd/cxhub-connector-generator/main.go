// Command cxhub-connector-generator is the generator connector's plugin
// binary: the cxhub core starts it to read synthetic customers and
// interactions. It is not meant to be run by hand.
package main

import (
	"github.com/cxhub/cxhub/connectors/generator"
	"github.com/cxhub/cxhub/sdk"
)

func main() { sdk.Serve(generator.New()) }
