// Command cxhub-connector-file is the file connector's plugin binary: the
// cxhub core starts it to read and write CSV and JSON Lines files. It is
// not meant to be run by hand.
package main

import (
	"github.com/cxhub/cxhub/connectors/file"
	"github.com/cxhub/cxhub/sdk"
)

func main() { sdk.Serve(file.New()) }
