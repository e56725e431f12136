package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/provider"
)

// A command-line destination is one of:
//
//	SCHEME://BUCKET[/PATH][?KEY=VALUE&...]  a bucket of the provider whose scheme it is
//	file://DIR, ./DIR, /DIR, DIR/, ~/DIR    a local directory (any path with a "/", or "." or "..")
//	NAME                                    the configuration file's target of that name
//
// The query sets target keys: region, endpoint, name, anonymous, part_size,
// part_jobs, multipart_threshold, connect_timeout, response_timeout and the
// provider's own (path_style, signature, ...; a key alone means true);
// profile=NAME reads the keys from that profile of the provider's CLI
// profile files, credentials=env|profile|instance picks one link of the
// chain and role=NAME names the instance role. Keys and secrets are never
// accepted in a URL (a command line is visible to every user of the
// machine): they come from the environment, a profile or the instance
// role, as for a target of the file that names none. Without region= or
// endpoint=, the provider's variables (Provider.RegionEnv, EndpointEnv)
// give them, then the profile of the provider's CLI (profile=, else the
// default one: credentials.ProfileSettings).

// refusedQueryKeys never come from a URL.
var refusedQueryKeys = []string{"access_key_id", "secret_access_key", "session_token", "provider", "path", "bucket"}

// Destinations returns the configuration of command-line destinations
// dests, in failover order, and the object path they name (the part after
// the bucket, "" if none; every URL destination must name the same). The
// settings (breaker, retry, throttle, skew) and backup: come from base,
// when there is a file (nil: the defaults); backup: is kept unless a local
// directory is among dests. A NAME is base's target of that name.
func Destinations(dests []string, base *Config, o Options) (*Config, string, error) {
	if o.Registry == nil {
		return nil, "", fmt.Errorf("config: Options.Registry is nil")
	}
	cfg := &Config{Source: "the destinations on the command line", SkewCorrect: true}
	if base != nil {
		c := *base
		cfg = &c
		cfg.Source = "the destinations on the command line (settings from " + base.Source + ")"
		cfg.Targets = nil
	}
	cfg.fromDests = true
	d := &destSet{cfg: cfg, base: base, o: o, used: map[string]int{}}
	for _, n := range o.Registry.Names() {
		if pr, _ := o.Registry.Lookup(n); pr.Local && d.localName == "" {
			d.localName = n
		}
	}
	for _, raw := range dests {
		d.add(raw)
	}
	if d.hasLocal {
		cfg.Backup = ""
	}
	errs := d.errs
	if len(errs) == 0 {
		p := &cfgParser{reg: o.Registry, dest: "--to", getenv: o.getenv()}
		p.checkTargets(cfg)
		errs = p.errs
	}
	if len(errs) > 0 {
		return nil, "", &Error{Msgs: errs}
	}
	return cfg, d.path, nil
}

// destSet collects the targets of Destinations.
type destSet struct {
	cfg  *Config
	base *Config
	o    Options
	errs []string
	// path is the object path of the URL destinations, first named by
	// pathFrom.
	path, pathFrom string
	hasLocal       bool
	localName      string
	used           map[string]int
}

// uniq returns name, or name-N for its Nth use.
func (d *destSet) uniq(name string) string {
	d.used[name]++
	if d.used[name] == 1 {
		return name
	}
	return fmt.Sprintf("%s-%d", name, d.used[name])
}

// add reads one destination, collecting its mistakes.
func (d *destSet) add(raw string) {
	where := "--to " + shown(raw)
	kind, rest := classify(raw, d.o.Registry)
	switch kind {
	case destName:
		t, err := namedTarget(raw, where, d.base, d.o.Registry)
		if err != nil {
			d.errs = append(d.errs, err.Error())
			return
		}
		t.Name = d.uniq(t.Name)
		if pr, _ := d.o.Registry.Lookup(t.Provider); pr.Local {
			d.hasLocal = true
		}
		d.cfg.Targets = append(d.cfg.Targets, t)
	case destLocal:
		if d.localName == "" {
			d.errs = append(d.errs, where+": no local provider is registered")
			return
		}
		dir, err := localDir(rest, d.o.getenv())
		if err != nil {
			d.errs = append(d.errs, where+": "+err.Error())
			return
		}
		d.hasLocal = true
		d.cfg.Targets = append(d.cfg.Targets, &Target{Name: d.uniq("local"), Provider: d.localName, Path: dir, CredSource: "none", Readable: true})
	case destURL:
		t, p, err := urlTarget(raw, d.o)
		var ce *Error
		if errors.As(err, &ce) {
			d.errs = append(d.errs, ce.Msgs...)
			return
		} else if err != nil {
			d.errs = append(d.errs, err.Error())
			return
		}
		if d.pathFrom != "" && p != d.path {
			d.errs = append(d.errs, fmt.Sprintf("%s names the path %q and %s names %q: failover stores one key on whichever target takes it; give every destination the same path",
				where, p, d.pathFrom, d.path))
			return
		}
		d.path, d.pathFrom = p, where
		t.Name = d.uniq(t.Name)
		d.cfg.Targets = append(d.cfg.Targets, t)
	}
}

