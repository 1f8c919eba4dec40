// Command cxhub-connector-hubspot is the HubSpot connector's plugin binary:
// the cxhub core starts it to read and write HubSpot contacts, companies and
// notes. It is not meant to be run by hand.
package main

import (
	"github.com/cxhub/cxhub/connectors/hubspot"
	"github.com/cxhub/cxhub/sdk"
)

func main() { sdk.Serve(hubspot.New()) }
