package identity

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/internal/suggest"
	"github.com/nyaruka/phonenumbers"
	"go.yaml.in/yaml/v3"
)

// ParseRules decodes a config file's customers section (nil: the
// defaults) over DefaultRules. Every problem is reported, as config.Errors
// naming the file, line and key:
//
//	customers:
//	  match: [email, phone, external_id, links]
//	  email: {gmail_dots: false, plus_tags: false}
//	  phone: {default_region: US}
//	  never_match: ["info@*", "support@*"]   # replaces the default list
//	  max_shared: 10
//	  external_ids:
//	    - {connection: helpdesk, stream: users, field: external_id,
//	       refers_to: {connection: crm, stream: contacts}}
//	  profile:
//	    default: most_recent          # or priority
//	    sources: [crm, helpdesk]      # the priority order
//	    fields: {name: [crm, helpdesk], phone: [most_recent]}
func ParseRules(n *yaml.Node, file string) (Rules, error) {
	r := DefaultRules()
	if n == nil {
		return r, nil
	}
	p := &ruleParser{file: file}
	f := p.mapping(n, "customers", "match", "email", "phone", "never_match", "max_shared", "external_ids", "profile")
	if v, ok := f["match"]; ok {
		r.Match = p.list(v, "customers.match", []string{MatchEmail, MatchPhone, MatchExternalID, MatchLinks})
	}
	if v, ok := f["email"]; ok {
		e := p.mapping(v, "customers.email", "gmail_dots", "plus_tags")
		r.GmailDots = p.boolean(e["gmail_dots"], "customers.email.gmail_dots")
		r.PlusTags = p.boolean(e["plus_tags"], "customers.email.plus_tags")
	}
	if v, ok := f["phone"]; ok {
		ph := p.mapping(v, "customers.phone", "default_region")
		if reg, ok := ph["default_region"]; ok {
			r.DefaultRegion = strings.ToUpper(p.str(reg, "customers.phone.default_region"))
			if phonenumbers.GetCountryCodeForRegion(r.DefaultRegion) == 0 {
				p.at(reg, "customers.phone.default_region", fmt.Sprintf("unknown region %q (expected an ISO 3166 code such as US, GB, DE)", reg.Value))
			}
		}
	}
	if v, ok := f["never_match"]; ok {
		r.NeverMatch = p.list(v, "customers.never_match", nil)
		for i, pat := range r.NeverMatch {
			if _, err := path.Match(pat, ""); err != nil {
				p.at(v.Content[i], fmt.Sprintf("customers.never_match[%d]", i), fmt.Sprintf("bad pattern %q: %v", pat, err))
			}
		}
	}
	if v, ok := f["max_shared"]; ok {
		n, err := strconv.Atoi(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil || n < 1 {
			p.at(v, "customers.max_shared", "expected a whole number of at least 1")
		}
		r.MaxShared = n
	}
	if v, ok := f["external_ids"]; ok {
		if v.Kind != yaml.SequenceNode {
			p.at(v, "customers.external_ids", "expected a list of {connection, stream, field, refers_to}")
		} else {
			for i, item := range v.Content {
				ip := fmt.Sprintf("customers.external_ids[%d]", i)
				e := p.mapping(item, ip, "connection", "stream", "field", "refers_to")
				var x ExternalID
				x.Connection, x.Stream, x.Field = p.required(e, item, ip, "connection"), p.str(e["stream"], ip+".stream"), p.required(e, item, ip, "field")
				if rt, ok := e["refers_to"]; ok {
					t := p.mapping(rt, ip+".refers_to", "connection", "stream")
					x.RefersTo.Connection = p.required(t, rt, ip+".refers_to", "connection")
					x.RefersTo.Stream = p.required(t, rt, ip+".refers_to", "stream")
				} else {
					p.at(item, ip+".refers_to", "missing required key")
				}
				r.ExternalIDs = append(r.ExternalIDs, x)
			}
		}
	}
	if v, ok := f["profile"]; ok {
		pr := p.mapping(v, "customers.profile", "default", "sources", "fields")
		if d, ok := pr["default"]; ok {
			r.Profile.Default = p.str(d, "customers.profile.default")
			if !slices.Contains([]string{"most_recent", "priority"}, r.Profile.Default) {
				p.at(d, "customers.profile.default", fmt.Sprintf("expected most_recent or priority, got %q", d.Value))
			}
		}
		if s, ok := pr["sources"]; ok {
			r.Profile.Sources = p.list(s, "customers.profile.sources", nil)
		}
		if fs, ok := pr["fields"]; ok {
			r.Profile.Fields = map[string][]string{}
			for k, fv := range p.mapping(fs, "customers.profile.fields") {
				if fv.Kind == yaml.ScalarNode {
					r.Profile.Fields[k] = []string{p.str(fv, "customers.profile.fields."+k)}
				} else {
					r.Profile.Fields[k] = p.list(fv, "customers.profile.fields."+k, nil)
				}
			}
		}
	}
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b *config.Error) int { return a.Line*1000 + a.Column - b.Line*1000 - b.Column })
		return r, p.errs
	}
	return r, nil
}

// ruleParser collects the errors of one customers section.
type ruleParser struct {
	file string
	errs config.Errors
}

func (p *ruleParser) at(n *yaml.Node, key, msg string) {
	e := &config.Error{File: p.file, Key: key, Msg: msg}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

// mapping returns n's pairs by key; with allowed keys given, any other is
// an error. A non-mapping is an error and gives none.
func (p *ruleParser) mapping(n *yaml.Node, key string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil || n.Kind != yaml.MappingNode {
		p.at(n, key, "expected a mapping")
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if len(allowed) > 0 && !slices.Contains(allowed, k.Value) {
			p.at(k, key+"."+k.Value, "unknown key "+suggest.Hint(k.Value, "expected one of", allowed))
			continue
		}
		out[k.Value] = n.Content[i+1]
	}
	return out
}

func (p *ruleParser) str(n *yaml.Node, key string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" && n.Tag != "!" {
		p.at(n, key, "expected a string")
		return ""
	}
	return n.Value
}

func (p *ruleParser) required(f map[string]*yaml.Node, parent *yaml.Node, key, name string) string {
	v, ok := f[name]
	if !ok {
		p.at(parent, key+"."+name, "missing required key")
		return ""
	}
	s := p.str(v, key+"."+name)
	if s == "" {
		p.at(v, key+"."+name, "expected a non-empty string")
	}
	return s
}

func (p *ruleParser) boolean(n *yaml.Node, key string) bool {
	if n == nil {
		return false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.at(n, key, "expected true or false")
		return false
	}
	return n.Value == "true"
}

// list returns a list of strings; with allowed given, each must be one of them.
func (p *ruleParser) list(n *yaml.Node, key string, allowed []string) []string {
	if n.Kind != yaml.SequenceNode {
		p.at(n, key, "expected a list of strings")
		return nil
	}
	out := []string{}
	for i, item := range n.Content {
		s := p.str(item, fmt.Sprintf("%s[%d]", key, i))
		if allowed != nil && !slices.Contains(allowed, s) {
			msg := fmt.Sprintf("expected one of %s, got %q", strings.Join(allowed, ", "), s)
			if hint := suggest.Closest(s, allowed); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			p.at(item, fmt.Sprintf("%s[%d]", key, i), msg)
		}
		out = append(out, s)
	}
	return out
}