// namedTarget returns a copy of base's target called raw.
func namedTarget(raw, where string, base *Config, reg *provider.Registry) (*Target, error) {
	if base == nil || base.File == "" {
		return nil, fmt.Errorf("%s: no configuration file, so no target named %q (a local directory is written ./%s; a bucket SCHEME://BUCKET, SCHEME one of %s)",
			where, raw, raw, strings.Join(reg.Schemes(), ", "))
	}
	all := base.AllTargets()
	i := slices.IndexFunc(all, func(t *Target) bool { return t.Name == raw })
	if i < 0 {
		var names []string
		for _, t := range all {
			names = append(names, t.Name)
		}
		return nil, fmt.Errorf("%s: %s has no target named %q (its targets: %s)%s; a local directory is written ./%s",
			where, base.Source, raw, strings.Join(names, ", "), suggest(raw, names), raw)
	}
	t := *all[i]
	return &t, nil
}

type destKind int

const (
	destName destKind = iota
	destLocal
	destURL
)

// classify tells the three forms apart; rest is the directory of a local
// destination.
func classify(raw string, reg *provider.Registry) (destKind, string) {
	if d, ok := strings.CutPrefix(raw, "file://"); ok {
		return destLocal, d
	}
	if i := strings.Index(raw, "://"); i > 0 {
		return destURL, ""
	}
	if raw == "." || raw == ".." || raw == "~" || strings.ContainsRune(raw, '/') || strings.ContainsRune(raw, filepath.Separator) {
		return destLocal, raw
	}
	return destName, ""
}

// localDir makes a local destination's directory absolute ("~/" is $HOME).
func localDir(d string, getenv func(string) (string, bool)) (string, error) {
	if d == "" {
		return "", fmt.Errorf("the directory is empty")
	}
	if d == "~" || strings.HasPrefix(d, "~/") {
		h, ok := getenv("HOME")
		if !ok || h == "" {
			return "", fmt.Errorf("~ is the home directory, and HOME is not set; write the full path")
		}
		d = filepath.Join(h, d[1:])
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return "", fmt.Errorf("%s is a file; a local destination is a directory", shown(d))
	}
	return abs, nil
}

// urlTarget reads SCHEME://BUCKET[/PATH][?QUERY] into a target checked as
// the file's targets are, and returns the path.
func urlTarget(raw string, o Options) (*Target, string, error) {
	where := "--to " + shown(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("%s: not a URL: %v", where, err)
	}
	prov, ok := o.Registry.ByScheme(u.Scheme)
	if !ok {
		return nil, "", fmt.Errorf("%s: unknown scheme %s:// (one of %s, or a local directory)%s",
			where, u.Scheme, strings.Join(o.Registry.Schemes(), ", "), suggest(u.Scheme, o.Registry.Schemes()))
	}
	if u.User != nil {
		return nil, "", fmt.Errorf("%s: keys do not go in the URL (any user of the machine can read a command line); export %s, use ?profile=NAME or ?credentials=instance",
			where, envNames(prov))
	}
	if u.Host == "" {
		return nil, "", fmt.Errorf("%s: no bucket: write %s://BUCKET/PATH", where, u.Scheme)
	}
	path := strings.TrimPrefix(u.Path, "/")
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, "", fmt.Errorf("%s: the query: %v", where, err)
	}
	getenv := o.getenv()
	m, err := destMapping(where, prov, u.Host, q)
	if err != nil {
		return nil, "", err
	}
	destDefaults(m, prov, getenv)
	p := &cfgParser{file: where, dest: where, getenv: getenv, reg: o.Registry}
	cfg := &Config{}
	p.targets(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{m}}, cfg)
	if len(p.errs) > 0 {
		return nil, "", &Error{Msgs: p.errs}
	}
	return cfg.Targets[0], path, nil
}

