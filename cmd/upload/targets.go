package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/resilient-upload/upload/backends/cos"
	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/backends/obs"
	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/backends/s3"
	"github.com/resilient-upload/upload/backends/tos"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/uploader"
)

// overrides are the command-line settings that apply to every cloud
// target; zero leaves the target's own setting (or the backend's default).
type overrides struct {
	PartSize int64
	PartJobs int
	// NoCreate builds local targets without creating their directories
	// (--dry-run writes nothing).
	NoCreate bool
}

// newBackend builds the backend of one target: the one place that names
// the concrete providers (a plain switch, no registry). The backends check
// their options and refuse, with a message saying what to change, what
// cannot work; nothing here touches the network.
func newBackend(t *targetConfig, cfg *config, o overrides) (uploader.Backend, error) {
	partSize, partJobs := t.PartSize, t.PartJobs
	if o.PartSize > 0 {
		partSize = o.PartSize
	}
	if o.PartJobs > 0 {
		partJobs = o.PartJobs
	}
	noSkew := !cfg.SkewCorrect
	// Each case returns its own (*Backend, error) through ret, so that a
	// failed New never becomes a non-nil interface holding a nil pointer.
	switch t.Provider {
	case "tos":
		return ret(tos.New(tos.Options{Name: t.Name, Endpoint: t.Endpoint, Region: t.Region, Bucket: t.Bucket,
			AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken, Credentials: t.CredProvider,
			ConnectTimeout: t.ConnectTimeout, ResponseTimeout: t.ResponseTimeout,
			PartSize: partSize, PartConcurrency: partJobs, MultipartThreshold: t.MultipartThreshold,
			DisableSkewCorrection: noSkew, CustomDomain: t.CNAME}))
	case "oss":
		sig := 0
		switch t.Signature {
		case "v1":
			sig = 1
		case "v4":
			sig = 4
		}
		return ret(oss.New(oss.Options{Name: t.Name, Endpoint: t.Endpoint, Region: t.Region, Bucket: t.Bucket,
			AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken, Credentials: t.CredProvider,
			SignatureVersion: sig, ForcePathStyle: t.PathStyle,
			ConnectTimeout: t.ConnectTimeout, ResponseTimeout: t.ResponseTimeout,
			PartSize: partSize, PartConcurrency: partJobs, MultipartThreshold: t.MultipartThreshold,
			DisableSkewCorrection: noSkew, CNAME: t.CNAME}))
	case "obs":
		return ret(obs.New(obs.Options{Name: t.Name, Endpoint: t.Endpoint, Region: t.Region, Bucket: t.Bucket,
			AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken, Credentials: t.CredProvider,
			Signature: obs.Signature(t.Signature), PathStyle: t.PathStyle, SkipETagCheck: t.SkipETagCheck,
			ConnectTimeout: t.ConnectTimeout, ResponseTimeout: t.ResponseTimeout,
			PartSize: partSize, PartConcurrency: partJobs, MultipartThreshold: t.MultipartThreshold,
			DisableSkewCorrection: noSkew, CustomDomain: t.CNAME}))
	case "cos":
		return ret(cos.New(cos.Options{Name: t.Name, Endpoint: t.Endpoint, Region: t.Region, Bucket: t.Bucket,
			AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken, Credentials: t.CredProvider,
			PathStyle: t.PathStyle, SignExpiry: t.SignExpiry,
			ConnectTimeout: t.ConnectTimeout, ResponseTimeout: t.ResponseTimeout,
			PartSize: partSize, PartConcurrency: partJobs, MultipartThreshold: t.MultipartThreshold,
			DisableSkewCorrection: noSkew, CustomDomain: t.CNAME}))
	case "s3":
		return ret(s3.New(s3.Options{Name: t.Name, Endpoint: t.Endpoint, Region: t.Region, Bucket: t.Bucket,
			AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken, Credentials: t.CredProvider,
			PathStyle: t.PathStyle, SkipETagCheck: t.SkipETagCheck,
			ConnectTimeout: t.ConnectTimeout, ResponseTimeout: t.ResponseTimeout,
			PartSize: partSize, PartConcurrency: partJobs, MultipartThreshold: t.MultipartThreshold, VirtualHost: t.VirtualHost}))
	case "local":
		return ret(local.New(local.Options{Dir: t.Path, Name: t.Name, NoCreate: o.NoCreate}))
	}
	return nil, fmt.Errorf("unknown provider %q", t.Provider)
}

