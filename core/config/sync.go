package config

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/core/mapping"
	"go.yaml.in/yaml/v3"
)

// Sync is one entry of the file's syncs list: a two-way sync between a
// stream of side a and a stream of side b. It is expanded into two
// pipelines, PipelineAB (a → b) and PipelineBA (b → a), which Config lists
// in Pipelines with their SyncRole. See docs/two-way.md.
type Sync struct {
	Name string
	A, B Endpoint
	// Match is the field, as written to b, that identifies a record on both
	// sides (an email): it must be mapped both ways as the identity, and is
	// what the vendors' upserts pair existing records on at creation.
	Match                  string
	PipelineAB, PipelineBA string
	Pos                    Pos // of the list item
}

// SyncRole is the part a pipeline expanded from a sync plays in it.
type SyncRole struct {
	Sync   string // the sync's name: the scope of its fingerprints
	ToSide string // "a" or "b": the side this pipeline writes to
	// Fields are the rules of the mapped record's fields, by name as
	// written to the destination. A field without one is carried.
	Fields map[string]SyncField
}

// SyncField is what a sync does with one field in one direction.
type SyncField struct {
	// Key names the field in the sync's fingerprints: the same in both
	// directions for a field mapped both ways as the identity, so that a
	// value read back from the other side is recognised as ours.
	Key  string
	Rule string // SyncCarry, SyncOnCreate or SyncNever
	// Owner is the owner of a field mapped both ways as the identity (a,
	// b, latest or on_create), which settles a conflict; "" otherwise.
	Owner string
	// Always: sent with every write, changed or not — a key the
	// destination finds the object by (Zendesk users: external_id). Only a
	// field mapped one way can be: it never overwrites the other side's edit.
	Always bool
}

// The values of SyncField.Rule.
const (
	SyncCarry    = "carry"     // written when it changed on this pipeline's source
	SyncOnCreate = "on_create" // written only when the object is created
	SyncNever    = "never"     // not written, but on create (the other side owns it)
)

// The owners a sync's field can have.
const (
	OwnerA        = "a"         // side a always wins: b's edits are not carried back
	OwnerB        = "b"         // side b always wins
	OwnerLatest   = "latest"    // the most recent change wins (the default for a field mapped both ways as the identity)
	OwnerOnCreate = "on_create" // written only when the object is created, on either side
	OwnerManual   = "manual"    // as latest, but a conflict is parked for a person (cxhub conflicts resolve)
)

var (
	syncKeys    = []string{"name", "a", "b", "match", "to_b", "to_a", "owners", "send_always", "where_a", "where_b", "schedule", "on_error", "batch_size", "retry"}
	ownerValues = []string{OwnerA, OwnerB, OwnerLatest, OwnerOnCreate, OwnerManual}
)

// syncs decodes the syncs list into c: each entry becomes two pipelines.
// It runs after pipelines, so that names of both are checked together.
func (d *decoder) syncs(n *yaml.Node, c *Config) {
	const path = "syncs"
	n = resolve(n)
	if isNull(n) || d.bad[n] {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errs.at(n, path, fmt.Sprintf("expected a list of syncs, got %s", describe(n)))
		return
	}
	for i, item := range n.Content {
		d.sync(resolve(item), indexPath(path, i), c)
	}
}

// syncSide is one direction of a sync being decoded.
type syncSide struct {
	fields []mapping.Field
	vals   map[string]*yaml.Node // value node by field name, for errors
}

func (d *decoder) sideMap(f map[string]pair, key, path string) syncSide {
	s := syncSide{vals: map[string]*yaml.Node{}}
	v, ok := f[key]
	if !ok || isNull(v.val) {
		return s
	}
	s.fields = d.mapFields(v.val, keyPath(path, key), misplacedKey{keys: syncKeys, present: f, owner: "sync"})
	if m := resolve(v.val); m != nil && m.Kind == yaml.MappingNode && len(m.Content) == 0 {
		// An empty map is the identity mapping of a pipeline: in a sync it
		// would copy every field both ways, unchecked.
		d.errs.at(m, keyPath(path, key), "expected at least one field: a sync maps its fields explicitly (an empty map would copy every field of one side to the other as it is, with no check of what comes back)")
	}
	if m := resolve(v.val); m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			s.vals[m.Content[i].Value] = resolve(m.Content[i+1])
		}
	}
	return s
}

