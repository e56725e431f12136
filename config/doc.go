// Package config reads the YAML configuration of the upload command and
// turns it into failover targets, for the command and for any application
// that wants the same file.
//
// The providers a target may name come from a [provider.Registry] that the
// caller fills with the backend packages it links; this package names no
// backend and imports no SDK:
//
//	reg, err := provider.NewRegistry(tos.Registration(), s3.Registration(), local.Registration())
//	cfg, err := config.Load("upload.yaml", config.Options{Registry: reg})
//	targets, err := cfg.Build(reg, config.Overrides{})  // the caller closes the backends
//	up, err := failover.New(targets, cfg.FailoverOptions())
//
// [Lookup] finds the file the command would read (./upload.yaml, then
// $XDG_CONFIG_HOME/upload/config.yaml). [Load] and [Parse] check every value
// and report every mistake in one [*Error], each naming the file, line and
// key and suggesting the closest known key; no value read from the
// environment is ever printed. A target's credentials come from its keys
// (${NAME} references are resolved), its credentials: mapping (env,
// profile, instance, static), the provider's environment variables
// ([provider.Provider.Env]) or the provider's CLI profile files, in that
// order. Relative paths (local targets, backup:) are relative to the
// file's directory.
//
// The file's format is documented in `upload --help`.
package config
