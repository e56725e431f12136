package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/resilient-upload/upload/integration/gateway"
)

// throttleRate is the share of PUTs the vendor gateway answers 503 SlowDown
// (no Retry-After) in the throttled run: a single target with no backup,
// where only pacing and retries can store every file.
const throttleRate = 0.5

// throttleHeading starts the throttled run's section of the report. A full
// run writes it; `go run ./bench -throttle -out FILE` replaces it alone.
const throttleHeading = "## One target throttled (go run ./bench -throttle)"

// throttleGoal is the goal for `upload` against s5cmd: every file stored in
// less than this share of s5cmd's wall time.
const throttleGoal = 0.5

// throttleWorkload is the throttled run's workload, scaled down by -quick
// to 20 files: s5cmd backs off exponentially on SlowDown (aws-sdk-go's
// throttle delay starts at 0.5 s), so its time is set by the unluckiest
// file, and 200 files already took it about 3 minutes, more than a smoke
// run can spend (50 files took s5cmd 103 s and rclone 87 s, most of a
// 4-minute quick run).
func throttleWorkload(quick bool) workload {
	if quick {
		return workload{Name: "throttle", Files: 20, Size: 4 << 10}
	}
	return workload{Name: "throttle", Files: 2000, Size: 4 << 10}
}

// throttleResults are the throttled runs of every tool.
type throttleResults struct {
	Workload workload
	Cases    []throttleCase
	// Unavailable says why nothing was measured.
	Unavailable string
	// Load are the machine's load averages (/proc/loadavg: 1, 5 and 15
	// minutes) before the first run and after the last.
	LoadStart, LoadEnd string
	Started            time.Time
	Duration           time.Duration
	// Upload describes the upload binary (version, git commit).
	Upload string
	// RunTimeout bounds each run.
	RunTimeout time.Duration
}

// throttleCase is one tool's throttled runs.
type throttleCase struct {
	ID, Label, Doc string
	Samples        []sample
	// Injected is, per run, how many PUTs met the fault.
	Injected []float64
	// Load is, per run, the 1-minute load average when it started.
	Load []string
}

// loadAverage returns the first three fields of /proc/loadavg ("1.94 1.31
// 0.54"), or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// throttleRunners are the tools of the throttled run, each with its own
// defaults (no concurrency, part or retry flag), pointed at ge (the
// gateway): upload with one s3 target and no backup, s5cmd, mc, rclone.
// rclone keeps its destination listing here (no --no-check-dest): when a
// file fails its low-level retries, rclone runs the copy again (--retries
// 3), and only with the listing does that pass upload just what is
// missing.
func throttleRunners(conts []contender, ge env, bucket string) []contender {
	var out []contender
	for _, c := range conts {
		if c.Unavailable != "" {
			continue
		}
		bin := c.Bin
		r := contender{ID: c.ID + "-throttled", Label: c.Label, Bin: bin, Version: c.Version, Buckets: []string{bucket}}
		switch c.ID {
		case "upload-s3":
			cfg := filepath.Join(ge.Conf, "upload-throttled.yaml")
			t := target{Name: "throttled", Provider: "s3", Endpoint: ge.URL, Bucket: bucket,
				AccessEnv: "BENCH_GW_ACCESS_KEY", SecretEnv: "BENCH_GW_SECRET_KEY", Extra: [][2]string{{"path_style", "true"}}}
			if err := writeConfig(cfg, []target{t}); err != nil {
				continue
			}
			r.Label = "upload (s3, one target, no backup)"
			r.Upload = true
			r.Doc = "`upload --config upload-throttled.yaml --prefix PREFIX --progress never --quiet DIR` (one s3 target on the gateway, path_style: true; no backup)"
			r.cmd = func(e env, w workload, prefix string) invocation {
				return invocation{Args: []string{bin, "--config", cfg, "--prefix", prefix, "--progress", "never", "--quiet", w.Dir}, Env: e.uploadEnv()}
			}
		case "s5cmd":
			r.Doc = "`s5cmd --endpoint-url URL cp 'DIR/*' s3://BUCKET/PREFIX/` (AWS_REGION=us-east-1)"
			r.cmd = func(e env, w workload, prefix string) invocation {
				return invocation{
					Args: []string{bin, "--endpoint-url", e.URL, "cp", w.Dir + "/*", "s3://" + bucket + "/" + prefix},
					Env:  e.childEnv("AWS_ACCESS_KEY_ID="+e.AccessKey, "AWS_SECRET_ACCESS_KEY="+e.SecretKey, "AWS_REGION=us-east-1"),
				}
			}
		case "mc":
			r.Doc = "`mc --config-dir TMP --quiet --no-color cp --recursive DIR/ bench/BUCKET/PREFIX/` (alias from MC_HOST_bench)"
			r.cmd = func(e env, w workload, prefix string) invocation {
				return invocation{
					Args: []string{bin, "--config-dir", filepath.Join(e.Conf, "mc"), "--quiet", "--no-color",
						"cp", "--recursive", w.Dir + "/", "bench/" + bucket + "/" + prefix},
					Env: e.childEnv(fmt.Sprintf("MC_HOST_bench=http://%s:%s@%s", e.AccessKey, e.SecretKey, e.Endpoint)),
				}
			}
		case "rclone":
			r.Doc = "`rclone copy DIR bench:BUCKET/PREFIX -q` (remote: type s3, provider Minio, from RCLONE_CONFIG_BENCH_*)"
			r.cmd = func(e env, w workload, prefix string) invocation {
				return invocation{
					Args: []string{bin, "--config", filepath.Join(e.Conf, "rclone.conf"),
						"copy", w.Dir, "bench:" + bucket + "/" + prefix, "-q"},
					Env: e.childEnv(
						"RCLONE_CONFIG_BENCH_TYPE=s3",
						"RCLONE_CONFIG_BENCH_PROVIDER=Minio",
						"RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="+e.AccessKey,
						"RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="+e.SecretKey,
						"RCLONE_CONFIG_BENCH_ENDPOINT="+e.URL,
						"RCLONE_CONFIG_BENCH_REGION=us-east-1"),
				}
			}
		default:
			continue
		}
		out = append(out, r)
	}
	return out
}

