package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// isoMillis is how HubSpot writes dates in properties and objects.
const isoMillis = "2006-01-02T15:04:05.000Z"

// formatTime writes t as HubSpot does: UTC, milliseconds, Z.
func formatTime(t time.Time) string { return t.UTC().Format(isoMillis) }

// crmObject is one stored CRM object.
type crmObject struct {
	id      int64
	props   map[string]string
	created time.Time
	updated time.Time
	// landed is when the last change reached the store, by the sandbox's
	// clock: search sees the object Options.IndexLag after it. It is
	// updated, except for a change made by TouchAt.
	landed   time.Time
	contacts []int64 // for notes: the associated contacts
	// archivedAt is when a deletion archived the object (zero: live).
	archivedAt time.Time
}

// store holds the objects of every type. It is not safe for concurrent
// use: the Sandbox guards it with its mutex.
type store struct {
	types map[string]*objectType
	objs  map[string]map[int64]*crmObject
	order map[string][]int64 // ids in ascending order, per type
	// archived holds, per type, the objects a deletion archived: gone from
	// reads, lists and searches, listed by a list with archived=true.
	archived map[string]map[int64]*crmObject
	next     map[string]int64 // the next id per type
	// index maps, per type and unique property, a normalised value to the
	// id of the object holding it.
	index map[string]map[string]map[string]int64
	last  time.Time // the last stamp given
	now   func() time.Time
}

// firstIDs are the first id of each type, far apart so that an id says
// which type it is when a test prints one.
var firstIDs = map[string]int64{"contacts": 1001, "companies": 5000001, "notes": 9000001}

func newStore(types map[string]*objectType, now func() time.Time) *store {
	s := &store{types: types, objs: map[string]map[int64]*crmObject{}, order: map[string][]int64{},
		archived: map[string]map[int64]*crmObject{},
		next:     map[string]int64{}, index: map[string]map[string]map[string]int64{}, now: now}
	for name := range types {
		s.objs[name] = map[int64]*crmObject{}
		s.archived[name] = map[int64]*crmObject{}
		s.next[name] = firstIDs[name]
	}
	return s
}

// stamp returns the time of an edit: the clock truncated to milliseconds,
// and always later than the previous stamp, so that edits made one after
// the other never share a last-modified date (the objects of one batch
// share theirs).
func (s *store) stamp() time.Time {
	t := s.now().UTC().Truncate(time.Millisecond)
	if !t.After(s.last) {
		t = s.last.Add(time.Millisecond)
	}
	s.last = t
	return t
}

// insert stores a new object of type typ with props, created and modified at the given times.
func (s *store) insert(typ string, props map[string]string, created, updated time.Time) *crmObject {
	t := s.types[typ]
	id := s.next[typ]
	s.next[typ]++
	o := &crmObject{id: id, props: map[string]string{}, created: created}
	s.apply(typ, o, props)
	o.props["hs_object_id"] = strconv.FormatInt(id, 10)
	o.props[t.created] = formatTime(created)
	s.setUpdated(typ, o, updated)
	s.objs[typ][id] = o
	s.order[typ] = append(s.order[typ], id)
	if updated.After(s.last) {
		s.last = updated
	}
	return o
}

func (s *store) setUpdated(typ string, o *crmObject, at time.Time) {
	o.updated, o.landed = at, at
	o.props[s.types[typ].modified] = formatTime(at)
}

// clear removes every object of typ (and, for contacts, the notes' links to them).
func (s *store) clear(typ string) {
	s.objs[typ] = map[int64]*crmObject{}
	s.order[typ] = nil
	delete(s.index, typ)
	if typ == "contacts" {
		for _, n := range s.objs["notes"] {
			n.contacts = nil
		}
	}
}

// remove takes o, an object of typ, out of the live objects (and, for a
// contact, the notes' links to it); archive keeps it, archived now, for
// lists with archived=true, as HubSpot's deletion does (a merge does not).
func (s *store) remove(typ string, o *crmObject, archive bool) {
	for _, p := range s.types[typ].unique {
		if v, has := o.props[p]; has {
			delete(s.index[typ][p], normalise(p, v))
		}
	}
	delete(s.objs[typ], o.id)
	s.order[typ] = slices.DeleteFunc(s.order[typ], func(x int64) bool { return x == o.id })
	if typ == "contacts" {
		for _, n := range s.objs["notes"] {
			n.contacts = slices.DeleteFunc(n.contacts, func(x int64) bool { return x == o.id })
		}
	}
	if archive {
		o.archivedAt = s.stamp()
		s.archived[typ][o.id] = o
	}
}

// archivedOf returns the archived objects of typ in id order.
func (s *store) archivedOf(typ string) []*crmObject {
	ids := slices.Sorted(maps.Keys(s.archived[typ]))
	out := make([]*crmObject, len(ids))
	for i, id := range ids {
		out[i] = s.archived[typ][id]
	}
	return out
}

// get returns the object of typ whose id is the decimal string id.
func (s *store) get(typ, id string) (*crmObject, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil {
		return nil, false
	}
	o, ok := s.objs[typ][n]
	return o, ok
}

// findUnique returns the object of typ whose unique property prop equals
// value (emails compare without case).
func (s *store) findUnique(typ, prop, value string) (*crmObject, bool) {
	if prop == "hs_object_id" {
		return s.get(typ, value)
	}
	id, ok := s.index[typ][prop][normalise(prop, value)]
	if !ok {
		return nil, false
	}
	o, ok := s.objs[typ][id]
	return o, ok
}

// indexOf returns the unique-value index of typ's property prop.
func (s *store) indexOf(typ, prop string) map[string]int64 {
	if s.index[typ] == nil {
		s.index[typ] = map[string]map[string]int64{}
	}
	if s.index[typ][prop] == nil {
		s.index[typ][prop] = map[string]int64{}
	}
	return s.index[typ][prop]
}

// normalise is how HubSpot compares values of a unique property: emails
// without case or surrounding space.
func normalise(prop, v string) string {
	if prop == "email" {
		return strings.ToLower(strings.TrimSpace(v))
	}
	return v
}

// all returns the objects of typ in id order.
func (s *store) all(typ string) []*crmObject {
	out := make([]*crmObject, 0, len(s.order[typ]))
	for _, id := range s.order[typ] {
		out = append(out, s.objs[typ][id])
	}
	return out
}

// Object is a copy of a sandbox object, for tests to inspect.
type Object struct {
	ID         string
	Properties map[string]string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Contacts are the ids of the contacts a note is associated with.
	Contacts []string
}

func (o *crmObject) export() Object {
	out := Object{ID: strconv.FormatInt(o.id, 10), Properties: maps.Clone(o.props), CreatedAt: o.created, UpdatedAt: o.updated}
	for _, c := range o.contacts {
		out.Contacts = append(out.Contacts, strconv.FormatInt(c, 10))
	}
	return out
}

// typeOf returns the type named name, or an error naming the known ones.
func (s *store) typeOf(name string) (*objectType, error) {
	t, ok := s.types[name]
	if !ok {
		names := slices.Sorted(maps.Keys(s.types))
		return nil, fmt.Errorf("unknown object type %q (known: %s)", name, strings.Join(names, ", "))
	}
	return t, nil
}
