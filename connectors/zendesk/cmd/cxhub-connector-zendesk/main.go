// Command cxhub-connector-zendesk is the Zendesk connector's plugin binary:
// the cxhub core starts it to read and write a Zendesk Support account. It
// is not meant to be run by hand.
package main

import (
	"github.com/cxhub/cxhub/connectors/zendesk"
	"github.com/cxhub/cxhub/sdk"
)

func main() { sdk.Serve(zendesk.New()) }
