package config

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/provider"
)

// CredentialSpec is a target's credentials: mapping, which picks one link
// of the provider's chain.
type CredentialSpec struct {
	Source           string // env, profile, instance, static
	Profile          string
	Role             string
	MetadataEndpoint string
}

var credSources = []string{credentials.SourceEnv, credentials.SourceProfile, credentials.SourceInstance, credentials.SourceStatic}

// credSpec parses a target's credentials: mapping.
func (p *cfgParser) credSpec(n *yaml.Node, where string) *CredentialSpec {
	spec := &CredentialSpec{}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping, e.g. {source: instance, role: NAME}", strings.TrimSuffix(where, "."))
		return nil
	}
	p.mapping(n, where, map[string]func(*yaml.Node){
		"source": func(v *yaml.Node) {
			s, ok := p.str(v, where+"source")
			if !ok {
				return
			}
			if !slices.Contains(credSources, s) {
				p.errorf(v, "%ssource: %q is not one of %s", where, s, strings.Join(credSources, ", "))
				return
			}
			spec.Source = s
		},
		"profile":           func(v *yaml.Node) { spec.Profile, _ = p.str(v, where+"profile") },
		"role":              func(v *yaml.Node) { spec.Role, _ = p.str(v, where+"role") },
		"metadata_endpoint": func(v *yaml.Node) { spec.MetadataEndpoint, _ = p.str(v, where+"metadata_endpoint") },
	})
	if spec.Source == "" {
		if _, ok := mapKey(n, "source"); !ok {
			p.errorf(n, "%ssource is missing: set it to one of %s", where, strings.Join(credSources, ", "))
		}
		return nil
	}
	if spec.MetadataEndpoint != "" {
		if u, err := url.Parse(spec.MetadataEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.errorf(n, "%smetadata_endpoint %q: want a URL such as http://169.254.169.254", where, spec.MetadataEndpoint)
		}
	}
	if spec.Source != credentials.SourceInstance && (spec.Role != "" || spec.MetadataEndpoint != "") {
		p.errorf(n, "%srole and metadata_endpoint apply to source: instance only", where)
	}
	if spec.Source != credentials.SourceProfile && spec.Profile != "" {
		p.errorf(n, "%sprofile applies to source: profile only", where)
	}
	return spec
}

// home is the home directory of the profile files: $HOME.
func (p *cfgParser) home() string {
	h, _ := p.getenv("HOME")
	return h
}

// chainOptions are the credentials.Options of a target of prov.
func (p *cfgParser) chainOptions(prov provider.Provider, spec *CredentialSpec) credentials.Options {
	o := credentials.Options{Home: p.home(), Getenv: p.getenv}
	if spec != nil {
		o.Source, o.Profile, o.Role, o.MetadataEndpoint = spec.Source, spec.Profile, spec.Role, spec.MetadataEndpoint
	}
	if prov.InstanceRole != nil {
		o.Instance = prov.InstanceRole(o.MetadataEndpoint)
	}
	return o
}

// credentialsFromSpec resolves a target with a credentials: mapping. Keys
// in the file go with source: static only. env and profile are read now,
// so that a mistake stops the run before anything is uploaded; the
// instance role is asked when the first request needs keys (upload doctor
// asks it at once).
func (p *cfgParser) credentialsFromSpec(tn *yaml.Node, t *Target, prov provider.Provider, where string) {
	spec := t.CredSpec
	_, hasID := mapKey(tn, "access_key_id")
	_, hasSecret := mapKey(tn, "secret_access_key")
	_, hasToken := mapKey(tn, "session_token")
	if t.Anonymous {
		p.errorf(tn, "%sanonymous: true and credentials: are both set; keep one", where)
		return
	}
	if spec.Source == credentials.SourceStatic {
		if !hasID || !hasSecret {
			p.errorf(tn, "%scredentials: {source: static} needs access_key_id and secret_access_key", where)
		}
		t.CredSource = "the config file"
		return
	}
	if hasID || hasSecret || hasToken {
		p.errorf(tn, "%saccess_key_id, secret_access_key and session_token go with credentials: {source: static} only, not source: %s", where, spec.Source)
		return
	}
	if spec.Source == credentials.SourceProfile && p.home() == "" {
		p.errorf(tn, "%scredentials: {source: profile}: HOME is not set, so the profile files cannot be found", where)
		return
	}
	cp, err := credentials.ForProvider(t.Provider, p.chainOptions(prov, spec))
	if err != nil {
		p.errorf(tn, "%scredentials: %v", where, err)
		return
	}
	if spec.Source == credentials.SourceInstance {
		t.CredProvider = cp
		t.CredSource = "the instance role"
		if spec.Role != "" {
			t.CredSource += " " + spec.Role
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := cp.Retrieve(ctx)
	if err != nil {
		p.errorf(tn, "%scredentials (source %s): %v", where, spec.Source, err)
		return
	}
	t.CredProvider, t.CredSource = cp, v.Source
}

// profileFallback is the profile link of the default chain, after explicit
// keys and the environment found nothing: it reports whether the CLI
// profile files supplied keys (or an error was reported).
func (p *cfgParser) profileFallback(tn *yaml.Node, t *Target, prov provider.Provider, where string) bool {
	if p.home() == "" {
		return false // no home directory, no profile files
	}
	o := p.chainOptions(prov, &CredentialSpec{Source: credentials.SourceProfile})
	cp, err := credentials.ForProvider(t.Provider, o)
	if err != nil {
		return false
	}
	v, err := cp.Retrieve(context.Background())
	switch {
	case errors.Is(err, credentials.ErrNotFound):
		return false
	case err != nil:
		p.errorf(tn, "%scredentials: %v", where, err)
		return true
	}
	t.CredProvider, t.CredSource = cp, v.Source
	return true
}

// profileNames lists the profile files of provider, for messages.
func profileNames(provider string) string {
	var names []string
	for _, f := range credentials.ProfileFiles[provider] {
		names = append(names, f.Path)
	}
	if len(names) == 0 {
		return "(no profile files for " + provider + ")"
	}
	return strings.Join(names, " or ")
}
