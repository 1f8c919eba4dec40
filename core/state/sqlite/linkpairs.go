package sqlite

import (
	"context"
	"fmt"
	"sync"
)

// linkPairs remembers which pairs of streams have links between them (in
// either direction), so that looking up the links of a batch costs nothing
// while a pair has none: the common case of a one-way pipeline whose
// destination gives no ids, where the lookup was a fifth of the core's work.
//
// Only the process holding the state file's lock writes links, and it does
// so through this Store, which marks a pair before the transaction writing
// its links begins. A pair is therefore known to have no links only while
// it truly has none; a stale "has links" (after a reset) costs only a query.
type linkPairs struct {
	mu    sync.Mutex
	known map[streamPair]bool
}

// streamPair is two (connection, stream) ends, in a fixed order whichever
// way the links between them point.
type streamPair struct{ a, b string }

func pairOf(conn1, stream1, conn2, stream2 string) streamPair {
	a, b := conn1+"\x00"+stream1, conn2+"\x00"+stream2
	if a > b {
		a, b = b, a
	}
	return streamPair{a, b}
}

// mark records that links between the pair's ends exist or are about to.
func (p *linkPairs) mark(links []Link) {
	if len(links) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.known == nil {
		p.known = map[streamPair]bool{}
	}
	for _, l := range links {
		p.known[pairOf(l.SrcConnection, l.SrcStream, l.DstConnection, l.DstStream)] = true
	}
}

// sqlAnyLink tells whether any link joins the two ends, either way.
const sqlAnyLink = `SELECT EXISTS (SELECT 1 FROM links
	WHERE src_connection = ?1 AND src_stream = ?2 AND dst_connection = ?3 AND dst_stream = ?4)
	OR EXISTS (SELECT 1 FROM links INDEXED BY links_by_dst
	WHERE dst_connection = ?1 AND dst_stream = ?2 AND src_connection = ?3 AND src_stream = ?4)`

// mayHaveLinks reports whether links between the two ends may exist: from
// memory, or the first time from the file.
func (s *Store) mayHaveLinks(ctx context.Context, srcConnection, srcStream, dstConnection, dstStream string) (bool, error) {
	pair := pairOf(srcConnection, srcStream, dstConnection, dstStream)
	s.pairs.mu.Lock()
	defer s.pairs.mu.Unlock()
	if has, ok := s.pairs.known[pair]; ok {
		return has, nil
	}
	var has bool
	if err := s.r.QueryRowContext(ctx, sqlAnyLink, srcConnection, srcStream, dstConnection, dstStream).Scan(&has); err != nil {
		return false, fmt.Errorf("state: are there links %s/%s ↔ %s/%s: %w", srcConnection, srcStream, dstConnection, dstStream, err)
	}
	if s.pairs.known == nil {
		s.pairs.known = map[streamPair]bool{}
	}
	// A commit marking the pair meanwhile waits for the lock and sets true.
	s.pairs.known[pair] = has
	return has, nil
}
