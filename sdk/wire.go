package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// This file converts between the SDK's types and the protocol's messages,
// for both sides of the connection.

func recordToPB(r *Record) *pb.Record {
	p := &pb.Record{
		Stream:    r.Stream,
		Key:       r.Key,
		Data:      r.Data,
		TargetId:  r.TargetID,
		Operation: pb.Operation(r.Op),
		Problem:   r.Problem,
	}
	if !r.UpdatedAt.IsZero() {
		p.UpdatedAtUnixNano = r.UpdatedAt.UnixNano()
	}
	return p
}

// recordFromPB converts a record off the wire. Protocol enums are open, so
// an operation this SDK does not know (a peer's bug, or a newer protocol)
// arrives as a number: rather than guess what it asks, the record becomes
// an upsert with a Problem, which the core dead-letters.
func recordFromPB(p *pb.Record) Record {
	r := Record{
		Stream:   p.GetStream(),
		Key:      p.GetKey(),
		Data:     p.GetData(),
		TargetID: p.GetTargetId(),
		Problem:  p.GetProblem(),
	}
	var problem string
	r.Op, problem = operationFromPB(p.GetOperation())
	r.Problem = joinProblems(r.Problem, problem)
	if ns := p.GetUpdatedAtUnixNano(); ns != 0 {
		r.UpdatedAt = time.Unix(0, ns).UTC()
	}
	return r
}

// operationFromPB converts a wire operation; one this SDK does not know
// becomes an upsert with a problem saying so.
func operationFromPB(op pb.Operation) (Operation, string) {
	// Compare before converting: Operation is narrower than the wire's
	// int32, and 257 would otherwise become a delete.
	switch op {
	case pb.Operation_OPERATION_UPSERT:
		return Upsert, ""
	case pb.Operation_OPERATION_DELETE:
		return Delete, ""
	}
	return Upsert, fmt.Sprintf("unknown operation %d (want upsert or delete)", int32(op))
}

