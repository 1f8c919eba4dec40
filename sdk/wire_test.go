package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/cxhub/cxhub/sdk/internal/fieldcheck"
)

// Every kind survives the trip connector error → gRPC status → host error,
// with its message and its wait.
func TestErrorStatusRoundTrip(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(kind.String(), func(t *testing.T) {
			const msg = "get /contacts: vendor says no (ünïcode)"
			after := 1500 * time.Millisecond
			sent := fmt.Errorf("read contacts: %w", &Error{Kind: kind, RetryAfter: after, Err: errors.New(msg)})

			st := errorToStatus(sent)
			if got, want := status.Code(st), kindCodes[kind]; got != want {
				t.Errorf("status code = %s, want %s", got, want)
			}
			got := errorFromStatus(st)
			if KindOf(got) != kind || got.Error() != sent.Error() || RetryAfterOf(got) != after {
				t.Errorf("round trip gave kind %s, message %q, retry after %v; want %s, %q, %v",
					KindOf(got), got, RetryAfterOf(got), kind, sent, after)
			}
		})
	}
}

func TestErrorStatusPlainError(t *testing.T) {
	st := errorToStatus(errors.New("something odd"))
	if status.Code(st) != codes.Unknown {
		t.Errorf("a plain error travels as %s, want %s", status.Code(st), codes.Unknown)
	}
	got := errorFromStatus(st)
	if KindOf(got) != KindUnknown || got.Error() != "something odd" {
		t.Errorf("a plain error comes back as %s %q, want unknown %q", KindOf(got), got, "something odd")
	}
}

// A status without an Error detail (a connector in another language, or
// gRPC itself) gets the kind its code implies.
func TestErrorFromStatusWithoutDetail(t *testing.T) {
	tests := []struct {
		code codes.Code
		kind ErrorKind
	}{
		{codes.Unavailable, KindTransient},
		{codes.ResourceExhausted, KindRateLimited},
		{codes.InvalidArgument, KindBadRecord},
		{codes.FailedPrecondition, KindConfig},
		{codes.Unauthenticated, KindAuth},
		{codes.Unimplemented, KindConfig},
		{codes.Unknown, KindUnknown},
		{codes.Internal, KindUnknown},
		{codes.NotFound, KindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			got := errorFromStatus(status.Error(tt.code, "from the wire"))
			if KindOf(got) != tt.kind || got.Error() != "from the wire" {
				t.Errorf("status %s gave %s %q, want %s %q", tt.code, KindOf(got), got, tt.kind, "from the wire")
			}
			if RetryAfterOf(got) != 0 {
				t.Errorf("RetryAfterOf = %v, want 0", RetryAfterOf(got))
			}
		})
	}
}

