package main

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/resilient-upload/upload/backends/cos"
	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/backends/obs"
	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/backends/s3"
	"github.com/resilient-upload/upload/backends/tos"
	uconfig "github.com/resilient-upload/upload/config"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/provider"
)

// The command reads its configuration with the config package, like any
// application; these names keep the command's code short.
type (
	config       = uconfig.Config
	targetConfig = uconfig.Target
)

// configError is a mistake in the configuration or on the command line:
// exit status 2.
type configError struct{ msgs []string }

func (e *configError) Error() string { return strings.Join(e.msgs, "\n") }

// newRegistry returns the providers the command knows: the one place that
// names the concrete backends. Wiring is explicit; no package registers
// itself.
func newRegistry() *provider.Registry {
	reg, err := provider.NewRegistry(tos.Registration(), oss.Registration(), obs.Registration(),
		cos.Registration(), s3.Registration(), local.Registration())
	if err != nil {
		panic("upload: the built-in providers do not register: " + err.Error())
	}
	return reg
}

// registry is the command's provider registry, built once.
var registry = newRegistry()

// asConfigError turns the config package's *Error into the command's.
func asConfigError(err error) error {
	var ce *uconfig.Error
	if errors.As(err, &ce) {
		return &configError{ce.Msgs}
	}
	return err
}

// configLookup returns the configuration file to read (config.Lookup).
func configLookup(explicit string, getenv func(string) (string, bool)) (string, error) {
	p, err := uconfig.Lookup(explicit, getenv)
	return p, asConfigError(err)
}

// defaultConfig is the configuration without a file: one local target in
// ./uploads, the destination (each key at its path).
func defaultConfig(getenv func(string) (string, bool)) *config {
	return uconfig.Default(local.DefaultDir, uconfig.Candidates(getenv))
}

// loadConfig reads and checks the configuration file at path.
func loadConfig(path string, getenv func(string) (string, bool)) (*config, error) {
	cfg, err := uconfig.Load(path, uconfig.Options{Registry: registry, Getenv: getenv})
	return cfg, asConfigError(err)
}

// parseConfig parses data, the contents of file.
func parseConfig(file string, data []byte, getenv func(string) (string, bool)) (*config, error) {
	cfg, err := uconfig.Parse(file, data, uconfig.Options{Registry: registry, Getenv: getenv})
	return cfg, asConfigError(err)
}

// failoverOptions maps the configuration onto failover.Options.
func failoverOptions(cfg *config) failover.Options { return cfg.FailoverOptions() }

// plainErr drops the "stat FILE:" of a *fs.PathError, whose path the
// caller's message already names.
func plainErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("no such file")
		}
		return pe.Err
	}
	return err
}
