// Command bench is the benchmark harness of `upload`: it measures the CLI
// side by side with s5cmd, mc and rclone on one MinIO, and the cost of the
// failover layer, and writes the figures to BENCHMARKS.md.
//
// Run it from the repository root:
//
//	go run ./bench                 # full run: 5 rounds, writes BENCHMARKS.md
//	go run ./bench -quick          # smoke run: small workloads, 1 round, prints the report
//	go run ./bench -load           # the library under load (load.go): 200 goroutines, 60 s
//	go run ./bench -rtt 0,20ms,80ms -bandwidth 100Mbit   # WAN mode (wan.go): a link emulator between every tool and MinIO
//	go run ./bench -throttle       # only the throttled single-target comparison (throttle.go)
//	go run ./bench -scale          # upload over 10k–1M empty files, against a loopback sink (scale.go)
//
// A full run also draws SVG charts of its figures into bench/charts
// (chart.go, charts.go) and links them from the report; each mode that
// writes only its own section (-throttle, -scale, -load) keeps the others.
//
// What one run does, in order:
//
//  1. Installs the peers at pinned versions into a cache directory
//     (default $(os.UserCacheDir)/upload-bench/bin, e.g. ~/.cache/upload-bench/bin;
//     one binary per tool and version, checked against its Go build
//     information before every use): s5cmd (built in a throwaway module,
//     since its go.mod's replace directives make `go install` refuse it),
//     mc and rclone (`go install`), and the pinned MinIO of
//     integration/miniotest ($(go env GOPATH)/bin/minio).
//  2. Builds `upload` from this work tree (go build ./cmd/upload) and checks
//     its --help for the flags it needs; a CLI without them is reported as
//     not measured, and the rest still runs.
//  3. Starts MinIO on a free 127.0.0.1 port with its data on /dev/shm (tmpfs)
//     when there is room, else in the temporary directory, and generates the
//     workloads there: 10,000 × 16 KiB, 200 × 8 MiB and 1 × 1 GiB of
//     deterministic pseudo-random bytes.
//  4. Warms every tool up once (untimed; a tool that fails its warm-up is
//     reported as not measured), then runs each workload with every tool,
//     each run into a fresh prefix, in an order rotated every round, for
//     -rounds rounds. Each run is a child process measured with rusage (wall
//     time, user+system CPU, peak RSS) and bounded by -run-timeout; then the
//     objects under its prefix are listed and checked (count, names, sizes):
//     a run that did not upload everything is a failure, not a figure.
//  5. Measures the failover figures when the CLI is there (see failover.go).
//  6. Writes the report: medians and IQRs of files/s, MB/s, CPU seconds and
//     peak RSS, the ratio of `upload` to each peer, the machine and versions.
//
// Every target is on loopback; every child has a timeout and runs in its
// own process group, killed if the harness dies.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/resilient-upload/upload/integration/miniotest"
)

// options are the harness's flags.
type options struct {
	Rounds     int
	Quick      bool
	Out        string
	Cache      string
	Work       string
	Tools      string
	Workloads  string
	Sizes      string
	Set        settings
	RunTimeout time.Duration
	NoInstall  bool
	Failover   bool
	OBSExtra   string
	// Throttle runs only the throttled single-target comparison and
	// writes its section (throttle.go).
	Throttle bool
}

