package sdktest

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// checkDiscover is the discover subtest. It records what Discover found,
// for the read and write subtests.
func (r *run) checkDiscover(t *testing.T) {
	resp, err := r.plugin.Discover(r.callCtx(t), sdk.DiscoverRequest{Config: r.config()})
	if err != nil {
		t.Fatalf("Discover with the config: want the streams, got %s", describeErr(err))
	}
	r.discovered, r.discoveredOK = resp.Streams, true
	if len(resp.Streams) == 0 && len(r.spec.Streams) == 0 {
		t.Fatalf("no streams: the spec declares none and Discover with the config finds none")
	}
	_, discoverer := r.s.Connector.(sdk.Discoverer)
	if r.inProcess && !discoverer {
		r.checkDiscoverIsSpec(t, resp.Streams)
		return
	}
	for _, p := range streamsProblems(resp.Streams) {
		t.Error("discovered " + p)
	}
	for _, got := range resp.Streams {
		want, ok := r.spec.Stream(got.Name)
		if !ok {
			continue
		}
		if diffs := streamDifferences(want, got); len(diffs) > 0 {
			t.Errorf("discovered stream %q differs from the spec's: %s", got.Name, strings.Join(diffs, "; "))
		}
	}
}

// checkDiscoverIsSpec checks that a connector without a Discoverer
// discovers exactly its spec's streams.
func (r *run) checkDiscoverIsSpec(t *testing.T, got []sdk.StreamSpec) {
	want := r.spec.Streams
	if len(got) != len(want) {
		t.Fatalf("Discover of a connector that is not a Discoverer: want the spec's %d streams %q, got %d %q",
			len(want), r.spec.StreamNames(), len(got), sdk.Spec{Streams: got}.StreamNames())
	}
	for i := range want {
		if got[i].Name != want[i].Name {
			t.Errorf("Discover: stream %d is %q, the spec's is %q", i, got[i].Name, want[i].Name)
			continue
		}
		if diffs := streamDifferences(want[i], got[i]); len(diffs) > 0 {
			t.Errorf("Discover: stream %q differs from the spec's: %s", got[i].Name, strings.Join(diffs, "; "))
		}
	}
}
