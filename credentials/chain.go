package credentials

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Chain returns a Provider that tries links in order and returns the keys
// of the first that has some. A link whose error wraps [ErrNotFound] is
// skipped; any other error ends the search, naming the link (a broken
// profile file is not silently passed over for an instance role).
func Chain(links ...Provider) Provider {
	return ProviderFunc(func(ctx context.Context) (Value, error) {
		var missing []string
		for _, l := range links {
			v, err := l.Retrieve(ctx)
			if err == nil {
				return v, nil
			}
			if !errors.Is(err, ErrNotFound) {
				return Value{}, err
			}
			missing = append(missing, err.Error())
		}
		return Value{}, &Error{Link: "chain", Err: fmt.Errorf("%w: %s", ErrNotFound, strings.Join(missing, "; "))}
	})
}

// Sources are the values of [Options.Source].
const (
	SourceAny      = ""         // the whole chain
	SourceStatic   = "static"   // Options.Static only
	SourceEnv      = "env"      // the environment variables only
	SourceProfile  = "profile"  // the CLI profile files only
	SourceInstance = "instance" // the instance role only
)

// Options configures [ForProvider].
type Options struct {
	// Source restricts the chain to one link (SourceEnv, SourceProfile,
	// SourceInstance, SourceStatic); SourceAny uses every link.
	Source string
	// Static is the explicit link (keys from the configuration); nil
	// means none.
	Static Provider
	// Profile is the profile to read; empty means the provider's profile
	// variable (AWS_PROFILE, ALIBABA_CLOUD_PROFILE, VOLCENGINE_PROFILE),
	// else "default".
	Profile string
	// Role and MetadataEndpoint configure the instance link; see
	// [InstanceOptions].
	Role             string
	MetadataEndpoint string
	// Instance, if set, replaces the instance link (the s3 backend offers
	// minio-go's IAM provider, which also does web identity).
	Instance Provider
	// Home is the home directory of the profile files; "" means
	// os.UserHomeDir.
	Home string
	// Getenv reads the environment; nil means os.LookupEnv.
	Getenv func(string) (string, bool)
	// HTTPClient sends the metadata requests; nil means a default client.
	HTTPClient *http.Client
}

// ForProvider returns the chain of provider ("tos", "oss", "obs", "cos",
// "s3"), in the order its own CLI and SDK use:
//
//  1. explicit keys (Options.Static), from the configuration;
//  2. the environment ([EnvFamilies]), security token included;
//  3. the CLI profile files ([ProfileFiles]);
//  4. the instance role ([Instance]).
//
// Options.Source keeps one link only.
func ForProvider(provider string, opts Options) (Provider, error) {
	if _, ok := EnvFamilies[provider]; !ok {
		return nil, fmt.Errorf("credentials: unknown provider %q", provider)
	}
	env := Env(opts.Getenv, EnvFamilies[provider]...)
	prof := Profile(provider, opts.Profile, opts.Home, opts.Getenv, ProfileFiles[provider]...)
	inst := opts.Instance
	if inst == nil {
		inst = Instance(provider, InstanceOptions{Role: opts.Role, Endpoint: opts.MetadataEndpoint, Client: opts.HTTPClient})
	}
	switch opts.Source {
	case SourceAny:
		var links []Provider
		if opts.Static != nil {
			links = append(links, opts.Static)
		}
		return Chain(append(links, env, prof, inst)...), nil
	case SourceStatic:
		if opts.Static == nil {
			return nil, errors.New("credentials: source static needs the keys")
		}
		return opts.Static, nil
	case SourceEnv:
		return env, nil
	case SourceProfile:
		return prof, nil
	case SourceInstance:
		return inst, nil
	}
	return nil, fmt.Errorf("credentials: source %q is not one of env, profile, instance, static", opts.Source)
}
