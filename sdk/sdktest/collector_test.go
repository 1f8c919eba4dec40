package sdktest_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// sourceFunc is a Source made of a function.
type sourceFunc func(context.Context, sdk.ReadRequest, sdk.Emitter) error

func (f sourceFunc) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	return f(ctx, req, out)
}

func TestReadAllCollects(t *testing.T) {
	state := []byte("1")
	src := sourceFunc(func(_ context.Context, _ sdk.ReadRequest, out sdk.Emitter) error {
		if err := out.Emit(sdk.Record{Stream: "a", Key: "1"}, sdk.Record{Stream: "b", Key: "x"}); err != nil {
			return err
		}
		if err := out.Checkpoint("a", state); err != nil {
			return err
		}
		state[0] = '9' // the collector must have kept its own copy
		if err := out.Emit(sdk.Record{Stream: "a", Key: "2"}); err != nil {
			return err
		}
		if err := out.Checkpoint("a", []byte("2")); err != nil {
			return err
		}
		return errors.New("connection reset")
	})
	c, err := sdktest.ReadAll(context.Background(), src, sdk.ReadRequest{})
	if err == nil || err.Error() != "connection reset" {
		t.Errorf("ReadAll error = %v, want the source's", err)
	}
	if got := c.Keys("a"); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("Keys(a) = %q, want [1 2]", got)
	}
	if got := c.Keys("b"); !slices.Equal(got, []string{"x"}) {
		t.Errorf("Keys(b) = %q, want [x]", got)
	}
	want := []sdktest.Checkpoint{{Stream: "a", State: []byte("1"), After: 2}, {Stream: "a", State: []byte("2"), After: 3}}
	if !slices.EqualFunc(c.Checkpoints, want, func(a, b sdktest.Checkpoint) bool {
		return a.Stream == b.Stream && string(a.State) == string(b.State) && a.After == b.After
	}) {
		t.Errorf("Checkpoints = %+v, want %+v", c.Checkpoints, want)
	}
	if got := string(c.Last("a")); got != "2" {
		t.Errorf("Last(a) = %q, want 2", got)
	}
	if got := c.Last("b"); got != nil {
		t.Errorf("Last(b) = %q, want nil: b had no checkpoint", got)
	}
}

func TestUnreachableURLRefusesConnections(t *testing.T) {
	url := sdktest.UnreachableURL(t)
	err := (&memory{}).ping(t.Context(), url)
	if sdk.KindOf(err) != sdk.KindTransient {
		t.Errorf("a call to %s: %v, want a refused connection (transient)", url, err)
	}
}
