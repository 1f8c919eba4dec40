package identity_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/sqlite"
	"github.com/cxhub/cxhub/sdk"
)

// downStore is a store whose index cannot be written (its Update fails),
// as if the process stopped before the background indexing ran.
type downStore struct {
	identity.Store
	down bool
}

func (s *downStore) Update(ctx context.Context, fn func(identity.Tx) error) error {
	if s.down {
		return errors.New("the process stopped")
	}
	return s.Store.Update(ctx, fn)
}

// TestQueuedBatchSurvivesAStop: the stage queues a batch and returns
// before it is indexed; the process stops before indexing it; the next
// writer with a stage indexes it, once.
func TestQueuedBatchSurvivesAStop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	down := &downStore{Store: st}
	ix, err := identity.Open(ctx, down, rules(), catalog())
	if err != nil {
		t.Fatal(err)
	}
	down.down = true
	stage := identity.NewStage(ix, &config.Config{}, nil)
	b := &engine.Batch{Pipeline: "users", From: engine.Endpoint{Connection: "helpdesk", Stream: "users"},
		To: engine.Endpoint{Connection: config.ProfilesConnection, Stream: config.ProfilesStream},
		In: []sdk.Record{
			{Stream: "users", Key: "9001", Data: []byte(`{"id":9001,"email":"ann@x.org"}`)},
			{Stream: "users", Key: "9002", Data: []byte(`{"id":9002,"email":"ANN@x.org "}`)},
		}}
	if err := stage.Process(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := ix.Flush(ctx); err == nil {
		t.Fatal("flush succeeded with the index down")
	}
	_ = ix.Close(ctx)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	ix = openIndex(t, path, rules())
	if _, err := ix.Find(ctx, "ann@x.org"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("indexed before a stage started: %v", err)
	}
	identity.NewStage(ix, &config.Config{}, nil)
	t.Cleanup(func() { _ = ix.Close(ctx) })
	if err := ix.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	samePartition(t, partition(t, ix), [][]string{{"helpdesk/users/9001", "helpdesk/users/9002"}})
}

// TestQueueIndexedInOrderAcrossChunks: batches queued faster than the
// indexer takes them (several chunks, the next read while one is written)
// are indexed in order, each once: a record that moves from one person's
// email to the next ends with the last, and a delete queued between the
// upserts holds.
func TestQueueIndexedInOrderAcrossChunks(t *testing.T) {
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
	stage := identity.NewStage(ix, &config.Config{}, nil)
	t.Cleanup(func() { _ = ix.Close(ctx) })
	const batches = 30 // almost four chunks of eight
	batch := func(recs ...sdk.Record) *engine.Batch {
		return &engine.Batch{Pipeline: "users", From: engine.Endpoint{Connection: "helpdesk", Stream: "users"},
			To: engine.Endpoint{Connection: config.ProfilesConnection, Stream: config.ProfilesStream}, In: recs}
	}
	want := [][]string{}
	for i := range batches {
		email := fmt.Sprintf(`"p%d@x.org"`, i)
		b := batch(
			sdk.Record{Stream: "users", Key: fmt.Sprint("u", i), Data: []byte(`{"email":` + email + `}`)},
			sdk.Record{Stream: "users", Key: "moving", Data: []byte(`{"email":` + email + `}`)})
		if i == 20 {
			b.In = append(b.In, sdk.Record{Stream: "users", Key: "u5", Op: sdk.Delete})
		}
		if err := stage.Process(ctx, b); err != nil {
			t.Fatal(err)
		}
		switch i {
		case 5:
		case batches - 1:
			want = append(want, []string{"helpdesk/users/moving", "helpdesk/users/u" + fmt.Sprint(i)})
		default:
			want = append(want, []string{"helpdesk/users/u" + fmt.Sprint(i)})
		}
	}
	if err := ix.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	samePartition(t, partition(t, ix), want)
}