// sync decodes one item of the syncs list.
func (d *decoder) sync(n *yaml.Node, path string, c *Config) {
	tmpl := &Pipeline{
		OnError:   OnErrorDeadLetter,
		BatchSize: DefaultBatchSize,
		Retry:     Retry{DefaultInitialInterval, DefaultMaxInterval, DefaultMaxElapsed},
	}
	if n != nil {
		tmpl.Pos = Pos{n.Line, n.Column}
	}
	f, ok := d.fields(n, path, syncKeys)
	if !ok {
		return
	}
	d.require(n, path, f, "name", "a", "b", "match", "to_b", "to_a")
	s := &Sync{Pos: tmpl.Pos}
	var nameNode *yaml.Node
	if v, ok := f["name"]; ok && !isNull(v.val) {
		nameNode = resolve(v.val)
		if name, ok := d.name(v.val, keyPath(path, "name"), "sync"); ok {
			s.Name = name
		}
	}
	var aStream, bStream *yaml.Node
	if v, ok := f["a"]; ok && !isNull(v.val) {
		s.A, aStream = d.endpoint(v.val, keyPath(path, "a"), c)
	}
	if v, ok := f["b"]; ok && !isNull(v.val) {
		s.B, bStream = d.endpoint(v.val, keyPath(path, "b"), c)
		if s.A == s.B && s.A.Connection != "" && s.A.Stream != "" {
			d.errs.at(resolve(v.val), keyPath(path, "b"), fmt.Sprintf("a and b are both %s.%s: a sync needs two streams", s.A.Connection, s.A.Stream))
		}
	}
	if v, ok := f["schedule"]; ok && !isNull(v.val) {
		d.schedule(v.val, keyPath(path, "schedule"), tmpl)
	}
	if v, ok := f["on_error"]; ok && !isNull(v.val) {
		if v, ok := d.oneOf(v.val, keyPath(path, "on_error"), onErrorValues); ok {
			tmpl.OnError = v
		}
	}
	if v, ok := f["batch_size"]; ok && !isNull(v.val) {
		if size, ok := d.integer(v.val, keyPath(path, "batch_size"), 1, 10000); ok {
			tmpl.BatchSize = size
		}
	}
	if v, ok := f["retry"]; ok && !isNull(v.val) {
		tmpl.Retry = d.retry(v.val, keyPath(path, "retry"), tmpl.Retry)
	}
	var whereA, whereB string
	if v, ok := f["where_a"]; ok && !isNull(v.val) {
		whereA = d.where(v.val, keyPath(path, "where_a"))
	}
	if v, ok := f["where_b"]; ok && !isNull(v.val) {
		whereB = d.where(v.val, keyPath(path, "where_b"))
	}
	toB, toA := d.sideMap(f, "to_b", path), d.sideMap(f, "to_a", path)
	owners := d.owners(f, path, toB, toA)
	var matchNode *yaml.Node
	if v, ok := f["match"]; ok && !isNull(v.val) {
		matchNode = resolve(v.val)
		s.Match, _ = d.nonEmpty(v.val, keyPath(path, "match"), "the name of a field of to_b")
	}
	roleAB := &SyncRole{Sync: s.Name, ToSide: "b", Fields: map[string]SyncField{}}
	roleBA := &SyncRole{Sync: s.Name, ToSide: "a", Fields: map[string]SyncField{}}
	d.syncFields(path, s, matchNode, toB, toA, owners, roleAB, roleBA)
	d.sendAlways(f, path, roleAB, roleBA)
	if s.Name == "" {
		return
	}
	s.PipelineAB, s.PipelineBA = s.Name+"-a-to-b", s.Name+"-b-to-a"
	for _, p := range c.Pipelines {
		if p.Name == s.PipelineAB || p.Name == s.PipelineBA {
			d.errs.at(nameNode, keyPath(path, "name"), fmt.Sprintf(
				"sync %q makes the pipelines %s and %s, but pipeline %q is already defined (line %d)",
				s.Name, s.PipelineAB, s.PipelineBA, p.Name, p.Pos.Line))
			return
		}
	}
	for _, other := range c.Syncs {
		if other.Name == s.Name {
			d.errs.at(nameNode, keyPath(path, "name"), fmt.Sprintf("duplicate sync name %q (first defined at line %d)", s.Name, other.Pos.Line))
			return
		}
	}
	c.Syncs = append(c.Syncs, s)
	ab, ba := *tmpl, *tmpl
	ab.Name, ab.From, ab.To, ab.Map, ab.Where, ab.Sync = s.PipelineAB, s.A, s.B, toB.fields, whereA, roleAB
	ba.Name, ba.From, ba.To, ba.Map, ba.Where, ba.Sync = s.PipelineBA, s.B, s.A, toA.fields, whereB, roleBA
	c.Pipelines = append(c.Pipelines, &ab, &ba)
	c.nodes.pipes = append(c.nodes.pipes,
		pipeNodes{fromStream: aStream, toStream: bStream, fromPath: keyPath(path, "a.stream"), toPath: keyPath(path, "b.stream")},
		pipeNodes{fromStream: bStream, toStream: aStream, fromPath: keyPath(path, "b.stream"), toPath: keyPath(path, "a.stream")})
}

