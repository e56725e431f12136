package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Overrides are settings that apply to every target, over what the file
// says; a zero field leaves the target's own setting.
type Overrides struct {
	PartSize int64
	PartJobs int
	// NoCreate opens local targets without creating their directories (a
	// dry run writes nothing).
	NoCreate bool
}

// Settings returns the provider settings of target t (one of c's).
func (c *Config) Settings(t *Target, o Overrides) provider.Settings {
	s := provider.Settings{
		Common: provider.Common{Name: t.Name, Endpoint: t.Endpoint, Region: t.Region, Bucket: t.Bucket,
			AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken, Credentials: t.CredProvider,
			PartSize: t.PartSize, PartConcurrency: t.PartJobs, MultipartThreshold: t.MultipartThreshold,
			ConnectTimeout: t.ConnectTimeout, ResponseTimeout: t.ResponseTimeout, DisableSkewCorrection: !c.SkewCorrect},
		Anonymous: t.Anonymous,
		Signature: t.Signature, PathStyle: t.PathStyle, SkipETagCheck: t.SkipETagCheck,
		CustomDomain: t.CNAME, VirtualHost: t.VirtualHost, SignExpiry: t.SignExpiry,
		Path: t.Path, NoCreate: o.NoCreate}
	if o.PartSize > 0 {
		s.PartSize = o.PartSize
	}
	if o.PartJobs > 0 {
		s.PartConcurrency = o.PartJobs
	}
	return s
}

// Open builds the backend of target t with its provider in reg. The
// backend checks its settings and refuses, saying what to change, what
// cannot work; nothing touches the network.
func (c *Config) Open(reg *provider.Registry, t *Target, o Overrides) (uploader.Backend, error) {
	s := c.Settings(t, o)
	if p, ok := reg.Lookup(t.Provider); ok && p.Local {
		s.Readable = t.Readable && c.LocalOnly(reg)
	}
	return reg.Open(t.Provider, s)
}

// LocalOnly reports whether every target is of a local provider: the local
// target is then the destination, not a backup (and one marked Readable
// keeps each key at its path).
func (c *Config) LocalOnly(reg *provider.Registry) bool {
	for _, t := range c.AllTargets() {
		if p, ok := reg.Lookup(t.Provider); !ok || !p.Local {
			return false
		}
	}
	return true
}

// Where names the place of line in the configuration for messages:
// "FILE:LINE", or "default configuration".
func (c *Config) Where(line int) string {
	if c.fromDests {
		return "--to"
	}
	if c.File == "" {
		return "default configuration"
	}
	return fmt.Sprintf("%s:%d", c.File, line)
}

// Build opens the backend of every target (AllTargets), in failover order,
// the local ones marked Backup. Refusals are collected in one *Error, each
// naming the file, line and target, so that nothing is uploaded until the
// whole configuration is right; on error no backend is left open. The
// caller closes the backends.
func (c *Config) Build(reg *provider.Registry, o Overrides) ([]failover.Target, error) {
	var (
		ts   []failover.Target
		errs []string
	)
	for _, t := range c.AllTargets() {
		b, err := c.Open(reg, t, o)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: target %q (%s): %s", c.Where(t.Line), t.Name, t.Provider, OneLine(err)))
			continue
		}
		prov, _ := reg.Lookup(t.Provider)
		ts = append(ts, failover.Target{Backend: b, Backup: prov.Local && !c.LocalOnly(reg)})
	}
	if len(errs) > 0 {
		for _, t := range ts {
			t.Backend.Close()
		}
		return nil, &Error{Msgs: errs}
	}
	return ts, nil
}

// FailoverOptions maps the configuration onto failover.Options.
func (c *Config) FailoverOptions() failover.Options {
	return failover.Options{
		Breaker:        c.Breaker,
		Retry:          c.Retry,
		Throttle:       c.Throttle,
		AttemptTimeout: c.AttemptTimeout,
		StallTimeout:   c.StallTimeout,
		Probe:          c.Probe,
		SkewReport:     c.SkewReport,
	}
}

// OneLine joins a multi-line error message, preferring an
// [uploader.Error]'s Message.
func OneLine(err error) string {
	var ue *uploader.Error
	msg := err.Error()
	if errors.As(err, &ue) && ue.Message != "" {
		msg = ue.Message
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", " ")), " ")
}