func ret[B uploader.Backend](b B, err error) (uploader.Backend, error) {
	if err != nil {
		return nil, err
	}
	return b, nil
}

// targetSet is the configured targets, built: the backends in failover
// order and the Uploader over them.
type targetSet struct {
	cfg      *config
	targets  []*targetConfig
	backends []uploader.Backend
	descs    []uploader.Description
	// clouds counts the cloud targets; backup is the local target, nil if
	// none. With no cloud target the local target is the destination, not
	// a backup (status uploaded, exit 0).
	clouds int
	backup *local.Backend
	// fo is the failover Uploader when there is a cloud target; u is what
	// uploads (fo, or the local backend alone).
	fo *failover.Uploader
	u  uploader.Uploader
}

// buildTargets builds every backend. Refusals are collected, each naming
// the file, line and target, so that nothing is uploaded until the whole
// configuration is right.
func buildTargets(cfg *config, o overrides, opts failover.Options) (*targetSet, error) {
	s := &targetSet{cfg: cfg, targets: cfg.allTargets()}
	var errs []string
	for _, t := range s.targets {
		b, err := newBackend(t, cfg, o)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: target %q (%s): %s", lineOf(cfg, t.Line), t.Name, t.Provider, oneLine(err)))
			continue
		}
		if msg := defaultsError(t, b); msg != "" {
			errs = append(errs, msg)
		}
		s.add(t, b)
	}
	if len(errs) > 0 {
		s.close()
		return nil, &configError{errs}
	}
	if err := s.wire(opts); err != nil {
		s.close()
		return nil, &configError{[]string{cfg.Source + ": " + err.Error()}}
	}
	return s, nil
}

func (s *targetSet) add(t *targetConfig, b uploader.Backend) {
	s.backends = append(s.backends, b)
	d := uploader.Description{Name: b.Name(), Provider: t.Provider}
	if ds, ok := b.(uploader.Describer); ok {
		d = ds.Describe()
	}
	s.descs = append(s.descs, d)
	if lb, ok := b.(*local.Backend); ok {
		s.backup = lb
	} else {
		s.clouds++
	}
}

// wire makes the Uploader: failover over every target when there is a
// cloud target, else the local backend alone.
func (s *targetSet) wire(opts failover.Options) error {
	if s.clouds == 0 {
		s.u = uploader.New(s.backends[0])
		return nil
	}
	ts := make([]failover.Target, len(s.backends))
	for i, b := range s.backends {
		ts[i] = failover.Target{Backend: b, Defaults: s.targets[i].Defaults}
	}
	fo, err := failover.New(ts, opts)
	if err != nil {
		return err
	}
	s.fo, s.u = fo, fo
	return nil
}

func (s *targetSet) close() {
	if s.fo != nil {
		s.fo.Close()
	}
	for _, b := range s.backends {
		b.Close()
	}
}

// isBackup reports whether the named target is the local backup of cloud
// targets (not the only destination).
func (s *targetSet) isBackup(name string) bool {
	return s.clouds > 0 && s.backup != nil && s.backup.Name() == name
}

// describe returns the description of the named target.
func (s *targetSet) describe(name string) (uploader.Description, bool) {
	for _, d := range s.descs {
		if d.Name == name {
			return d, true
		}
	}
	return uploader.Description{}, false
}

// failoverOptions maps the configuration onto failover.Options.
func failoverOptions(cfg *config) failover.Options {
	return failover.Options{
		Breaker:        cfg.Breaker,
		Retry:          cfg.Retry,
		Throttle:       cfg.Throttle,
		AttemptTimeout: cfg.AttemptTimeout,
		StallTimeout:   cfg.StallTimeout,
		Probe:          cfg.Probe,
		SkewReport:     cfg.SkewReport,
	}
}

func lineOf(cfg *config, line int) string {
	if cfg.File == "" {
		return "default configuration"
	}
	return fmt.Sprintf("%s:%d", cfg.File, line)
}

// oneLine joins a multi-line message.
func oneLine(err error) string {
	var ue *uploader.Error
	msg := err.Error()
	if errors.As(err, &ue) && ue.Message != "" {
		msg = ue.Message
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", " ")), " ")
}