// sendAlways decodes a sync's send_always: fields, as written to either
// side, sent with every write. A field mapped both ways is refused: sent
// unchanged, it would undo the other side's edit.
func (d *decoder) sendAlways(f map[string]pair, path string, ab, ba *SyncRole) {
	v, ok := f["send_always"]
	if !ok || isNull(v.val) {
		return
	}
	spath := keyPath(path, "send_always")
	n := resolve(v.val)
	if n.Kind != yaml.SequenceNode {
		d.errs.at(n, spath, fmt.Sprintf("expected a list of field names, got %s", describe(n)))
		return
	}
	for i, item := range n.Content {
		ipath := indexPath(spath, i)
		name, ok := d.nonEmpty(item, ipath, "a field name")
		if !ok {
			continue
		}
		found := false
		for _, role := range []*SyncRole{ab, ba} {
			sf, ok := role.Fields[name]
			if !ok {
				continue
			}
			found = true
			if !strings.HasPrefix(sf.Key, role.ToSide+":") {
				d.errs.at(resolve(item), ipath, fmt.Sprintf(
					"field %q is mapped both ways: sent with every write, it would undo the other side's edits; send_always is for keys mapped one way (like external_id)", name))
				continue
			}
			sf.Always = true
			role.Fields[name] = sf
		}
		if !found {
			d.errs.at(resolve(item), ipath, fmt.Sprintf("unknown field %q: send_always names fields of to_b or to_a", name))
		}
	}
}

// owners decodes a sync's owners: field name (as written to either side)
// → owner.
func (d *decoder) owners(f map[string]pair, path string, toB, toA syncSide) map[string]string {
	out := map[string]string{}
	v, ok := f["owners"]
	if !ok || isNull(v.val) {
		return out
	}
	opath := keyPath(path, "owners")
	n := resolve(v.val)
	if n.Kind != yaml.MappingNode {
		d.errs.at(n, opath, fmt.Sprintf("expected a mapping of field names to owners (%s), got %s", strings.Join(ownerValues, ", "), describe(n)))
		return out
	}
	for _, p := range d.pairs(n, opath, "field") {
		fpath := keyPath(opath, p.key.Value)
		if _, inB := toB.vals[p.key.Value]; !inB {
			if _, inA := toA.vals[p.key.Value]; !inA {
				d.errs.at(p.key, fpath, fmt.Sprintf("unknown field %q: owners name fields of to_b or to_a", p.key.Value))
				continue
			}
		}
		if o, ok := d.oneOf(p.val, fpath, ownerValues); ok {
			out[p.key.Value] = o
		}
	}
	return out
}