// measureThrottle runs every available tool alone (one target, no second
// one, no backup), each with its defaults, through an OBS-dialect vendor
// gateway in front of MinIO (it verifies AWS signatures too, so `upload`
// uses its s3 backend) that answers throttleRate of the PUTs 503 SlowDown
// without Retry-After, on the throttle workload generated under dir, for
// rounds rounds in rotated order; each run is verified like the others
// (every file stored, byte for byte).
func measureThrottle(ctx context.Context, client minioClient, e env, conts []contender, dir string, rounds int, o options, jsonDir string) *throttleResults {
	tr := &throttleResults{Started: time.Now(), LoadStart: loadAverage(), RunTimeout: o.RunTimeout}
	defer func() {
		tr.LoadEnd = loadAverage()
		tr.Duration = time.Since(tr.Started)
	}()
	for _, c := range conts {
		if c.ID == "upload-s3" {
			tr.Upload = c.Version
		}
	}
	w, err := generate(throttleWorkload(o.Quick), dir)
	tr.Workload = w
	if err != nil {
		tr.Unavailable = err.Error()
		return tr
	}
	gw, err := gateway.Start(gateway.Options{
		Dialect:  gateway.OBS,
		Upstream: gateway.Upstream{URL: e.MinioURL, AccessKey: e.MinioAccessKey, SecretKey: e.MinioSecretKey, Region: "us-east-1"},
	})
	if err != nil {
		tr.Unavailable = "vendor gateway: " + err.Error()
		return tr
	}
	defer gw.Close()
	ge := e
	ge.Endpoint, ge.URL = gw.Endpoint(), gw.URL()
	ge.AccessKey, ge.SecretKey = gw.Credentials()

	runners := throttleRunners(conts, ge, e.Bucket)
	if len(runners) == 0 {
		tr.Unavailable = "none of upload-s3, s5cmd, mc, rclone is available"
		return tr
	}
	for _, r := range runners {
		tr.Cases = append(tr.Cases, throttleCase{ID: r.ID, Label: r.Label, Doc: r.Doc})
	}
	fault := gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.Respond(503, "SlowDown"), Probability: throttleRate}
	for round := 1; round <= rounds; round++ {
		for k := range runners {
			i := (k + round - 1) % len(runners)
			id := gw.Inject(fault)
			tr.Cases[i].Load = append(tr.Cases[i].Load, strings.Fields(loadAverage())[0])
			s := runOne(ctx, client, ge, &runners[i], w, round, o.RunTimeout, jsonDir)
			tr.Cases[i].Injected = append(tr.Cases[i].Injected, float64(gw.FaultHits(id)))
			gw.RemoveFault(id)
			tr.Cases[i].Samples = append(tr.Cases[i].Samples, s)
			logRun(fmt.Sprintf("throttled %.0f%%", throttleRate*100), round, w, runners[i].ID, s)
			if ctx.Err() != nil {
				return tr
			}
		}
	}
	return tr
}

// measureThrottleInto adds the throttled runs (one round) to fr.
func measureThrottleInto(ctx context.Context, fr *failoverResults, client minioClient, e env, conts []contender, o options, jsonDir string) {
	fr.Throttle = measureThrottle(ctx, client, e, conts, filepath.Join(filepath.Dir(jsonDir), "throttle-files"), 1, o, jsonDir)
}

