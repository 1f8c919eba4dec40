package sqlite

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/cxhub/cxhub/core/identity"
)

// queueLog is the index's queue: an append-only file of frames — seq (8
// bytes), payload length (4), CRC-32C of the payload (4), payload —
// beside the index file. Queueing a batch is one write(2) of it: no
// database page is written twice and nothing waits for the index's writer,
// which is what keeps the stage cheap on the sync's path. Like the state's
// commits (SQLite's WAL with synchronous=NORMAL) a write survives the
// process's crash, not the machine's. A frame cut short by a crash is
// dropped when the file is opened again (it was never acknowledged).
//
// Which frames the index took is the index's Meta (metaDequeued), set in
// the transaction that indexed them; the file is emptied whenever the
// index has taken every frame. One process writes it (the state's writer
// lock is held by the hub that opens the index for writing).
type queueLog struct {
	mu    sync.Mutex
	f     *os.File
	size  int64
	last  int64     // the last seq written or taken
	items []logItem // frames not taken yet, in order
}

type logItem struct {
	seq, off int64
	n        int
}

const frameHeader = 16

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// openLog opens (creating it) the queue file; frames up to seq taken are
// dropped.
func openLog(path string, taken int64) (*queueLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	q := &queueLog{f: f, last: taken}
	var off int64
	var head [frameHeader]byte
	for {
		if _, err := f.ReadAt(head[:], off); err != nil {
			break // the end, or a header cut short
		}
		seq, n, sum := int64(binary.LittleEndian.Uint64(head[0:])), int(binary.LittleEndian.Uint32(head[8:])), binary.LittleEndian.Uint32(head[12:])
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, off+frameHeader); err != nil || crc32.Checksum(buf, castagnoli) != sum || seq <= 0 {
			break // a frame cut short
		}
		if seq > taken {
			q.items = append(q.items, logItem{seq, off, n})
		}
		q.last = max(q.last, seq)
		off += frameHeader + int64(n)
	}
	if len(q.items) == 0 {
		off = 0
	}
	if err := f.Truncate(off); err != nil {
		_ = f.Close()
		return nil, err
	}
	q.size = off
	return q, nil
}

func (q *queueLog) close() error { return q.f.Close() }

// append writes a frame and returns its seq.
func (q *queueLog) append(data []byte) (int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	seq := q.last + 1
	var head [frameHeader]byte
	binary.LittleEndian.PutUint64(head[0:], uint64(seq))
	binary.LittleEndian.PutUint32(head[8:], uint32(len(data)))
	binary.LittleEndian.PutUint32(head[12:], crc32.Checksum(data, castagnoli))
	// Two writes, no copy of the batch: a crash between them leaves a
	// frame cut short, which the next open drops.
	if _, err := q.f.WriteAt(head[:], q.size); err != nil {
		_ = q.f.Truncate(q.size)
		return 0, err
	}
	if _, err := q.f.WriteAt(data, q.size+frameHeader); err != nil {
		_ = q.f.Truncate(q.size) // no half frame stays
		return 0, err
	}
	q.items = append(q.items, logItem{seq, q.size, len(data)})
	q.size += frameHeader + int64(len(data))
	q.last = seq
	return seq, nil
}

// read returns up to limit frames not taken with a seq above after,
// oldest first.
func (q *queueLog) read(after int64, limit int) ([]identity.QueueItem, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	first, _ := slices.BinarySearchFunc(q.items, after, func(it logItem, after int64) int { return cmp.Compare(it.seq, after+1) })
	items := q.items[first:]
	out := make([]identity.QueueItem, 0, min(limit, len(items)))
	for _, it := range items[:min(limit, len(items))] {
		buf := make([]byte, it.n)
		if _, err := q.f.ReadAt(buf, it.off+frameHeader); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		out = append(out, identity.QueueItem{Seq: it.seq, Data: buf})
	}
	return out, nil
}

// take drops the frames up to seq upTo, once the index has them; the file
// is emptied when none is left.
func (q *queueLog) take(upTo int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := 0
	for i < len(q.items) && q.items[i].seq <= upTo {
		i++
	}
	q.items = q.items[i:]
	q.last = max(q.last, upTo)
	if len(q.items) == 0 && q.size > 0 {
		if err := q.f.Truncate(0); err != nil {
			return err
		}
		q.size = 0
	}
	return nil
}

// dequeued is the last queue item the index took.
func dequeued(ctx context.Context, t *tx) (int64, error) {
	v, err := t.Meta(metaDequeued)
	if err != nil || v == "" {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// Enqueue appends an item to the queue file: it never waits for an Update.
func (s *Store) Enqueue(ctx context.Context, data []byte) (int64, error) {
	if s.q == nil {
		return 0, fmt.Errorf("customer index is open read-only")
	}
	seq, err := s.q.append(data)
	if err != nil {
		return 0, fmt.Errorf("customer index queue: %w", err)
	}
	return seq, nil
}

// Queued returns up to limit items the index has not taken with a seq
// above after, oldest first.
func (s *Store) Queued(ctx context.Context, after int64, limit int) ([]identity.QueueItem, error) {
	if s.q == nil {
		return nil, fmt.Errorf("customer index is open read-only")
	}
	items, err := s.q.read(after, limit)
	if err != nil {
		return nil, fmt.Errorf("customer index queue: %w", err)
	}
	return items, nil
}

// Dequeue records, in the index's transaction, that the items up to upTo
// are taken; the queue file drops them once it commits.
func (t *tx) Dequeue(upTo int64) (bool, error) {
	done, err := dequeued(t.ctx, t)
	if err != nil {
		return false, err
	}
	if done >= upTo {
		return false, nil
	}
	if err := t.SetMeta(metaDequeued, strconv.FormatInt(upTo, 10)); err != nil {
		return false, err
	}
	t.dequeued = upTo
	return true, nil
}