// syncFields pairs the fields of the two directions and sets each
// direction's rules. A field of to_b makes a round trip with a field of
// to_a when each reads the other: to_a's expression reads the to_b field
// back, and to_b's expression reads the to_a field. Such a pair carried
// both ways is a loop unless the round trip is the identity (plain paths
// naming each other); any other needs an owner, one for all the round
// trips of a field. A field read back into a field that to_b never reads
// is no loop: it flows one way.
func (d *decoder) syncFields(path string, s *Sync, matchNode *yaml.Node, toB, toA syncSide, owners map[string]string, ab, ba *SyncRole) {
	pairedA := map[string]bool{}
	matched := false
	for _, fb := range toB.fields {
		bf := fb.Name
		trips := roundTrips(fb, toA.fields)
		if len(trips) == 0 {
			rule := SyncCarry
			if o := owners[bf]; o == OwnerOnCreate {
				rule = SyncOnCreate
			} else if o == OwnerB {
				rule = SyncNever
			}
			ab.Fields[bf] = SyncField{Key: "b:" + bf, Rule: rule}
			continue
		}
		identity := len(trips) == 1 && isIdentity(fb, trips[0])
		owner, ok := d.tripOwner(path, fb, trips, identity, toB, owners)
		if !ok {
			continue
		}
		keyB, shared := "b:"+bf, ""
		if identity {
			keyB, shared = "="+bf, owner
		}
		ab.Fields[bf] = SyncField{Key: keyB, Rule: ownerRule(owner, OwnerA), Owner: shared}
		for _, fa := range trips {
			pairedA[fa.Name] = true
			keyA := "a:" + fa.Name
			if identity {
				keyA = "=" + bf
			}
			ba.Fields[fa.Name] = SyncField{Key: keyA, Rule: ownerRule(owner, OwnerB), Owner: shared}
		}
		matched = matched || (bf == s.Match && identity)
	}
	for _, fa := range toA.fields {
		if pairedA[fa.Name] {
			continue
		}
		rule := SyncCarry
		if o := owners[fa.Name]; o == OwnerOnCreate {
			rule = SyncOnCreate
		} else if o == OwnerA {
			rule = SyncNever
		}
		ba.Fields[fa.Name] = SyncField{Key: "a:" + fa.Name, Rule: rule}
	}
	if s.Match != "" && !matched && toB.fields != nil && toA.fields != nil {
		d.errs.at(matchNode, keyPath(path, "match"), fmt.Sprintf(
			"match %q must be a field of to_b mapped both ways as the identity (like email: properties.email in to_b and email: email in to_a)", s.Match))
	}
}

// tripOwner decides the one owner of a to_b field fb and the fields of
// to_a it makes round trips with: the owner given to any of them (they
// must agree), else latest for an identity round trip. It reports, and
// returns false, when they disagree or a round trip that is not the
// identity has no owner that settles it (a, b or on_create).
func (d *decoder) tripOwner(path string, fb mapping.Field, trips []mapping.Field, identity bool, toB syncSide, owners map[string]string) (string, bool) {
	bf := fb.Name
	at, atPath := toB.vals[bf], keyPath(path, "to_b."+bf)
	var owner string
	var given []string
	for _, name := range append([]string{bf}, fieldNames(trips)...) {
		o, ok := owners[name]
		if !ok {
			continue
		}
		given = append(given, name+": "+o)
		if owner != "" && o != owner {
			d.errs.at(at, atPath, fmt.Sprintf(
				"field %q makes round trips with %s, whose owners differ (%s): one owner decides them all, or each round undoes the other; "+
					"give them the same owner (owners: {%s: a})", bf, strings.Join(fieldNames(trips), ", "), strings.Join(given, ", "), bf))
			return "", false
		}
		owner = o
	}
	if owner == "" && identity {
		return OwnerLatest, true
	}
	if identity || (owner != "" && owner != OwnerLatest && owner != OwnerManual) {
		return owner, true
	}
	fa := trips[0]
	d.errs.at(at, atPath, fmt.Sprintf(
		"field %q is mapped both ways but the round trip is not the identity: to_b writes %s from %s and to_a writes %s back from %s%s, "+
			"so each round would change it again (and never settle); map the same field both ways, or give it an owner: owners: {%s: a} (or b, or on_create)",
		bf, bf, describeExpr(fb), fa.Name, bf, readBackHow(fa), bf))
	return "", false
}

// roundTrips returns the fields of toA that make a round trip with fb:
// each reads the other (see readersOf).
func roundTrips(fb mapping.Field, toA []mapping.Field) []mapping.Field {
	var out []mapping.Field
	for _, fa := range readersOf(fb.Name, toA) {
		if reads(fb, fa.Name) {
			out = append(out, fa)
		}
	}
	return out
}

