// Command cxhub-connector-null is the null connector's plugin binary: the
// cxhub core starts it to write records nowhere. It is not meant to be run
// by hand.
package main

import (
	"github.com/cxhub/cxhub/connectors/null"
	"github.com/cxhub/cxhub/sdk"
)

func main() { sdk.Serve(null.New()) }
