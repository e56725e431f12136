package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"time"
)

// failoverResults are the second part of the report.
type failoverResults struct {
	// Unavailable, when set, says why the parts that need the upload CLI
	// (all but the 503 runs) were not measured.
	Unavailable string
	// Workload is the one the breaker-open cases upload.
	Workload workload
	// Cases are the breaker-open comparison: the secondary alone, then the
	// secondary behind a primary that answers SignatureDoesNotMatch, and
	// behind a dead port.
	Cases []failoverCase
	// TTF are the times from the first SignatureDoesNotMatch to the first
	// success on the secondary, one per round, in milliseconds.
	TTF []float64
	// TTFErr says why TTF is empty.
	TTFErr string
	// Faults are the runs through the vendor gateway with and without
	// injected 503s, on FaultWorkload; FaultsUnavailable says why there are
	// none.
	Faults            []faultCase
	FaultsUnavailable string
	FaultWorkload     workload
	// Throttle are the runs of each tool alone through a gateway that
	// throttles half of the PUTs (a section of their own in the report).
	Throttle *throttleResults
	// RSS is the part size × part jobs sweep of the largest workload.
	RSSWorkload workload
	RSS         []rssCase
}

// failoverCase is one configuration of `upload` measured over the rounds.
type failoverCase struct {
	ID, Label, Doc string
	Samples        []sample
	// Rejected are, per upload that the breaker turned away from the
	// primary, the time that rejection took (µs), from the --json report.
	Rejected []float64
	// Delays are, per successful upload, the time from its first attempt
	// to its successful one (ms): what the broken primary cost it.
	Delays []float64
	// Reached and RejectedN are, per run, the attempts that reached the
	// primary and those its open breaker turned away.
	Reached, RejectedN []float64
	// Reports are the --json report files of the runs.
	Reports []string
}

// rssCase is one part size × part jobs setting.
type rssCase struct {
	Set     settings
	Samples []sample
}