// joinProblems joins two problems of one record, either possibly empty.
func joinProblems(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func recordsToPB(rs []Record) []*pb.Record {
	out := make([]*pb.Record, len(rs))
	for i := range rs {
		out[i] = recordToPB(&rs[i])
	}
	return out
}

func recordsFromPB(ps []*pb.Record) []Record {
	out := make([]Record, len(ps))
	for i, p := range ps {
		out[i] = recordFromPB(p)
	}
	return out
}

func specToPB(s Spec) *pb.ConnectorSpec {
	streams := make([]*pb.StreamSpec, len(s.Streams))
	for i, st := range s.Streams {
		streams[i] = streamToPB(st)
	}
	return &pb.ConnectorSpec{
		Name:         s.Name,
		Version:      s.Version,
		SystemKind:   string(s.Kind),
		Description:  s.Description,
		ConfigSchema: []byte(s.ConfigSchema),
		Streams:      streams,
		SdkVersion:   Version,
	}
}

func specFromPB(p *pb.ConnectorSpec) Spec {
	return Spec{
		Name:         p.GetName(),
		Version:      p.GetVersion(),
		Kind:         SystemKind(p.GetSystemKind()),
		Description:  p.GetDescription(),
		ConfigSchema: string(p.GetConfigSchema()),
		Streams:      streamsFromPB(p.GetStreams()),
	}
}

func streamToPB(s StreamSpec) *pb.StreamSpec {
	c := s.Capabilities
	return &pb.StreamSpec{
		Name:            s.Name,
		Description:     s.Description,
		CanonicalKind:   string(s.Canonical),
		InteractionKind: s.InteractionKind,
		PrimaryKey:      s.PrimaryKey,
		CursorField:     s.CursorField,
		Capabilities: &pb.Capabilities{
			Read: c.Read, IncrementalRead: c.IncrementalRead, Write: c.Write, Delete: c.Delete, Webhook: c.Webhook,
		},
		JsonSchema:      []byte(s.Schema),
		CanonicalFields: s.CanonicalFields,
	}
}

func streamsToPB(ss []StreamSpec) []*pb.StreamSpec {
	out := make([]*pb.StreamSpec, len(ss))
	for i, s := range ss {
		out[i] = streamToPB(s)
	}
	return out
}

func streamsFromPB(ps []*pb.StreamSpec) []StreamSpec {
	out := make([]StreamSpec, len(ps))
	for i, p := range ps {
		c := p.GetCapabilities()
		out[i] = StreamSpec{
			Name:            p.GetName(),
			Description:     p.GetDescription(),
			Canonical:       CanonicalKind(p.GetCanonicalKind()),
			InteractionKind: p.GetInteractionKind(),
			PrimaryKey:      p.GetPrimaryKey(),
			CursorField:     p.GetCursorField(),
			Capabilities: Capabilities{
				Read: c.GetRead(), IncrementalRead: c.GetIncrementalRead(), Write: c.GetWrite(),
				Delete: c.GetDelete(), Webhook: c.GetWebhook(),
			},
			Schema:          string(p.GetJsonSchema()),
			CanonicalFields: p.GetCanonicalFields(),
		}
	}
	return out
}

func headersToPB(h http.Header) []*pb.Header {
	out := make([]*pb.Header, 0, len(h))
	for name, values := range h {
		out = append(out, &pb.Header{Name: name, Values: values})
	}
	return out
}

func headersFromPB(ps []*pb.Header) http.Header {
	h := make(http.Header, len(ps))
	for _, p := range ps {
		for _, v := range p.GetValues() {
			h.Add(p.GetName(), v)
		}
	}
	return h
}

// The status code that carries each error kind.
var kindCodes = map[ErrorKind]codes.Code{
	KindUnknown:     codes.Unknown,
	KindTransient:   codes.Unavailable,
	KindRateLimited: codes.ResourceExhausted,
	KindBadRecord:   codes.InvalidArgument,
	KindConfig:      codes.FailedPrecondition,
	KindAuth:        codes.Unauthenticated,
	// Only with the Error detail: without it, INTERNAL (which gRPC uses
	// for its own failures too) is taken as unknown.
	KindConnectorBug: codes.Internal,
}

func errorToPB(err error) *pb.Error {
	if err == nil {
		return nil
	}
	return &pb.Error{
		Kind: pb.ErrorKind(KindOf(err)),
		// A proto string must be UTF-8: a message quoting a vendor's raw
		// body would otherwise fail the whole response (or, in a status,
		// drop this detail on the wire).
		Message:      strings.ToValidUTF8(err.Error(), "\uFFFD"),
		RetryAfterMs: RetryAfterOf(err).Milliseconds(),
	}
}

func errorFromPB(p *pb.Error) error {
	if p == nil {
		return nil
	}
	return &Error{
		Kind:       ErrorKind(p.GetKind()),
		RetryAfter: time.Duration(p.GetRetryAfterMs()) * time.Millisecond,
		Err:        errors.New(p.GetMessage()),
	}
}

// errorToStatus turns a connector's error into a gRPC status for the host.
func errorToStatus(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	detail := errorToPB(err)
	st, derr := status.New(kindCodes[KindOf(err)], detail.GetMessage()).WithDetails(detail)
	if derr != nil {
		return status.Error(kindCodes[KindOf(err)], detail.GetMessage())
	}
	return st.Err()
}

// errorFromStatus turns a gRPC error into an *Error with the kind the
// connector gave it, or the kind its status code implies. A broken
// connection (the plugin died) is transient.
func errorFromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return &Error{Kind: KindTransient, Err: err}
	}
	for _, d := range st.Details() {
		if p, ok := d.(*pb.Error); ok {
			return errorFromPB(p)
		}
	}
	switch st.Code() {
	case codes.Canceled:
		return context.Canceled
	case codes.DeadlineExceeded:
		return context.DeadlineExceeded
	}
	kind := KindUnknown
	for k, c := range kindCodes {
		if c == st.Code() && k != KindUnknown && k != KindConnectorBug {
			kind = k
		}
	}
	if st.Code() == codes.Unimplemented {
		kind = KindConfig
	}
	return &Error{Kind: kind, Err: errors.New(st.Message())}
}
