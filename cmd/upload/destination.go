package main

import (
	"os"
	"strings"

	uconfig "github.com/resilient-upload/upload/config"
)

// destinationConfig returns the configuration of an upload: the --to
// destinations when there are some (with the settings and backup: of the
// configuration file, if one is found), else the file's (or the default);
// and the object path the destinations name ("" for none). explicit is
// --config; upload and doctor share it.
func (a *app) destinationConfig(explicit string, to []string) (*config, string, error) {
	if len(to) == 0 {
		cfg, err := a.loadConfig(explicit)
		return cfg, "", err
	}
	var base *config
	path, err := configLookup(explicit, a.getenv)
	if err != nil {
		return nil, "", err
	}
	if path != "" {
		if base, err = loadConfig(path, a.getenv); err != nil {
			return nil, "", err
		}
		if err := a.checkConfigPerms(base); err != nil {
			return nil, "", err
		}
	}
	cfg, dest, err := uconfig.Destinations(to, base, uconfig.Options{Registry: registry, Getenv: a.getenv})
	return cfg, dest, asConfigError(err)
}

// keyPlan applies the destinations' path to the keys: a single file sent
// to a path not ending in "/" (and no --prefix) gets exactly that key (cp
// semantics); otherwise the path is a directory joined before --prefix. It
// returns the prefix for the walk and the exact key ("" if none).
func keyPlan(destPath, prefix string, args []string) (string, string) {
	if destPath == "" {
		return prefix, ""
	}
	if prefix == "" && !strings.HasSuffix(destPath, "/") && len(args) == 1 && args[0] != "-" {
		if fi, err := os.Stat(args[0]); err == nil && fi.Mode().IsRegular() {
			return "", destPath
		}
	}
	if prefix == "" {
		return destPath, ""
	}
	return joinKey(destPath, prefix), ""
}
