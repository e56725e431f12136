package main

import (
	"fmt"

	"github.com/resilient-upload/upload/backends/local"
	uconfig "github.com/resilient-upload/upload/config"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/uploader"
)

// overrides are the command-line settings that apply to every target
// (config.Overrides).
type overrides = uconfig.Overrides

// newBackend builds the backend of one target through the registry (each
// backend package declares its provider). The backends check their options
// and refuse, with a message saying what to change, what cannot work;
// nothing here touches the network.
func newBackend(t *targetConfig, cfg *config, o overrides) (uploader.Backend, error) {
	return cfg.Open(registry, t, o)
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
	// tree is the local destination (local.Tree), nil if none; it counts
	// as a cloud target (the place files are meant to go).
	tree *local.Tree
	// fo is the failover Uploader when there is a cloud target; u is what
	// uploads (fo, or the local backend alone).
	fo *failover.Uploader
	u  uploader.Uploader
}

// buildTargets builds every backend. Refusals are collected, each naming
// the file, line and target, so that nothing is uploaded until the whole
// configuration is right.
func buildTargets(cfg *config, o overrides, opts failover.Options) (*targetSet, error) {
	s := &targetSet{cfg: cfg, targets: cfg.AllTargets()}
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
	} else if tr, ok := b.(*local.Tree); ok {
		// The local destination (each key at its path): the only target.
		s.tree = tr
		s.clouds++
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

// needsMD5 reports whether an upload of a file of size bytes should
// compute the file's MD5 as it reads it: when a cloud target would send it
// in one request, whose ETag is the MD5 of the bytes stored (checked against
// the bytes read, see uploadFile). Every target sending it in parts (their
// ETag is no MD5, the parts carry their own checksums) and the local
// targets (they compute the MD5 of what they write) need none, and the
// file's CRC-32C alone is computed: a tenth of the CPU or less.
func (s *targetSet) needsMD5(size int64) bool {
	for _, b := range s.backends {
		switch b := b.(type) {
		case *local.Backend, *local.Tree:
		case uploader.PartSizer:
			if b.PartSize(size) == 0 {
				return true
			}
		default:
			return true
		}
	}
	return false
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

func lineOf(cfg *config, line int) string { return cfg.Where(line) }

// oneLine joins a multi-line message (config.OneLine).
func oneLine(err error) string { return uconfig.OneLine(err) }