// main reads the flags and runs the mode they select.
//
// Long: the flags of every mode, then the dispatch to the mode, in the
// order the help lists them.
func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "sdkput":
			os.Exit(sdkputMain(os.Args[2:]))
		case "measure":
			os.Exit(measureMain(os.Args[2:]))
		}
	}
	launcher, _ = os.Executable()
	var o options
	flag.IntVar(&o.Rounds, "rounds", 5, "measured rounds (each runs every tool on every workload once); -quick makes the default 1")
	flag.BoolVar(&o.Quick, "quick", false, "smoke run: workloads scaled down (500 × 16 KiB, 20 × 8 MiB, 1 × 64 MiB), 1 round, report to stdout unless -out is set")
	flag.StringVar(&o.Out, "out", "", "report file (default BENCHMARKS.md at the repository root; none with -quick)")
	flag.StringVar(&o.Cache, "cache", "", "directory for the peers' binaries (default $(os.UserCacheDir)/upload-bench)")
	flag.StringVar(&o.Work, "work", "", "directory for the workloads and MinIO's data (default /dev/shm if it has room, else the temporary directory)")
	flag.StringVar(&o.Tools, "tools", "", "comma-separated contenders to run (default all): upload-s3,upload-obs,sdk-s3,s5cmd,mc,rclone")
	flag.StringVar(&o.Workloads, "workloads", "", "comma-separated workloads to run (default all): small,medium,large")
	flag.StringVar(&o.Sizes, "sizes", "", "custom workloads instead of the standard ones, as name=COUNTxSIZE,... (e.g. small=1000x16KiB,large=1x256MiB)")
	flag.IntVar(&o.Set.Jobs, "jobs", 16, "files uploaded concurrently, for every tool that has the knob")
	partMiB := flag.Int64("part-size", 16, "multipart part size in MiB, for every tool that has the knob")
	flag.IntVar(&o.Set.PartJobs, "part-jobs", 4, "parts of one file uploaded concurrently, for every tool that has the knob")
	flag.DurationVar(&o.RunTimeout, "run-timeout", 10*time.Minute, "time limit of one measured run")
	flag.BoolVar(&o.NoInstall, "no-install", false, "do not build missing tools; fail instead")
	flag.BoolVar(&o.Failover, "failover", true, "also measure the failover figures (needs the upload CLI)")
	flag.StringVar(&o.OBSExtra, "obs-config", "", "extra keys for the obs target, as key=value,key=value (e.g. signature=v4)")
	flag.BoolVar(&o.Throttle, "throttle", false, "run only the throttled single-target comparison (upload, s5cmd, mc, rclone with their defaults; 50% of PUTs 503 SlowDown) for -rounds rounds (default 1) and replace its section in -out (default BENCHMARKS.md; stdout with -quick)")
	lo := loadFlags()
	wo := wanFlags()
	so := scaleFlags()
	charts := flag.Bool("charts", false, "only redraw the full run's charts from the Results tables of -out (default BENCHMARKS.md) and replace its charts section, and the WAN section's charts from its tables")
	flag.Parse()
	if *charts {
		if err := chartsMain(o.Out); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if so.On {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := scaleMain(ctx, *so, o.Out)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if lo.On {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := loadMain(ctx, *lo, o.NoInstall, o.Out)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	o.Set.PartSize = *partMiB << 20
	roundsSet := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "rounds" {
			roundsSet = true
		}
	})
	if (o.Quick || o.Throttle) && !roundsSet {
		o.Rounds = 1
	}
	if o.Rounds < 1 || o.Set.Jobs < 1 || o.Set.PartJobs < 1 || o.Set.PartSize < 5<<20 {
		fmt.Fprintln(os.Stderr, "bench: -rounds, -jobs and -part-jobs must be positive, -part-size at least 5 (MiB)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := benchmark
	if wo.on() {
		run = func(ctx context.Context, o options) error { return wanMain(ctx, o, *wo) }
	}
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// logf prints a progress line with the time since start to standard error.
var started = time.Now()

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%7.1fs] %s\n", time.Since(started).Seconds(), fmt.Sprintf(format, args...))
}

// sample is one measured run.
type sample struct {
	Contender, Workload string
	Round               int
	M                   measurement
	// Err is the run's or its verification's failure; a sample with an Err
	// is not a figure.
	Err error
	// Secondary counts objects that `upload` put on its second target.
	Secondary int
	// Stored counts the objects under the run's prefix in all its
	// buckets (the workload's count after a verified run; listed after a
	// failed one); -1 when the listing failed.
	Stored int
	// ServerCPU is MinIO's CPU time during the run; OtherCPU is the CPU
	// time the machine spent on anything but the tool, MinIO and the
	// harness (other processes: noise). CPUKnown says they were measured.
	ServerCPU, OtherCPU time.Duration
	CPUKnown            bool
}

// results are everything the report needs.
type results struct {
	Opts      options
	Machine   machine
	Started   time.Time
	Duration  time.Duration
	Installs  []string // what was installed, and how long it took
	MinIO     string
	Storage   string // where the workloads and MinIO's data were, and why
	Tmpfs     bool
	Workloads []workload
	Cont      []contender
	Samples   []sample
	Failover  *failoverResults
	Notes     []string
	// FloorKiB is the peak RSS the launcher reports for /bin/true: no RSS
	// figure can be below it.
	FloorKiB int64
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the harness from the upload repository (go run ./bench)")
	}
	return filepath.Dir(mod), nil
}

