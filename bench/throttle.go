package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/resilient-upload/upload/integration/gateway"
)

// throttleRate is the share of PUTs the vendor gateway answers 503 SlowDown
// (no Retry-After) in the throttled run: a single target with no backup,
// where only pacing and retries can store every file.
const throttleRate = 0.5

// throttleWorkload is the throttled run's workload (scaled down by -quick).
func throttleWorkload(quick bool) workload {
	if quick {
		return workload{Name: "throttle", Files: 200, Size: 4 << 10}
	}
	return workload{Name: "throttle", Files: 2000, Size: 4 << 10}
}

// throttleCase is one tool's throttled runs.
type throttleCase struct {
	ID, Label   string
	Unavailable string
	Samples     []sample
	// Injected is, per run, how many PUTs met the fault.
	Injected []float64
}

// measureThrottle runs every available tool alone (one target, no second
// one, no backup) through an OBS-dialect vendor gateway in front of MinIO
// that answers throttleRate of the PUTs 503 SlowDown without Retry-After,
// on the throttle workload generated under dir, for rounds rounds; each
// run is verified like the others (every file stored, byte for byte).
func measureThrottle(ctx context.Context, client minioClient, e env, conts []contender, obsExtra [][2]string, dir string, rounds int, o options, jsonDir string) ([]throttleCase, workload, string) {
	w, err := generate(throttleWorkload(o.Quick), dir)
	if err != nil {
		return nil, w, err.Error()
	}
	gw, err := gateway.Start(gateway.Options{
		Dialect:  gateway.OBS,
		Upstream: gateway.Upstream{URL: e.MinioURL, AccessKey: e.MinioAccessKey, SecretKey: e.MinioSecretKey, Region: "us-east-1"},
	})
	if err != nil {
		return nil, w, "vendor gateway: " + err.Error()
	}
	defer gw.Close()
	ge := e
	ge.Endpoint, ge.URL = gw.Endpoint(), gw.URL()
	ge.AccessKey, ge.SecretKey = gw.Credentials()

	var cases []throttleCase
	var runners []contender
	for _, c := range conts {
		if c.Unavailable != "" {
			continue
		}
		var r contender
		switch c.ID {
		case "upload-obs":
			if r, err = newUploadWith("upload-obs-throttled", "upload (obs, one target, defaults)", c.Bin, c.Version, ge,
				[]target{obsTarget("gateway-obs", ge, e.Bucket, obsExtra)}); err != nil {
				continue
			}
		case "s5cmd":
			r = newS5cmd(c.Bin, c.Version, ge)
		case "mc":
			r = newMc(c.Bin, c.Version, ge)
		case "rclone":
			r = newRclone(c.Bin, c.Version, ge)
		default:
			continue
		}
		cases = append(cases, throttleCase{ID: r.ID, Label: r.Label})
		runners = append(runners, r)
	}
	fault := gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.Respond(503, "SlowDown"), Probability: throttleRate}
	for round := 1; round <= rounds; round++ {
		for k := range runners {
			i := (k + round - 1) % len(runners)
			id := gw.Inject(fault)
			s := runOne(ctx, client, ge, &runners[i], w, round, o.RunTimeout, jsonDir)
			cases[i].Injected = append(cases[i].Injected, float64(gw.FaultHits(id)))
			gw.RemoveFault(id)
			cases[i].Samples = append(cases[i].Samples, s)
			logRun(fmt.Sprintf("throttled %.0f%%", throttleRate*100), round, w, runners[i].ID, s)
			if ctx.Err() != nil {
				return cases, w, ""
			}
		}
	}
	return cases, w, ""
}

// measureThrottleInto adds the throttled runs to fr.
func measureThrottleInto(ctx context.Context, fr *failoverResults, client minioClient, e env, conts []contender, obsExtra [][2]string, o options, jsonDir string) {
	fr.Throttle, fr.ThrottleWorkload, fr.ThrottleUnavailable = measureThrottle(ctx, client, e, conts, obsExtra,
		filepath.Join(filepath.Dir(jsonDir), "throttle-files"), 1, o, jsonDir)
}

func renderThrottle(b *strings.Builder, res *results) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	fr := res.Failover
	w := fr.ThrottleWorkload
	p("### One target, %.0f%% of PUTs throttled\n\n", throttleRate*100)
	if fr.ThrottleUnavailable != "" {
		p("Not measured: %s.\n\n", strings.TrimSuffix(fr.ThrottleUnavailable, "."))
		return
	}
	p("Each tool uploads %s to one target, alone (no second target, no backup), through the vendor gateway of integration/gateway (OBS dialect, in front of the same MinIO) that answers %.0f%% of the PUTs 503 SlowDown without Retry-After (drawn from the gateway's seeded source), each tool with the same knobs as in the runs above; one run each. A run counts only if the tool exits 0 and every file is in MinIO, byte for byte; otherwise the note says what failed (e.g. how many files are missing).\n\n", w.Label(), throttleRate*100)
	p("| Tool | OK runs | Wall s | Files/s | SlowDowns per run |\n|---|---|---|---|---|\n")
	var notes []string
	for _, tc := range fr.Throttle {
		f := summarizeSamples(tc.Samples, w)
		p("| %s | %d/%d | %s | %s | %s |\n", tc.Label, f.OK, f.Runs, cell(f.Wall, 2), cell(f.FilesPS, ratePrec(f.FilesPS)), cell(summarize(tc.Injected), 0))
		for _, fl := range f.Failures {
			notes = append(notes, fmt.Sprintf("- %s failed %s\n", tc.Label, fl))
		}
	}
	p("\n%s", strings.Join(notes, ""))
	if len(notes) > 0 {
		p("\n")
	}
}
