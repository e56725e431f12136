// Package provider is what a backend package declares about its storage
// provider, in one place: the provider's name, the URL scheme of its
// command-line destinations, the configuration keys it understands beyond
// the common ones, the environment variables its credentials are read
// from, and how a backend is opened from checked settings.
//
// A [Registry] holds providers by name and by scheme. Nothing registers
// itself: an application builds its registry explicitly from the backend
// packages it links (each offers a Registration function), the way
// gocloud's blob.URLMux is filled by its caller, so a program carries only
// the SDKs it names:
//
//	reg, err := provider.NewRegistry(tos.Registration(), s3.Registration(), local.Registration())
//
// The config package turns a configuration file into targets through a
// Registry; see docs/adding-a-backend.md for adding a provider.
//
// The package imports the standard library, uploader and credentials only,
// so that every backend may import it.
package provider

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/uploader"
)

// Common are the options every cloud backend takes in the same sense:
// where the objects go, the keys, the timeouts, the multipart sizes and the
// clock-skew correction. Each cloud backend's Options embeds it (the way
// each of thanos objstore's provider configurations embeds one HTTPConfig)
// and adds only what is its provider's own: addressing, signature version,
// and the like. A zero field means the backend's default, the same for
// every backend unless its Options says otherwise.
type Common struct {
	// Name is the target's name in results and errors. Default: the
	// provider's name.
	Name string
	// Endpoint is the server, host[:port] or a URL; without a scheme https
	// is used. Each backend's Options says which endpoint forms its
	// provider has (regional, internal, accelerate, custom domain).
	Endpoint string
	// Region is the provider's region. Default: the region the endpoint
	// names, where it names one; a region that contradicts the endpoint is
	// refused.
	Region string
	// Bucket is the bucket to store into. Required.
	Bucket string
	// AccessKeyID, SecretAccessKey and SessionToken are static keys; the
	// token only for temporary keys. All empty (and Credentials nil)
	// means anonymous requests. The secret never appears in an error.
	AccessKeyID, SecretAccessKey, SessionToken string
	// Credentials, instead of the three fields above, supplies keys that
	// may expire (a profile, an instance role): they are cached until
	// shortly before their expiry, and a request refused for an expired
	// token is signed again once with fresh keys (see package credentials).
	Credentials credentials.Provider
	// ConnectTimeout bounds dialing and the TLS handshake. Default: 10 s.
	ConnectTimeout time.Duration
	// ResponseTimeout bounds the wait for a reply once a request is sent,
	// and the time a request body may make no progress. Default: 60 s.
	ResponseTimeout time.Duration
	// PartSize is the size of each part of a multipart upload, raised to
	// 5 MiB and, for a huge object, to what keeps it within 10,000 parts.
	// At most 5 GiB: a larger value is refused. Default: 16 MiB.
	PartSize int64
	// PartConcurrency is the number of parts of one upload sent at once;
	// a multipart upload holds about PartSize × PartConcurrency in memory.
	// Default: 4.
	PartConcurrency int
	// MultipartThreshold is the largest object sent in one PUT; larger
	// ones are sent in parts. At most 5 GiB, the single-PUT limit of every
	// provider: a larger value is refused, never capped. Default: 64 MiB.
	MultipartThreshold int64
	// DisableSkewCorrection turns off signing with the server's time: a
	// clock-skew refusal is then returned (Kind ClockSkew, with hints)
	// instead of corrected. The skew is measured and reported either way.
	DisableSkewCorrection bool
}

// Settings are the checked settings of one target, from a configuration
// file or a destination URL, that [Provider.Open] maps onto its backend's
// options. A zero field leaves the backend's default.
type Settings struct {
	// Common holds what every cloud backend's Options takes as it is.
	Common
	// Anonymous sends unsigned requests; the keys are then all empty.
	Anonymous bool

	// The optional keys (Provider.Keys): signature, path_style,
	// skip_etag_check, cname, virtual_host, sign_expiry.
	Signature     string
	PathStyle     bool
	SkipETagCheck bool
	CustomDomain  bool
	VirtualHost   bool
	SignExpiry    time.Duration

	// Path is the directory of a local provider's target.
	Path string
	// Readable asks a local provider for the destination layout, each key
	// at its path (DIR/sub/b.txt), rather than the backup's: set when the
	// local target is the only kind of target.
	Readable bool
	// NoCreate opens a local target without creating its directory (a
	// dry run writes nothing).
	NoCreate bool
}

// Optional configuration keys a provider may accept beyond the common ones
// (name, provider, endpoint, region, bucket, the credentials, part_size,
// part_jobs, multipart_threshold, connect_timeout, response_timeout).
const (
	KeySignature     = "signature"       // Settings.Signature, one of Provider.Signatures
	KeyPathStyle     = "path_style"      // Settings.PathStyle
	KeySkipETagCheck = "skip_etag_check" // Settings.SkipETagCheck
	KeyCNAME         = "cname"           // Settings.CustomDomain
	KeyVirtualHost   = "virtual_host"    // Settings.VirtualHost
	KeySignExpiry    = "sign_expiry"     // Settings.SignExpiry
	KeyPath          = "path"            // Settings.Path (local providers only)
)

// OptionalKeys lists every optional key, in the order above.
var OptionalKeys = []string{KeySignature, KeyPathStyle, KeySkipETagCheck, KeyCNAME, KeyVirtualHost, KeySignExpiry, KeyPath}

