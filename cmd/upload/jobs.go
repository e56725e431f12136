package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/resilient-upload/upload/failover"
)

// jobsSetting is --jobs: a fixed number of files at once, or auto.
type jobsSetting struct {
	auto bool
	n    int // the fixed number; 0 with auto
}

// localJobs is how many files go at once with --jobs auto when the only
// targets are local directories (the destination or the backup): a disk
// does not throttle, so no adaptive limiter decides.
const localJobs = 16

// parseJobs reads --jobs: "auto" or a whole number of at least 1.
func parseJobs(s string) (jobsSetting, error) {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		return jobsSetting{auto: true}, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return jobsSetting{}, &usageError{fmt.Sprintf("--jobs %s: a number of files at a time, like 16, or auto", s)}
	}
	if n < 1 {
		return jobsSetting{}, &usageError{fmt.Sprintf("--jobs %d: at least 1 file at a time, or auto", n)}
	}
	return jobsSetting{n: n}, nil
}

// options sets the failover options for j: with auto, each cloud target's
// adaptive limit, its memory estimate counting the parts of one file in
// flight (--part-jobs, else the highest part_jobs of the targets, else the
// backends' default).
func (j jobsSetting) options(opts failover.Options, cfg *config, o overrides) failover.Options {
	if !j.auto || !hasCloud(cfg) {
		return opts
	}
	opts.Concurrency.Adaptive = true
	parts := o.PartJobs
	if parts <= 0 {
		for _, t := range cfg.AllTargets() {
			parts = max(parts, t.PartJobs)
		}
	}
	opts.Concurrency.PartJobs = parts
	return opts
}

// files returns the most files the batch keeps in flight: the number
// given, or with auto the adaptive limit's maximum, so that each target's
// limiter decides how many of them run.
func (j jobsSetting) files(set *targetSet) int {
	switch {
	case !j.auto:
		return j.n
	case set.fo == nil, !hasCloud(set.cfg):
		return localJobs
	}
	return failover.DefaultMaxConcurrency
}

// hasCloud reports whether cfg names a target that is not a local
// directory.
func hasCloud(cfg *config) bool {
	for _, t := range cfg.AllTargets() {
		if t.Provider != "local" {
			return true
		}
	}
	return false
}