// addScalar appends the key k with the literal value v to the mapping m
// ("$" escaped: a URL holds no ${NAME} reference).
func addScalar(m *yaml.Node, k, v string) {
	m.Content = append(m.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.ReplaceAll(v, "$", "$$")})
}

// destMapping is the target of a URL destination as the YAML mapping the
// file's parser reads: provider, name, bucket, the query's keys, and a
// credentials: mapping from profile=, credentials= and role=.
func destMapping(where string, prov provider.Provider, bucket string, q url.Values) (*yaml.Node, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	name := prov.Name
	if v, ok := q["name"]; ok && len(v) == 1 {
		name = v[0]
	}
	addScalar(m, "provider", prov.Name)
	addScalar(m, "name", name)
	addScalar(m, "bucket", bucket)
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	cred := &yaml.Node{Kind: yaml.MappingNode}
	source := ""
	for _, k := range keys {
		vs := q[k]
		if len(vs) > 1 {
			return nil, fmt.Errorf("%s: %s is given %d times", where, k, len(vs))
		}
		v := vs[0]
		switch k {
		case "name":
		case "profile":
			source = "profile"
			addScalar(cred, "profile", v)
		case "credentials":
			if v == "static" {
				return nil, fmt.Errorf("%s: credentials=static needs keys, which do not go in the URL; use env, profile or instance", where)
			}
			source = v
		case "role":
			addScalar(cred, "role", v)
		default:
			if slices.Contains(refusedQueryKeys, k) {
				return nil, fmt.Errorf("%s: %s does not go in the URL; credentials come from the environment (%s), ?profile=NAME or ?credentials=instance",
					where, k, envNames(prov))
			}
			if v == "" {
				v = "true" // ?path_style
			}
			addScalar(m, k, v)
		}
	}
	if q.Has("credentials") && q.Has("profile") && source != "profile" {
		return nil, fmt.Errorf("%s: profile= goes with credentials=profile only", where)
	}
	if source != "" || len(cred.Content) > 0 {
		if source == "" {
			source = "instance" // role= alone
		}
		src := &yaml.Node{Kind: yaml.MappingNode}
		addScalar(src, "source", source)
		cred.Content = append(src.Content, cred.Content...)
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "credentials"}, cred)
	}
	return m, nil
}

// destDefaults fills in a URL destination's region and endpoint, when its
// query names none, from the provider's variables, then from the profile of
// the provider's CLI (the query's profile=, else the default one; see
// credentials.ProfileSettings), and then the endpoint from the region
// (Provider.EndpointFor).
func destDefaults(m *yaml.Node, prov provider.Provider, getenv func(string) (string, bool)) {
	for _, e := range []struct {
		key  string
		vars []string
	}{{"region", prov.RegionEnv}, {"endpoint", prov.EndpointEnv}} {
		if _, set := mapKey(m, e.key); set {
			continue
		}
		for _, name := range e.vars {
			if v, ok := getenv(name); ok && v != "" {
				addScalar(m, e.key, v)
				break
			}
		}
	}
	_, hasRegion := mapKey(m, "region")
	_, hasEndpoint := mapKey(m, "endpoint")
	if home, ok := getenv("HOME"); ok && home != "" && (!hasRegion || !hasEndpoint) {
		profile := ""
		if cred, ok := mapKey(m, "credentials"); ok {
			if p, ok := mapKey(cred, "profile"); ok {
				profile = strings.ReplaceAll(p.Value, "$$", "$")
			}
		}
		region, endpoint := credentials.ProfileSettings(prov.Name, profile, home, getenv)
		if !hasRegion && region != "" {
			addScalar(m, "region", region)
		}
		if !hasEndpoint && endpoint != "" {
			addScalar(m, "endpoint", endpoint)
		}
	}
	if _, ok := mapKey(m, "endpoint"); !ok && prov.EndpointFor != nil {
		if r, ok := mapKey(m, "region"); ok && r.Value != "" {
			addScalar(m, "endpoint", prov.EndpointFor(strings.ReplaceAll(r.Value, "$$", "$")))
		}
	}
}
