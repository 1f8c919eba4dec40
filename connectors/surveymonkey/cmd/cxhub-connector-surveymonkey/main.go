// Command cxhub-connector-surveymonkey is the SurveyMonkey connector's
// plugin binary: the cxhub core starts it to read surveys and responses and
// write contacts. It is not meant to be run by hand.
package main

import (
	"github.com/cxhub/cxhub/connectors/surveymonkey"
	"github.com/cxhub/cxhub/sdk"
)

func main() { sdk.Serve(surveymonkey.New()) }
