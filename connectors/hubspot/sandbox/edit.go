package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// These methods let tests (and the admin endpoints) change and inspect the
// sandbox's data directly. object is "contacts", "companies" or "notes".

// Touch marks the objects with the given ids as changed now: their
// last-modified date moves to one new stamp, shared by all of them, and
// one property changes (a contact's hs_lead_status, a company's
// description, a note's body). It returns the stamp.
func (s *Sandbox) Touch(object string, ids ...string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.st.typeOf(object)
	if err != nil {
		return time.Time{}, fmt.Errorf("touch: %w", err)
	}
	objs := make([]*crmObject, 0, len(ids))
	for _, id := range ids {
		o, ok := s.st.get(object, id)
		if !ok {
			return time.Time{}, fmt.Errorf("touch %s: no object with id %q", object, id)
		}
		objs = append(objs, o)
	}
	at := s.st.stamp()
	for _, o := range objs {
		s.touch(t, o, at)
	}
	return at, nil
}

// TouchAt is Touch with the last-modified date at instead of a new stamp:
// the change lands now, by the sandbox's clock, while its date is at —
// usually earlier, as HubSpot stamps a change when it starts writing it.
// With Options.IndexLag, search then sees it IndexLag from now, after
// changes dated later than at. Dates of later edits stay after every date
// given so far.
func (s *Sandbox) TouchAt(object string, at time.Time, ids ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.st.typeOf(object)
	if err != nil {
		return fmt.Errorf("touch: %w", err)
	}
	objs := make([]*crmObject, 0, len(ids))
	for _, id := range ids {
		o, ok := s.st.get(object, id)
		if !ok {
			return fmt.Errorf("touch %s: no object with id %q", object, id)
		}
		objs = append(objs, o)
	}
	at = at.UTC().Truncate(time.Millisecond)
	landed := s.opts.Now().UTC()
	if at.After(landed) {
		landed = at
	}
	if at.After(s.st.last) {
		s.st.last = at
	}
	for _, o := range objs {
		s.touch(t, o, at)
		o.landed = landed
	}
	return nil
}

// touch changes t's touch property of o and stamps it with at.
func (s *Sandbox) touch(t *objectType, o *crmObject, at time.Time) {
	v := o.props[t.touch]
	switch t.touch {
	case "hs_lead_status":
		i := slices.Index(leadStatus, v)
		v = leadStatus[(i+1)%len(leadStatus)]
	default:
		if cut := strings.Index(v, " [edited "); cut >= 0 {
			v = v[:cut]
		}
		v = strings.TrimSpace(v + " [edited " + formatTime(at) + "]")
	}
	s.st.apply(t.name, o, map[string]string{t.touch: v})
	s.st.setUpdated(t.name, o, at)
}

// TouchOldest touches the n objects modified longest ago (fewer if there
// are fewer) and returns their ids and the stamp.
func (s *Sandbox) TouchOldest(object string, n int) ([]string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.st.typeOf(object)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("touch: %w", err)
	}
	objs := s.st.all(object)
	slices.SortStableFunc(objs, func(a, b *crmObject) int { return a.updated.Compare(b.updated) })
	objs = objs[:min(n, len(objs))]
	at := s.st.stamp()
	ids := make([]string, len(objs))
	for i, o := range objs {
		s.touch(t, o, at)
		ids[i] = formatID(o.id)
	}
	return ids, at, nil
}

// Update sets properties of one object, validated as an API write is (an
// empty value clears a property), and returns its new last-modified date.
func (s *Sandbox) Update(object, id string, props map[string]string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.st.typeOf(object)
	if err != nil {
		return time.Time{}, fmt.Errorf("update: %w", err)
	}
	o, ok := s.st.get(object, id)
	if !ok {
		return time.Time{}, fmt.Errorf("update %s: no object with id %q", object, id)
	}
	raw := map[string]json.RawMessage{}
	for k, v := range props {
		raw[k] = json.RawMessage(strconv.Quote(v))
	}
	if e := s.update(t, o, raw, s.st.stamp()); e != nil {
		return time.Time{}, fmt.Errorf("update %s %s: %s", object, id, e.message)
	}
	return o.updated, nil
}

// Add creates n new objects, modified now (notes are associated with
// random contacts), and returns their ids.
func (s *Sandbox) Add(object string, n int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.st.typeOf(object); err != nil {
		return nil, fmt.Errorf("add: %w", err)
	}
	return s.add(object, n)
}

func (s *Sandbox) add(object string, n int) ([]string, error) {
	objs, err := s.st.add(s.gen, object, n)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = formatID(o.id)
	}
	return ids, nil
}

// Replace removes every object of the type and adds n new ones; it
// returns their ids. Replacing contacts leaves the notes without contacts.
func (s *Sandbox) Replace(object string, n int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.st.typeOf(object); err != nil {
		return nil, fmt.Errorf("replace: %w", err)
	}
	s.st.clear(object)
	return s.add(object, n)
}

// Delete archives objects, as HubSpot's deletion (DELETE
// /crm/v3/objects/{type}/{id}) does: a read, a list or a search no longer
// shows them, a list with archived=true does, with archivedAt (now);
// unknown ids are ignored.
func (s *Sandbox) Delete(object string, ids ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.st.typeOf(object); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	for _, id := range ids {
		if o, ok := s.st.get(object, id); ok {
			s.st.remove(object, o, true)
		}
	}
	return nil
}

// Object returns a copy of one object.
func (s *Sandbox) Object(object, id string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.st.typeOf(object); err != nil {
		return Object{}, false
	}
	o, ok := s.st.get(object, id)
	if !ok {
		return Object{}, false
	}
	return o.export(), true
}

// Objects returns copies of every object of the type, in id order.
func (s *Sandbox) Objects(object string) []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.st.typeOf(object); err != nil {
		return nil
	}
	all := s.st.all(object)
	out := make([]Object, len(all))
	for i, o := range all {
		out[i] = o.export()
	}
	return out
}

// Find returns the objects whose property equals value (without case, and
// for emails without surrounding space), in id order.
func (s *Sandbox) Find(object, property, value string) []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.st.typeOf(object); err != nil {
		return nil
	}
	want := strings.ToLower(strings.TrimSpace(value))
	var out []Object
	for _, o := range s.st.all(object) {
		if strings.ToLower(strings.TrimSpace(o.props[property])) == want {
			out = append(out, o.export())
		}
	}
	return out
}

// Count returns how many objects of the type there are.
func (s *Sandbox) Count(object string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.st.order[object])
}