func TestErrorStatusContext(t *testing.T) {
	tests := []struct {
		err  error
		code codes.Code
	}{
		{context.Canceled, codes.Canceled},
		{fmt.Errorf("read page: %w", context.Canceled), codes.Canceled},
		{Transient(context.Canceled), codes.Canceled},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
		{fmt.Errorf("read page: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
	}
	for _, tt := range tests {
		st := errorToStatus(tt.err)
		if status.Code(st) != tt.code {
			t.Errorf("errorToStatus(%v) has code %s, want %s", tt.err, status.Code(st), tt.code)
		}
		got := errorFromStatus(st)
		want := context.Canceled
		if tt.code == codes.DeadlineExceeded {
			want = context.DeadlineExceeded
		}
		if !errors.Is(got, want) {
			t.Errorf("errorFromStatus(errorToStatus(%v)) = %v, want %v", tt.err, got, want)
		}
	}
}

func TestErrorFromStatusEdges(t *testing.T) {
	if errorToStatus(nil) != nil || errorFromStatus(nil) != nil {
		t.Error("nil does not stay nil")
	}
	if errorToPB(nil) != nil || errorFromPB(nil) != nil {
		t.Error("nil does not stay nil as a protocol Error")
	}
	// An error that is not a gRPC status at all is a broken connection.
	got := errorFromStatus(errors.New("connection reset by peer"))
	if KindOf(got) != KindTransient {
		t.Errorf("a non-status error comes back as %s, want transient", KindOf(got))
	}
}

func TestRecordWireRoundTrip(t *testing.T) {
	tests := []Record{
		{},
		{Stream: "contacts", Key: "42", Data: []byte(`{"id":42}`), UpdatedAt: time.Unix(1_700_000_000, 123_456_789).UTC()},
		{Stream: "contacts", Key: "43", Op: Delete, TargetID: "t-9", Data: []byte(`{}`)},
		{Stream: "tickets", Key: "line 7", Data: []byte("not json"), Problem: "line 7 is not JSON"},
	}
	for i, r := range tests {
		if got := recordFromPB(recordToPB(&r)); !reflect.DeepEqual(got, r) {
			t.Errorf("record %d: round trip gave\n%+v\nwant\n%+v", i, got, r)
		}
	}
	// A time in another zone comes back as the same instant, in UTC.
	paris := time.FixedZone("CET", 3600)
	r := Record{UpdatedAt: time.Date(2025, 3, 1, 12, 0, 0, 0, paris)}
	got := recordFromPB(recordToPB(&r))
	if !got.UpdatedAt.Equal(r.UpdatedAt) || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("UpdatedAt %v came back as %v, want the same instant in UTC", r.UpdatedAt, got.UpdatedAt)
	}
	if p := recordToPB(&Record{}); p.GetUpdatedAtUnixNano() != 0 {
		t.Errorf("a zero UpdatedAt travels as %d, want 0", p.GetUpdatedAtUnixNano())
	}
}

func TestSpecWireRoundTrip(t *testing.T) {
	spec := Spec{
		Name: "hubspot", Version: "2.0.1", Kind: CRM, Description: "HubSpot CRM.",
		ConfigSchema: `{"type":"object"}`,
		Streams: []StreamSpec{{
			Name: "contacts", Description: "People.", Canonical: CanonicalCustomer, InteractionKind: "none",
			PrimaryKey: []string{"id"}, CursorField: "updatedAt",
			Capabilities:    Capabilities{Read: true, IncrementalRead: true, Write: true, Delete: true, Webhook: true},
			Schema:          `{"type":"object"}`,
			CanonicalFields: map[string]string{"email": "properties.email"},
		}},
	}
	fieldcheck.NoZero(t, "Spec", reflect.ValueOf(spec))
	p := specToPB(spec)
	if p.GetSdkVersion() != Version {
		t.Errorf("spec travels with SDK version %q, want %q", p.GetSdkVersion(), Version)
	}
	if got := specFromPB(p); !reflect.DeepEqual(got, spec) {
		t.Errorf("round trip gave\n%+v\nwant\n%+v", got, spec)
	}
	// Each capability travels on its own.
	for i, c := range []Capabilities{{Read: true}, {IncrementalRead: true}, {Write: true}, {Delete: true}, {Webhook: true}} {
		got := streamsFromPB([]*pb.StreamSpec{streamToPB(StreamSpec{Capabilities: c})})[0].Capabilities
		if got != c {
			t.Errorf("capabilities %d: %+v came back as %+v", i, c, got)
		}
	}
}

func TestHeadersWireRoundTrip(t *testing.T) {
	h := http.Header{"X-Multi": {"a", "b", "c"}, "Content-Type": {"application/json"}, "X-Empty": {""}}
	if got := headersFromPB(headersToPB(h)); !reflect.DeepEqual(got, h) {
		t.Errorf("round trip gave %v, want %v", got, h)
	}
	// Names that arrive in another case are canonical on the other side.
	got := headersFromPB([]*pb.Header{{Name: "x-hub-signature", Values: []string{"s"}}})
	if got.Get("X-Hub-Signature") != "s" {
		t.Errorf("header x-hub-signature not found as X-Hub-Signature in %v", got)
	}
}

// A message that is not UTF-8 (a vendor's raw body quoted in an error)
// still travels with its kind and its wait.
func TestErrorStatusInvalidUTF8(t *testing.T) {
	sent := RateLimited(errors.New("vendor said: \xff\xfe"), 5*time.Second)
	st := errorToStatus(sent)
	// gRPC sends the status as a google.rpc.Status message; it must marshal.
	if _, err := proto.Marshal(status.Convert(st).Proto()); err != nil {
		t.Fatalf("the status cannot go on the wire: %v", err)
	}
	got := errorFromStatus(st)
	if KindOf(got) != KindRateLimited || RetryAfterOf(got) != 5*time.Second {
		t.Errorf("round trip gave %s after %v, want rate_limited after 5s", KindOf(got), RetryAfterOf(got))
	}
	if want := "vendor said: \uFFFD"; got.Error() != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}
