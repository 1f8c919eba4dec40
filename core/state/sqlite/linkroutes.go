package sqlite

import (
	"context"
	"fmt"
	"sync"
)

// linkRoutes remembers which routes — a pair of streams, one way — have
// links, so that looking up the links of a batch costs nothing while
// neither way has any (the common case of a one-way pipeline whose
// destination gives no ids, where the lookup was a fifth of the core's
// work), and searches only the way that has some (a one-way pipeline
// storing links, whose destination was never a source).
//
// Only the process holding the state file's lock writes links, and it does
// so through this Store, which marks a route before the transaction
// writing its links begins. A route is therefore known to have no links
// only while it truly has none; a stale "has links" (after a reset) costs
// only a query.
type linkRoutes struct {
	mu    sync.Mutex
	known map[route]bool
}

// route is the two (connection, stream) ends of a link, source first.
type route struct{ src, dst string }

func routeOf(srcConnection, srcStream, dstConnection, dstStream string) route {
	return route{srcConnection + "\x00" + srcStream, dstConnection + "\x00" + dstStream}
}

// mark records that links exist, or are about to, on the routes of links.
func (p *linkRoutes) mark(links []Link) {
	if len(links) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.known == nil {
		p.known = map[route]bool{}
	}
	var last route
	for i, l := range links {
		if i > 0 && l.SrcConnection+"\x00"+l.SrcStream == last.src && l.DstConnection+"\x00"+l.DstStream == last.dst {
			continue
		}
		last = routeOf(l.SrcConnection, l.SrcStream, l.DstConnection, l.DstStream)
		p.known[last] = true
	}
}

// sqlAnyLink tells whether a route has a link: a search of the primary
// key's first four columns.
const sqlAnyLink = `SELECT EXISTS (SELECT 1 FROM links
	WHERE src_connection = ?1 AND src_stream = ?2 AND dst_connection = ?3 AND dst_stream = ?4)`

// mayHaveLinks reports whether links from the source to the destination
// (forward) and from the destination to the source (reverse) may exist:
// from memory, or the first time from the file.
func (s *Store) mayHaveLinks(ctx context.Context, srcConnection, srcStream, dstConnection, dstStream string) (forward, reverse bool, err error) {
	s.routes.mu.Lock()
	defer s.routes.mu.Unlock()
	has := func(src, srcStream, dst, dstStream string) (bool, error) {
		r := routeOf(src, srcStream, dst, dstStream)
		if has, ok := s.routes.known[r]; ok {
			return has, nil
		}
		var has bool
		if err := s.r.QueryRowContext(ctx, sqlAnyLink, src, srcStream, dst, dstStream).Scan(&has); err != nil {
			return false, fmt.Errorf("state: are there links %s/%s → %s/%s: %w", src, srcStream, dst, dstStream, err)
		}
		if s.routes.known == nil {
			s.routes.known = map[route]bool{}
		}
		// A commit marking the route meanwhile waits for the lock and sets true.
		s.routes.known[r] = has
		return has, nil
	}
	if forward, err = has(srcConnection, srcStream, dstConnection, dstStream); err != nil {
		return false, false, err
	}
	if reverse, err = has(dstConnection, dstStream, srcConnection, srcStream); err != nil {
		return false, false, err
	}
	return forward, reverse, nil
}
