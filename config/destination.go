package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

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
// give them.

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
	var (
		errs      []string
		path      string
		pathFrom  string
		hasLocal  bool
		localName string
	)
	for _, n := range o.Registry.Names() {
		if pr, _ := o.Registry.Lookup(n); pr.Local && localName == "" {
			localName = n
		}
	}
	used := map[string]int{}
	uniq := func(name string) string {
		used[name]++
		if used[name] == 1 {
			return name
		}
		return fmt.Sprintf("%s-%d", name, used[name])
	}
	for _, raw := range dests {
		where := "--to " + shown(raw)
		kind, rest := classify(raw, o.Registry)
		switch kind {
		case destName:
			if base == nil || base.File == "" {
				errs = append(errs, fmt.Sprintf("%s: no configuration file, so no target named %q (a local directory is written ./%s; a bucket SCHEME://BUCKET, SCHEME one of %s)",
					where, raw, raw, strings.Join(o.Registry.Schemes(), ", ")))
				continue
			}
			i := slices.IndexFunc(base.AllTargets(), func(t *Target) bool { return t.Name == raw })
			if i < 0 {
				var names []string
				for _, t := range base.AllTargets() {
					names = append(names, t.Name)
				}
				errs = append(errs, fmt.Sprintf("%s: %s has no target named %q (its targets: %s)%s; a local directory is written ./%s",
					where, base.Source, raw, strings.Join(names, ", "), suggest(raw, names), raw))
				continue
			}
			t := *base.AllTargets()[i]
			t.Name = uniq(t.Name)
			if pr, _ := o.Registry.Lookup(t.Provider); pr.Local {
				hasLocal = true
			}
			cfg.Targets = append(cfg.Targets, &t)
		case destLocal:
			if localName == "" {
				errs = append(errs, where+": no local provider is registered")
				continue
			}
			dir, err := localDir(rest, o.getenv())
			if err != nil {
				errs = append(errs, where+": "+err.Error())
				continue
			}
			hasLocal = true
			cfg.Targets = append(cfg.Targets, &Target{Name: uniq("local"), Provider: localName, Path: dir, CredSource: "none", Readable: true})
		case destURL:
			t, p, err := urlTarget(raw, o)
			if ce, ok := err.(*Error); ok {
				errs = append(errs, ce.Msgs...)
				continue
			} else if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			if pathFrom != "" && p != path {
				errs = append(errs, fmt.Sprintf("%s names the path %q and %s names %q: failover stores one key on whichever target takes it; give every destination the same path",
					where, p, pathFrom, path))
				continue
			}
			path, pathFrom = p, where
			t.Name = uniq(t.Name)
			cfg.Targets = append(cfg.Targets, t)
		}
	}
	if hasLocal {
		cfg.Backup = ""
	}
	if len(errs) == 0 {
		p := &cfgParser{reg: o.Registry, dest: "--to", getenv: o.getenv()}
		p.checkTargets(cfg)
		errs = p.errs
	}
	if len(errs) > 0 {
		return nil, "", &Error{Msgs: errs}
	}
	return cfg, path, nil
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
	// The target as a YAML mapping, read by the file's parser: the same
	// keys, checks and credential lookup.
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(parent *yaml.Node, k, v string) {
		parent.Content = append(parent.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.ReplaceAll(v, "$", "$$")})
	}
	name := prov.Name
	if v, ok := q["name"]; ok && len(v) == 1 {
		name = v[0]
	}
	add(m, "provider", prov.Name)
	add(m, "name", name)
	add(m, "bucket", u.Host)
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	cred := &yaml.Node{Kind: yaml.MappingNode}
	source := ""
	set := map[string]bool{}
	for _, k := range keys {
		vs := q[k]
		if len(vs) > 1 {
			return nil, "", fmt.Errorf("%s: %s is given %d times", where, k, len(vs))
		}
		v := vs[0]
		set[k] = true
		switch k {
		case "name":
		case "profile":
			source = "profile"
			add(cred, "profile", v)
		case "credentials":
			if v == "static" {
				return nil, "", fmt.Errorf("%s: credentials=static needs keys, which do not go in the URL; use env, profile or instance", where)
			}
			source = v
		case "role":
			add(cred, "role", v)
		default:
			if slices.Contains(refusedQueryKeys, k) {
				return nil, "", fmt.Errorf("%s: %s does not go in the URL; credentials come from the environment (%s), ?profile=NAME or ?credentials=instance",
					where, k, envNames(prov))
			}
			if v == "" {
				v = "true" // ?path_style
			}
			add(m, k, v)
		}
	}
	if set["credentials"] && set["profile"] && source != "profile" {
		return nil, "", fmt.Errorf("%s: profile= goes with credentials=profile only", where)
	}
	if source != "" || len(cred.Content) > 0 {
		if source == "" {
			source = "instance" // role= alone
		}
		cred.Content = append([]*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: "source"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: source}}, cred.Content...)
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "credentials"}, cred)
	}
	for _, e := range []struct {
		key  string
		vars []string
	}{{"region", prov.RegionEnv}, {"endpoint", prov.EndpointEnv}} {
		if set[e.key] {
			continue
		}
		for _, name := range e.vars {
			if v, ok := getenv(name); ok && v != "" {
				add(m, e.key, v)
				break
			}
		}
	}
	if _, ok := mapKey(m, "endpoint"); !ok && prov.EndpointFor != nil {
		if r, ok := mapKey(m, "region"); ok && r.Value != "" {
			add(m, "endpoint", prov.EndpointFor(strings.ReplaceAll(r.Value, "$$", "$")))
		}
	}
	p := &cfgParser{file: where, dest: where, getenv: getenv, reg: o.Registry}
	cfg := &Config{}
	p.targets(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{m}}, cfg)
	if len(p.errs) > 0 {
		return nil, "", &Error{Msgs: p.errs}
	}
	return cfg.Targets[0], path, nil
}