// deadPort returns a loopback address nothing listens on (a port that was
// just free): connections to it are refused at once.
func deadPort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// measureFailover measures the failover figures with the upload binary.
func measureFailover(ctx context.Context, client minioClient, e env, conts []contender, bin, why string, obsExtra [][2]string, o options, wls, warm []workload, jsonDir string) *failoverResults {
	fr := &failoverResults{}
	fr.FaultWorkload = wls[0]
	for _, w := range wls {
		if w.Name == "small" {
			fr.FaultWorkload = w
		}
	}
	fr.Faults, fr.FaultsUnavailable = measureFaults(ctx, client, e, conts, obsExtra, fr.FaultWorkload, warm, min(o.Rounds, 3), o, jsonDir)
	if ctx.Err() != nil {
		return fr
	}
	measureThrottleInto(ctx, fr, client, e, conts, o, jsonDir)
	if ctx.Err() != nil {
		return fr
	}
	if bin == "" {
		if why == "" {
			why = "upload was not selected (-tools)"
		}
		fr.Unavailable = why
		return fr
	}
	fr.Workload = wls[0]
	for _, w := range wls {
		if w.Name == "small" {
			fr.Workload = w
		}
	}
	dead, err := deadPort()
	if err != nil {
		fr.Unavailable = err.Error()
		return fr
	}
	good := s3Target("secondary", e, e.Bucket)
	badSig := s3Target("primary", e, e.Bucket)
	badSig.SecretEnv = "BENCH_BAD_SECRET" // MinIO answers SignatureDoesNotMatch
	deadT := s3Target("primary", e, e.Bucket)
	deadT.Endpoint = "http://" + dead
	cases := []struct {
		id, label string
		targets   []target
	}{
		{"alone", "secondary alone", []target{good}},
		{"badsig", "primary answers SignatureDoesNotMatch", []target{badSig, good}},
		{"dead", "primary is a dead port (connection refused)", []target{deadT, good}},
	}
	for _, c := range cases {
		cfg := filepath.Join(e.Conf, "failover-"+c.id+".yaml")
		if err := writeConfig(cfg, c.targets); err != nil {
			fr.Unavailable = err.Error()
			return fr
		}
		fr.Cases = append(fr.Cases, failoverCase{ID: c.id, Label: c.label,
			Doc: fmt.Sprintf("`upload --config failover-%s.yaml --json ...` (%d target(s))", c.id, len(c.targets))})
	}
	rounds := o.Rounds
	for r := 1; r <= rounds; r++ {
		for k := range fr.Cases {
			fc := &fr.Cases[(k+r-1)%len(fr.Cases)]
			cfg := filepath.Join(e.Conf, "failover-"+fc.ID+".yaml")
			report := filepath.Join(jsonDir, fmt.Sprintf("failover-%s-r%d.ndjson", fc.ID, r))
			c := &contender{ID: "failover-" + fc.ID, Buckets: []string{e.Bucket}, cmd: func(e env, w workload, prefix string) invocation {
				return invocation{Args: uploadArgs(bin, cfg, prefix, e.Set, true, w.Dir), Env: e.uploadEnv(), Stdout: report}
			}}
			s := runOne(ctx, client, e, c, fr.Workload, r, o.RunTimeout, jsonDir)
			if ctx.Err() != nil {
				return fr
			}
			fc.Samples = append(fc.Samples, s)
			fc.Reports = append(fc.Reports, report)
			logRun("failover", r, fr.Workload, c.ID, s)
			if s.Err != nil {
				continue
			}
			rep, err := readReport(report)
			if err != nil {
				fr.TTFErr = "reading the --json report: " + err.Error()
				continue
			}
			fc.Rejected = append(fc.Rejected, rep.rejectedMicros("primary")...)
			fc.Delays = append(fc.Delays, rep.delaysMillis()...)
			reached, rejected := rep.attemptsOn("primary")
			fc.Reached = append(fc.Reached, float64(reached))
			fc.RejectedN = append(fc.RejectedN, float64(rejected))
			if fc.ID == "badsig" {
				if d, err := rep.timeToFailover("primary", "SignatureDoesNotMatch", "secondary"); err != nil {
					fr.TTFErr = err.Error()
				} else {
					fr.TTF = append(fr.TTF, float64(d)/float64(time.Millisecond))
				}
			}
		}
	}

	// Peak RSS against part size × part jobs, on the large workload (else
	// the one with the largest files).
	fr.RSSWorkload = wls[0]
	for _, w := range wls {
		if w.Name == "large" || (fr.RSSWorkload.Name != "large" && w.Size > fr.RSSWorkload.Size) {
			fr.RSSWorkload = w
		}
	}
	grid := []settings{
		{Jobs: e.Set.Jobs, PartSize: 8 << 20, PartJobs: 1},
		{Jobs: e.Set.Jobs, PartSize: 8 << 20, PartJobs: 4},
		{Jobs: e.Set.Jobs, PartSize: 16 << 20, PartJobs: 4},
		{Jobs: e.Set.Jobs, PartSize: 16 << 20, PartJobs: 8},
		{Jobs: e.Set.Jobs, PartSize: 64 << 20, PartJobs: 4},
	}
	for _, s := range grid {
		fr.RSS = append(fr.RSS, rssCase{Set: s})
	}
	cfg := filepath.Join(e.Conf, "upload-s3.yaml")
	for r := 1; r <= min(rounds, 3); r++ {
		for k := range fr.RSS {
			rc := &fr.RSS[(k+r-1)%len(fr.RSS)]
			set := rc.Set
			id := fmt.Sprintf("rss-%dMiB-x%d", mib(set.PartSize), set.PartJobs)
			c := &contender{ID: id, Buckets: []string{e.Bucket, e.Second}, cmd: func(e env, w workload, prefix string) invocation {
				return invocation{Args: uploadArgs(bin, cfg, prefix, set, false, w.Dir), Env: e.uploadEnv()}
			}}
			s := runOne(ctx, client, e, c, fr.RSSWorkload, r, o.RunTimeout, jsonDir)
			if ctx.Err() != nil {
				return fr
			}
			rc.Samples = append(rc.Samples, s)
			logRun("rss", r, fr.RSSWorkload, id, s)
		}
	}
	return fr
}

// logRun prints one run's figures.
func logRun(part string, r int, w workload, id string, s sample) {
	if s.Err != nil {
		logf("%s round %d %-7s %-16s FAILED: %v", part, r, w.Name, id, s.Err)
		return
	}
	logf("%s round %d %-7s %-16s %7.2fs %8.1f files/s %7.1f MB/s cpu %6.2fs rss %5d MiB",
		part, r, w.Name, id, s.M.Wall.Seconds(), float64(w.Files)/s.M.Wall.Seconds(),
		float64(w.Bytes())/1e6/s.M.Wall.Seconds(), s.M.CPU().Seconds(), s.M.MaxRSSKiB>>10)
}