// Provider is one provider's declaration. Name and Open are required.
type Provider struct {
	// Name is the value of provider: in the configuration ("tos").
	Name string
	// Scheme is the URL scheme of command-line destinations
	// (scheme://bucket/prefix), "" for none.
	Scheme string
	// Local marks a provider that stores in a local directory (key path)
	// and serves as the backup; it has no credentials.
	Local bool
	// Keys are the optional keys (OptionalKeys) the provider accepts.
	Keys []string
	// Signatures are the values signature: accepts, lower case, when Keys
	// holds KeySignature.
	Signatures []string
	// Env are the environment variable families read, in order, when a
	// target names no credentials.
	Env []credentials.EnvFamily
	// EndpointEnv and RegionEnv name the environment variables, in order,
	// that give a command-line destination (scheme://bucket/prefix) its
	// endpoint and region when its URL names none.
	EndpointEnv, RegionEnv []string
	// EndpointFor, if set, returns the provider's public endpoint of a
	// region, for a command-line destination that names a region and no
	// endpoint.
	EndpointFor func(region string) string
	// InstanceRole, if set, is the instance-role link of the provider's
	// credential chain for a metadata endpoint ("" for the default); nil
	// uses the credentials package's.
	InstanceRole func(metadataEndpoint string) credentials.Provider
	// Open builds a backend from checked settings. It checks what only the
	// backend knows and returns an error saying what to change; it does
	// not touch the network.
	Open func(Settings) (uploader.Backend, error)
}

// HasKey reports whether the provider accepts the optional key k.
func (p Provider) HasKey(k string) bool { return slices.Contains(p.Keys, k) }

var (
	nameRE   = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	schemeRE = regexp.MustCompile(`^[a-z][a-z0-9+.-]{0,31}$`)
)

// Registry holds providers by name and scheme. Register before use; the
// lookups are safe for concurrent use once registration is over.
type Registry struct {
	byName   map[string]Provider
	byScheme map[string]string
	order    []string
}

// NewRegistry returns a registry holding ps, in that order.
func NewRegistry(ps ...Provider) (*Registry, error) {
	r := &Registry{}
	for _, p := range ps {
		if err := r.Register(p); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds p. It refuses a provider without a name or Open, a name or
// scheme already taken, an unknown optional key, and signature values
// without the signature key.
func (r *Registry) Register(p Provider) error {
	if r.byName == nil {
		r.byName, r.byScheme = map[string]Provider{}, map[string]string{}
	}
	switch {
	case !nameRE.MatchString(p.Name):
		return fmt.Errorf("provider name %q: lower-case letters, digits, '-' and '_', starting with a letter", p.Name)
	case p.Open == nil:
		return fmt.Errorf("provider %q: Open is nil", p.Name)
	case p.Scheme != "" && !schemeRE.MatchString(p.Scheme):
		return fmt.Errorf("provider %q: scheme %q is not a URL scheme", p.Name, p.Scheme)
	case p.Scheme == "file" || p.Scheme == "http" || p.Scheme == "https":
		return fmt.Errorf("provider %q: scheme %q is reserved", p.Name, p.Scheme)
	}
	if _, dup := r.byName[p.Name]; dup {
		return fmt.Errorf("provider %q is registered twice", p.Name)
	}
	if other, dup := r.byScheme[p.Scheme]; dup && p.Scheme != "" {
		return fmt.Errorf("provider %q: scheme %s:// is already provider %q's", p.Name, p.Scheme, other)
	}
	for _, k := range p.Keys {
		if !slices.Contains(OptionalKeys, k) {
			return fmt.Errorf("provider %q: unknown optional key %q (known: %v)", p.Name, k, OptionalKeys)
		}
		if k == KeyPath && !p.Local || k != KeyPath && p.Local {
			return fmt.Errorf("provider %q: key %q: path is the one key of a local provider", p.Name, k)
		}
	}
	if len(p.Signatures) > 0 != p.HasKey(KeySignature) {
		return errors.New("provider " + p.Name + ": Signatures and the signature key go together")
	}
	r.byName[p.Name] = p
	if p.Scheme != "" {
		r.byScheme[p.Scheme] = p.Name
	}
	r.order = append(r.order, p.Name)
	return nil
}

// Lookup returns the provider called name.
func (r *Registry) Lookup(name string) (Provider, bool) {
	p, ok := r.byName[name]
	return p, ok
}

// ByScheme returns the provider of a URL scheme.
func (r *Registry) ByScheme(scheme string) (Provider, bool) {
	n, ok := r.byScheme[scheme]
	if !ok {
		return Provider{}, false
	}
	return r.Lookup(n)
}

// Names returns the providers' names in registration order.
func (r *Registry) Names() []string { return slices.Clone(r.order) }

// Schemes returns the URL schemes in registration order.
func (r *Registry) Schemes() []string {
	var s []string
	for _, n := range r.order {
		if p := r.byName[n]; p.Scheme != "" {
			s = append(s, p.Scheme)
		}
	}
	return s
}

// Open opens the backend of settings s with the provider called name.
func (r *Registry) Open(name string, s Settings) (uploader.Backend, error) {
	p, ok := r.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown provider %q (registered: %v)", name, r.order)
	}
	return p.Open(s)
}

// Ret adapts a backend constructor's (*B, error) to Open's result, so that
// a failed constructor never yields a non-nil interface holding a nil
// pointer.
func Ret[B uploader.Backend](b B, err error) (uploader.Backend, error) {
	if err != nil {
		return nil, err
	}
	return b, nil
}