// reads reports whether f's expression reads the field written as name on
// the other side: a plain path naming it, or any other expression that
// mentions it.
func reads(f mapping.Field, name string) bool {
	if f.Const != nil {
		return false
	}
	if p, ok := plainPath(f.Expr); ok {
		return names(p, name)
	}
	return mentions(f.Expr, name)
}

// isIdentity reports whether fb and fa are plain paths naming each other.
func isIdentity(fb, fa mapping.Field) bool {
	pb, okB := plainPath(fb.Expr)
	pa, okA := plainPath(fa.Expr)
	return okB && okA && fb.Const == nil && fa.Const == nil && names(pb, fa.Name) && names(pa, fb.Name)
}

func fieldNames(fields []mapping.Field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Name
	}
	return out
}

// ownerRule is the rule, in the direction whose source is side, of a field
// mapped both ways with owner.
func ownerRule(owner, side string) string {
	switch owner {
	case OwnerLatest, OwnerManual, side:
		return SyncCarry
	case OwnerOnCreate:
		return SyncOnCreate
	}
	return SyncNever
}

// readersOf returns the fields of fields (one direction's map) whose
// expression reads the field written as name in the other direction: a
// plain path naming it (properties.email reads back email), or a template,
// modifier, multipath or wildcard that mentions it anywhere ({{name}},
// name|@upper, {name,email}, nam*). Plain paths come first.
func readersOf(name string, fields []mapping.Field) []mapping.Field {
	var plain, other []mapping.Field
	for _, f := range fields {
		if !reads(f, name) {
			continue
		}
		if _, ok := plainPath(f.Expr); ok {
			plain = append(plain, f)
		} else {
			other = append(other, f)
		}
	}
	return append(plain, other...)
}

// mentions reports whether an expression that is not a plain path reads
// the field written as name anywhere: a path word in it names the field or
// a part of it (name.first). It errs on the side of yes: a modifier that
// happens to be called like the field counts.
func mentions(expr, name string) bool {
	for _, p := range mapping.PathsRead(expr) {
		words := strings.FieldsFunc(p, func(r rune) bool {
			return !(r == '.' || r == '_' || r == '-' || r == '*' || r == '?' ||
				r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		})
		for _, w := range words {
			if wordNames(w, name) {
				return true
			}
		}
	}
	return false
}

// wordNames reports whether a path word names the field name or a part of
// it (name.first); a word with a wildcard names every field one of its
// segments matches (nam* names name).
func wordNames(w, name string) bool {
	if names(w, name) || strings.HasPrefix(w, name+".") {
		return true
	}
	if !strings.ContainsAny(w, "*?") {
		return false
	}
	for _, seg := range strings.Split(w, ".") {
		if ok, _ := path.Match(seg, name); ok {
			return true
		}
	}
	return false
}

// readBackHow says how a reader that is not a plain path reads a field
// back, for a message: " (as "{{name}}")"; nothing for a plain path.
func readBackHow(fa mapping.Field) string {
	if _, plain := plainPath(fa.Expr); plain {
		return ""
	}
	return " (as " + describeExpr(fa) + ")"
}

// plainPath returns expr if it is a plain path (no template, no modifier,
// no wildcard or query): what reads one field as it is.
func plainPath(expr string) (string, bool) {
	if expr == "" || strings.Contains(expr, "{{") || strings.ContainsAny(expr, "|@#*?!=<>\\") {
		return "", false
	}
	return expr, true
}

// names reports whether path reads the field written as name: the path is
// the name, or ends with it (properties.email reads back email).
func names(path, name string) bool {
	return path == name || strings.HasSuffix(path, "."+name)
}

func describeExpr(f mapping.Field) string {
	if f.Const != nil {
		return "the constant " + string(f.Const)
	}
	return fmt.Sprintf("%q", f.Expr)
}

// SyncOf returns the sync called name, or false.
func (c *Config) SyncOf(name string) (*Sync, bool) {
	i := slices.IndexFunc(c.Syncs, func(s *Sync) bool { return s.Name == name })
	if i < 0 {
		return nil, false
	}
	return c.Syncs[i], true
}