// renderThrottle is the throttled run's section, heading included.
func renderThrottle(tr *throttleResults) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("%s\n\n", throttleHeading)
	w := tr.Workload
	if tr.Unavailable != "" {
		p("Not measured: %s.\n", strings.TrimSuffix(tr.Unavailable, "."))
		return b.String()
	}
	p("Measured on %s (%s); load average (1, 5, 15 min) %s before the first run, %s after the last. `upload`: %s.\n\n",
		tr.Started.UTC().Format("2006-01-02 15:04 UTC"), tr.Duration.Round(time.Second), tr.LoadStart, tr.LoadEnd, orDefault(tr.Upload, "not measured"))
	p("Each tool uploads %s to one target, alone (no second target, no backup), with its own defaults (no concurrency, part or retry flag), "+
		"through the vendor gateway of integration/gateway (OBS dialect, which verifies AWS signatures too; in front of the same MinIO) "+
		"that answers %.0f%% of the PUTs 503 SlowDown without Retry-After (drawn from the gateway's seeded source). "+
		"A run counts only if the tool exits 0 and every file is in MinIO, byte for byte; otherwise the note says what failed "+
		"(e.g. how many files are missing). Rounds are rotated; each run is bounded by %s.\n\n", w.Label(), throttleRate*100, tr.RunTimeout)
	p("| Tool | OK runs | Stored per run | Wall s | Files/s | SlowDowns per run | Load avg (1 min) at start |\n|---|---|---|---|---|---|---|\n")
	var notes []string
	var up, s5 figures
	for _, tc := range tr.Cases {
		f := summarizeSamples(tc.Samples, w)
		var stored, walls []string
		for _, sm := range tc.Samples {
			stored = append(stored, storedCell(sm.Stored, w.Files))
			switch {
			case sm.Err != nil && sm.M.Wall == 0:
				// Killed at the run's limit: the launcher could not report.
				walls = append(walls, fmt.Sprintf("over %s (killed)", tr.RunTimeout))
			case sm.Err != nil:
				walls = append(walls, fmt.Sprintf("%.2f (failed)", sm.M.Wall.Seconds()))
			}
		}
		wall := cell(f.Wall, 2)
		if f.OK == 0 && len(walls) > 0 {
			wall = strings.Join(walls, ", ")
		}
		p("| %s | %d/%d | %s | %s | %s | %s | %s |\n", tc.Label, f.OK, f.Runs, strings.Join(stored, ", "), wall, cell(f.FilesPS, ratePrec(f.FilesPS)), cell(summarize(tc.Injected), 0), strings.Join(tc.Load, ", "))
		for i, fl := range f.Failures {
			notes = append(notes, fmt.Sprintf("- %s failed %s\n", tc.Label, fl))
			if l := firstErrorLine(failedSample(tc.Samples, i).M.Output); l != "" {
				notes = append(notes, fmt.Sprintf("  - its first error line: %s\n", l))
			}
		}
		switch tc.ID {
		case "upload-s3-throttled":
			up = f
		case "s5cmd-throttled":
			s5 = f
		}
	}
	p("\n%s", strings.Join(notes, ""))
	if len(notes) > 0 {
		p("\n")
	}
	p("Command lines:\n\n")
	for _, tc := range tr.Cases {
		p("- %s: %s\n", tc.Label, tc.Doc)
	}
	p("\n- Goal (issue 17): every file stored, in less than half of s5cmd's wall time: %s\n", throttleVerdict(up, s5))
	return b.String()
}

// failedSample is the i-th failed sample of ss.
func failedSample(ss []sample, i int) sample {
	for _, s := range ss {
		if s.Err != nil {
			if i == 0 {
				return s
			}
			i--
		}
	}
	return sample{}
}

// firstErrorLine is the first line of out that mentions an error, cut to
// 300 bytes; "" if none does.
func firstErrorLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(strings.ToLower(l), "error") {
			l = strings.TrimSpace(l)
			if len(l) > 300 {
				l = l[:300] + " …"
			}
			return "`" + strings.ReplaceAll(l, "`", "'") + "`"
		}
	}
	return ""
}

// storedCell is "2,000 of 2,000", or "unknown" when the listing failed.
func storedCell(n, of int) string {
	if n < 0 {
		return "unknown"
	}
	return thousands(int64(n)) + " of " + thousands(int64(of))
}

// throttleVerdict compares upload's median wall time with s5cmd's against
// throttleGoal.
func throttleVerdict(up, s5 figures) string {
	switch {
	case up.Runs == 0:
		return "not measured (upload did not run)."
	case up.OK < up.Runs:
		return fmt.Sprintf("missed: upload failed %d of %d runs.", up.Runs-up.OK, up.Runs)
	case s5.OK == 0 || math.IsNaN(s5.Wall.Median):
		return fmt.Sprintf("not decided: every file stored (%.2f s), but s5cmd has no successful run to compare with.", up.Wall.Median)
	}
	r := up.Wall.Median / s5.Wall.Median
	if r < throttleGoal {
		return fmt.Sprintf("met (%.2f s vs %.2f s: %.2f× s5cmd's time).", up.Wall.Median, s5.Wall.Median, r)
	}
	return fmt.Sprintf("missed (%.2f s vs %.2f s: %.2f× s5cmd's time; the goal is under %.2f×, i.e. under %.2f s).",
		up.Wall.Median, s5.Wall.Median, r, throttleGoal, throttleGoal*s5.Wall.Median)
}
