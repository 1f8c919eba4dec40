package identity

import (
	"context"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/sdk"
)

// Destination is the built-in profile store, the destination of a
// pipeline written `to: {profiles: true}`. It writes nothing itself: the
// Stage has indexed the batch's source records before the write, so each
// record is acknowledged as written (with no id, so no link is kept).
type Destination struct{}

var (
	_ sdk.Connector   = Destination{}
	_ sdk.Destination = Destination{}
)

// Spec describes the profile store.
func (Destination) Spec() sdk.Spec {
	return sdk.Spec{
		Name: config.ProfilesConnector, Version: "1.0.0", Kind: sdk.Generic,
		Description:  "cxhub's built-in profile store: the customer index, fed from a pipeline's canonical source stream.",
		ConfigSchema: `{"type":"object","additionalProperties":false}`,
		Streams: []sdk.StreamSpec{{
			Name: config.ProfilesStream, Canonical: sdk.CanonicalOther, PrimaryKey: []string{"key"},
			Description:  "Every record of the source stream, indexed as customer or interaction data.",
			Capabilities: sdk.Capabilities{Write: true, Delete: true},
		}},
	}
}

// Check always succeeds: the store is the hub's own.
func (Destination) Check(context.Context, sdk.CheckRequest) (sdk.CheckResponse, error) {
	return sdk.CheckResponse{Message: "the hub's customer index"}, nil
}

// OpenWriter returns a writer that acknowledges every record.
func (Destination) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return ackWriter{}, nil
}

type ackWriter struct{}

func (ackWriter) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	res := make([]sdk.Result, len(req.Records))
	for i := range res {
		res[i] = sdk.Written("", false)
	}
	return sdk.WriteResponse{Results: res}, nil
}

func (ackWriter) Close(context.Context) error { return nil }
