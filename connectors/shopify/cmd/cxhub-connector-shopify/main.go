// Command cxhub-connector-shopify is the Shopify connector's plugin binary:
// the cxhub core starts it to read and write a Shopify shop. It is not
// meant to be run by hand.
package main

import (
	"github.com/cxhub/cxhub/connectors/shopify"
	"github.com/cxhub/cxhub/sdk"
)

func main() { sdk.Serve(shopify.New()) }