func benchmark(ctx context.Context, o options) error {
	res := &results{Opts: o, Started: time.Now(), Machine: describeMachine()}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if o.Out == "" && !o.Quick {
		o.Out = filepath.Join(root, "BENCHMARKS.md")
		res.Opts.Out = o.Out
	}
	if o.Cache == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			d = os.TempDir()
		}
		o.Cache = filepath.Join(d, "upload-bench")
	}
	if o.Throttle && o.Tools == "" {
		o.Tools = "upload-s3,s5cmd,mc,rclone"
	}
	want := func(list, id string) bool {
		return list == "" || slices.Contains(strings.Split(list, ","), id)
	}

	// 1. Tools.
	bins := map[string]string{}
	unavailable := map[string]string{}
	for _, p := range pins {
		if !want(o.Tools, p.Name) {
			continue
		}
		t0 := time.Now()
		bin, err := p.ensure(ctx, o.Cache, !o.NoInstall, logf)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			unavailable[p.Name] = "install failed: " + err.Error()
			logf("%s: %v", p.Name, err)
			continue
		}
		bins[p.Name] = bin
		if d := time.Since(t0); d > time.Second {
			res.Installs = append(res.Installs, fmt.Sprintf("%s %s: %s", p.Name, p.Version, d.Round(time.Second)))
		}
	}
	if !o.NoInstall {
		os.Setenv(miniotest.EnvInstall, "1")
	}
	t0 := time.Now()
	ictx, cancel := context.WithTimeout(ctx, installTimeout)
	minioBin, err := miniotest.EnsureBinary(ictx)
	cancel()
	if err != nil {
		return fmt.Errorf("MinIO: %w", err)
	}
	if d := time.Since(t0); d > time.Second {
		res.Installs = append(res.Installs, fmt.Sprintf("minio %s: %s", miniotest.Version, d.Round(time.Second)))
	}
	res.MinIO = fmt.Sprintf("%s@%s (%s)", miniotest.Module, miniotest.Version, goVersionOf(minioBin))

	// 2. Work area, on tmpfs when it fits: the workloads plus one uploaded
	// copy of the largest workload (runs are removed after verification)
	// plus a margin.
	wls := workloads(o.Quick)
	if o.Sizes != "" {
		if wls, err = parseWorkloads(o.Sizes); err != nil {
			return err
		}
	}
	wls = slices.DeleteFunc(wls, func(w workload) bool { return !want(o.Workloads, w.Name) })
	if o.Throttle {
		wls = []workload{throttleWorkload(o.Quick)}
	}
	if len(wls) == 0 {
		return fmt.Errorf("-workloads %q selects nothing (small, medium, large)", o.Workloads)
	}
	var need, largest int64
	for _, w := range append(slices.Clone(wls), warmupWorkloads()...) {
		need += w.Bytes()
		largest = max(largest, w.Bytes())
	}
	need += 2*largest + 512<<20
	base, tmpfs, why := o.Work, false, "-work "+o.Work
	if base == "" {
		base, tmpfs, why = chooseBase(uint64(need))
	}
	res.Tmpfs = tmpfs
	work, err := os.MkdirTemp(base, "upload-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	res.Storage = fmt.Sprintf("%s: workloads and MinIO data in %s", why, work)
	logf("work area: %s", res.Storage)
	for _, d := range []string{"bin", "conf", "home", "data", "json"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			return err
		}
	}

	// 3. upload, from this work tree.
	uploadBin := filepath.Join(work, "bin", "upload")
	uploadVersion := ""
	if !want(o.Tools, "upload-s3") && !want(o.Tools, "upload-obs") {
		uploadBin = ""
	} else {
		bctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
		cmd := exec.CommandContext(bctx, "go", "build", "-o", uploadBin, "./cmd/upload")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			reason := "go build ./cmd/upload failed: " + lastLines(string(out), 4)
			unavailable["upload-s3"], unavailable["upload-obs"] = reason, reason
			logf("%s", reason)
			uploadBin = ""
		} else {
			uploadVersion = binaryVersion(uploadBin)
			if out, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output(); err == nil {
				uploadVersion += ", work tree at git " + strings.TrimSpace(string(out))
			}
		}
	}

	// 4. MinIO.
	srv, err := miniotest.Start(ctx, miniotest.Options{Binary: minioBin, DataDir: filepath.Join(work, "minio")})
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			logf("stop MinIO: %v", err)
		}
	}()
	logf("MinIO %s at %s, data in %s", miniotest.Version, srv.URL, srv.DataDir)
	e := env{
		Endpoint: srv.Endpoint, URL: srv.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		MinioURL: srv.URL, MinioAccessKey: srv.AccessKey, MinioSecretKey: srv.SecretKey,
		Bucket: "bench", Second: "bench-second",
		Conf: filepath.Join(work, "conf"), Home: filepath.Join(work, "home"), Set: o.Set,
		MinioPID: srv.PID(), MinioData: srv.DataDir,
	}
	if e.Self, err = os.Executable(); err != nil {
		return err
	}
	for _, b := range []string{e.Bucket, e.Second} {
		if err := srv.MakeBucket(ctx, b); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(e.Conf, "rclone.conf"), nil, 0o600); err != nil {
		return err
	}
	if uploadBin != "" {
		if why := cliSupport(ctx, uploadBin, e); why != "" {
			unavailable["upload-s3"], unavailable["upload-obs"] = why, why
			logf("%s", why)
			uploadBin = ""
		}
	}

	// The launcher's own peak RSS is the floor of every RSS figure.
	if t, err := exec.LookPath("true"); err == nil {
		if m, err := run(ctx, invocation{Args: []string{t}, Env: e.childEnv()}, time.Minute); err == nil {
			res.FloorKiB = m.MaxRSSKiB
		}
	}

	// 5. Contenders, in their table order.
	var conts []contender
	add := func(c contender, err error) {
		if err != nil {
			c.Unavailable = err.Error()
		}
		if why, ok := unavailable[c.ID]; ok {
			c.Unavailable = why
		}
		if want(o.Tools, c.ID) {
			conts = append(conts, c)
		}
	}
	obsExtra, err := parseExtra(o.OBSExtra)
	if err != nil {
		return err
	}
	add(newUpload("upload-s3", "upload (s3)", uploadBin, uploadVersion, e, s3Target("minio-s3", e, e.Bucket)))
	obsC, err := newUpload("upload-obs", "upload (obs)", uploadBin, uploadVersion, e, obsTarget("minio-obs", e, e.Bucket, obsExtra))
	if !slices.ContainsFunc(obsExtra, func(kv [2]string) bool { return kv[0] == "signature" }) {
		obsC.Doc += "; obs signs with its backend's default, AWS V2, which MinIO verifies"
	}
	add(obsC, err)
	add(newSDK(e), nil)
	for _, p := range pins {
		ver := fmt.Sprintf("%s@%s (%s)", p.Module, p.Version, goVersionOf(bins[p.Name]))
		switch p.Name {
		case "s5cmd":
			add(newS5cmd(bins[p.Name], ver, e), nil)
		case "mc":
			add(newMc(bins[p.Name], ver, e), nil)
		case "rclone":
			add(newRclone(bins[p.Name], ver, e), nil)
		}
	}
	res.Cont = conts

	// 6. Workloads.
	t0 = time.Now()
	if o.Throttle {
		wls = nil // generated by measureThrottle
	}
	for i := range wls {
		if wls[i], err = generate(wls[i], filepath.Join(work, "data")); err != nil {
			return err
		}
	}
	var warm []workload
	for _, w := range warmupWorkloads() {
		w, err := generate(w, filepath.Join(work, "data"))
		if err != nil {
			return err
		}
		warm = append(warm, w)
	}
	res.Workloads = wls
	logf("generated the workloads in %s", time.Since(t0).Round(100*time.Millisecond))

	// 7. Warm-up: untimed, but verified; a tool that cannot upload the
	// warm-up set is not measured.
	client := srv.Client()
	for i := range conts {
		c := &conts[i]
		if c.Unavailable != "" {
			continue
		}
		for _, w := range warm {
			s := runOne(ctx, client, e, c, w, 0, o.RunTimeout, filepath.Join(work, "json"))
			if s.Err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				c.Unavailable = fmt.Sprintf("warm-up (%s) failed: %v", w.Label(), s.Err)
				logf("%s: %s", c.ID, c.Unavailable)
				break
			}
		}
	}

	if o.Throttle {
		tr := measureThrottle(ctx, client, e, conts, filepath.Join(work, "throttle-files"), o.Rounds, o, filepath.Join(work, "json"))
		if ctx.Err() != nil {
			return ctx.Err()
		}
		sec := renderThrottle(tr)
		if o.Out == "" {
			fmt.Print(sec)
			return nil
		}
		if ch, ok := throttleChart(tr); ok {
			md, err := writeCharts(filepath.Join(root, chartDir), o.Out, []string{"throttled"}, []svgChart{ch})
			if err != nil {
				return err
			}
			sec = strings.TrimRight(sec, "\n") + "\n\n" + md
		}
		if err := writeSection(o.Out, throttleHeading, sec); err != nil {
			return err
		}
		logf("wrote its section into %s", o.Out)
		return nil
	}

	// 8. Measured rounds, order rotated every round.
	var live []int
	for i, c := range conts {
		if c.Unavailable == "" {
			live = append(live, i)
		}
	}
	for r := 1; r <= o.Rounds; r++ {
		for _, w := range wls {
			for k := range live {
				c := &conts[live[(k+r-1)%len(live)]]
				s := runOne(ctx, client, e, c, w, r, o.RunTimeout, filepath.Join(work, "json"))
				if ctx.Err() != nil {
					return ctx.Err()
				}
				res.Samples = append(res.Samples, s)
				logRun("bench", r, w, c.ID, s)
			}
		}
	}

	// 9. Failover figures.
	if o.Failover {
		res.Failover = measureFailover(ctx, client, e, conts, uploadBin, unavailable["upload-s3"], obsExtra, o, wls, warm, filepath.Join(work, "json"))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}

	res.Duration = time.Since(res.Started)
	report := renderReport(res)
	if o.Out == "" {
		fmt.Print(report)
	} else {
		sec, err := writeChartSection(root, o.Out, resultCharts(res))
		if err != nil {
			return err
		}
		report = withSection(report, chartsHeading, sec)
		// The sections of the modes that write only their own (-load,
		// and -throttle when this run did not measure it): keep them.
		if old, err := os.ReadFile(o.Out); err == nil {
			report = keepSections(report, string(old))
		}
		if err := os.WriteFile(o.Out, []byte(report), 0o644); err != nil {
			return err
		}
		logf("wrote %s", o.Out)
	}
	logf("done in %s", res.Duration.Round(time.Second))
	return nil
}

// runOne runs contender c on workload w into a fresh prefix, verifies the
// upload and removes it.
func runOne(ctx context.Context, client minioClient, e env, c *contender, w workload, round int, timeout time.Duration, jsonDir string) sample {
	prefix := fmt.Sprintf("r%d-%s-%s/", round, w.Name, c.ID)
	s := sample{Contender: c.ID, Workload: w.Name, Round: round}
	inv := c.cmd(e, w, prefix)
	// Never fill the disk (or, on tmpfs, the RAM): the run needs room for
	// one copy of the workload.
	if free, err := freeBytes(e.MinioData); err == nil && free < uint64(w.Bytes())+256<<20 {
		s.Err = fmt.Errorf("not run: %s free where MinIO keeps its data, the run needs %s", humanBytes(int64(free)), humanBytes(w.Bytes()+256<<20))
		return s
	}
	srv0, err1 := procCPU(e.MinioPID)
	busy0, err2 := machineBusy()
	self0 := selfCPU()
	s.M, s.Err = run(ctx, inv, timeout)
	srv1, err3 := procCPU(e.MinioPID)
	busy1, err4 := machineBusy()
	self1 := selfCPU()
	if err1 == nil && err2 == nil && err3 == nil && err4 == nil {
		s.ServerCPU = srv1 - srv0
		s.OtherCPU = max(0, (busy1-busy0)-s.M.CPU()-s.ServerCPU-(self1-self0))
		s.CPUKnown = true
	}
	if s.Err == nil {
		s.Secondary, s.Err = verifyBuckets(ctx, client, c.Buckets, prefix, w)
		s.Stored = w.Files
	}
	if s.Err != nil {
		s.Stored = 0
		for _, b := range c.Buckets {
			objs, err := listPrefix(ctx, client, b, prefix)
			if err != nil {
				s.Stored = -1
				break
			}
			s.Stored += len(objs)
		}
	}
	for _, b := range c.Buckets {
		if err := removePrefix(ctx, client, b, prefix); err != nil && s.Err == nil {
			s.Err = fmt.Errorf("cleanup: %w", err)
		}
	}
	if err := purgeTrash(e.MinioData); err != nil && s.Err == nil {
		s.Err = fmt.Errorf("cleanup: %w", err)
	}
	return s
}

// verifyBuckets checks that the union of prefix in buckets holds w and
// returns how many objects were outside the first bucket.
func verifyBuckets(ctx context.Context, client minioClient, buckets []string, prefix string, w workload) (int, error) {
	var all []listed
	secondary := 0
	for i, b := range buckets {
		objs, err := listPrefix(ctx, client, b, prefix)
		if err != nil {
			return 0, err
		}
		if i > 0 {
			secondary += len(objs)
		}
		all = append(all, objs...)
	}
	return secondary, checkUpload(w, all)
}

// parseExtra parses "k=v,k=v".
func parseExtra(s string) ([][2]string, error) {
	var out [][2]string
	if s == "" {
		return nil, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("-obs-config: %q is not key=value", kv)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// goVersionOf returns the Go version a binary was built with.
func goVersionOf(path string) string {
	if path == "" {
		return "not installed"
	}
	if v := binaryVersion(path); v != "" {
		if _, gov, ok := strings.Cut(v, ", "); ok {
			return "built with " + gov
		}
	}
	return "unknown"
}
