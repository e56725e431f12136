package main

// The WAN mode: the same tools, workloads, rotation, verification and
// medians as the loopback run, with a link emulator (internal/netem: a
// one-way delay and a bandwidth cap each way, the cap shared by every
// connection) as a TCP proxy between every tool and MinIO, once per link
// of -rtt (a round-trip time, with a bandwidth of its own after @). Each tool runs with its own defaults and with
// the shared knobs (-jobs, -part-size, -part-jobs). The result is the
// "## WAN" section of the report.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/internal/netem"
)

// wanOptions are the flags of the WAN mode.
type wanOptions struct {
	RTTs      string
	Bandwidth string
	Modes     string
}

func wanFlags() *wanOptions {
	w := &wanOptions{}
	flag.StringVar(&w.RTTs, "rtt", "", "WAN mode: comma-separated round-trip times of the link emulator put between every tool and MinIO (e.g. 0,20ms,80ms), half each way; RTT@RATE gives that link a bandwidth of its own (80ms@100Mbit). Workloads default to small=1000x16KiB,large=1x1GiB (-quick: small=200x16KiB,large=1x32MiB)")
	flag.StringVar(&w.Bandwidth, "bandwidth", "", "WAN mode: the link's bandwidth each way, shared by all connections (e.g. 100Mbit, 20MB; default unlimited)")
	flag.StringVar(&w.Modes, "wan-modes", "defaults,knobs", "WAN mode: run each tool with its own defaults, with the shared knobs, or both")
	return w
}

// on reports whether the WAN mode was asked for.
func (w *wanOptions) on() bool { return w.RTTs != "" }

// wanLink is one link of the WAN mode: a round-trip time and a bandwidth
// each way (0: unlimited).
type wanLink struct {
	RTT       time.Duration
	Bandwidth int64
	// Spec is the link as -rtt gave it ("80ms", "80ms@100Mbit").
	Spec string
}

// Name is the link's column heading: "RTT 80ms", or "RTT 80ms, 100Mbit"
// for a link with a bandwidth of its own.
func (l wanLink) Name() string {
	if _, bw, ok := strings.Cut(l.Spec, "@"); ok {
		return "RTT " + l.RTT.String() + ", " + bw
	}
	return "RTT " + l.RTT.String()
}

// wanPlan is the parsed WAN flags.
type wanPlan struct {
	Links []wanLink
	// Bandwidth is -bandwidth: the cap of every link that names none.
	Bandwidth int64
	// BandwidthFlag is -bandwidth as given.
	BandwidthFlag string
	Modes         []string
}

// plan parses the flags. Each item of -rtt is a round-trip time, or
// RTT@RATE for a link with a bandwidth of its own (80ms@100Mbit); the
// others get -bandwidth.
func (w *wanOptions) plan() (wanPlan, error) {
	var p wanPlan
	bw, err := netem.ParseRate(w.Bandwidth)
	if err != nil {
		return p, fmt.Errorf("-bandwidth: %w", err)
	}
	p.Bandwidth, p.BandwidthFlag = bw, strings.TrimSpace(w.Bandwidth)
	for _, s := range strings.Split(w.RTTs, ",") {
		s = strings.TrimSpace(s)
		rs, rate, hasRate := strings.Cut(s, "@")
		if rs == "0" {
			rs = "0s"
		}
		d, err := time.ParseDuration(rs)
		if err != nil || d < 0 {
			return p, fmt.Errorf("-rtt %q: %q is not a round-trip time (like 0, 20ms, 80ms) or one with a bandwidth (80ms@100Mbit)", w.RTTs, s)
		}
		l := wanLink{RTT: d, Bandwidth: bw, Spec: d.String()}
		if hasRate {
			if l.Bandwidth, err = netem.ParseRate(rate); err != nil || l.Bandwidth == 0 {
				return p, fmt.Errorf("-rtt %q: %q: the bandwidth after @ must be a rate like 100Mbit", w.RTTs, s)
			}
			l.Spec += "@" + strings.TrimSpace(rate)
		}
		for _, o := range p.Links {
			if o.RTT == l.RTT && o.Bandwidth == l.Bandwidth {
				return p, fmt.Errorf("-rtt %q: %s twice", w.RTTs, l.Spec)
			}
		}
		p.Links = append(p.Links, l)
	}
	for _, m := range strings.Split(w.Modes, ",") {
		m = strings.TrimSpace(m)
		if m != "defaults" && m != "knobs" {
			return p, fmt.Errorf("-wan-modes %q: %q is neither defaults nor knobs", w.Modes, m)
		}
		if !slices.Contains(p.Modes, m) {
			p.Modes = append(p.Modes, m)
		}
	}
	return p, nil
}

// wanWorkloads are the WAN mode's default workloads.
func wanWorkloads(quick bool) []workload {
	if quick {
		return []workload{{Name: "small", Files: 200, Size: 16 << 10}, {Name: "large", Files: 1, Size: 32 << 20}}
	}
	return []workload{{Name: "small", Files: 1000, Size: 16 << 10}, {Name: "large", Files: 1, Size: 1 << 30}}
}

// wanSample is one measured run on one link (an index into Plan.Links).
type wanSample struct {
	Link int
	Mode string
	sample
}

// wanResults are what the WAN section needs.
type wanResults struct {
	Plan      wanPlan
	Opts      options
	Machine   machine
	Started   time.Time
	Duration  time.Duration
	Workloads []workload
	// Cont are the contenders of one RTT (the same at every RTT), by mode.
	Cont    map[string][]contender
	Samples []wanSample
	// LinkBytes is what crossed each link, up and down.
	LinkBytes map[int][2]int64
}

// wanContenders are the contenders of one mode over e (whose endpoint is
// the proxy).
//
// Long: one table of the contenders' command lines, tool by tool.
func wanContenders(mode string, e env, bins map[string]string, versions map[string]string, uploadBin, uploadVersion string, want func(string) bool) ([]contender, error) {
	var out []contender
	add := func(c contender) {
		if want(c.ID) {
			c.ID += "-" + mode
			out = append(out, c)
		}
	}
	// upload's targets both go through the link: the s3 target of the
	// loopback run points at MinIO itself.
	targets := []target{
		{Name: "minio-s3", Provider: "s3", Endpoint: e.URL, Bucket: e.Bucket, AccessEnv: "BENCH_ACCESS_KEY", SecretEnv: "BENCH_SECRET_KEY", Extra: [][2]string{{"path_style", "true"}}},
		{Name: "second", Provider: "s3", Endpoint: e.URL, Bucket: e.Second, AccessEnv: "BENCH_ACCESS_KEY", SecretEnv: "BENCH_SECRET_KEY", Extra: [][2]string{{"path_style", "true"}}},
	}
	if uploadBin != "" {
		c, err := newUploadWith("upload-s3", "upload (s3)", uploadBin, uploadVersion, e, targets)
		if err != nil {
			return nil, err
		}
		if mode == "knobs" {
			s := e.Set
			c.Doc = fmt.Sprintf("`upload --config upload-s3.yaml --prefix PREFIX --jobs %d --part-size %dMiB --part-jobs %d --progress never --quiet DIR` (targets: s3 bucket %s, then s3 bucket %s, both through the link)",
				s.Jobs, mib(s.PartSize), s.PartJobs, e.Bucket, e.Second)
		}
		if mode == "defaults" {
			cfg := filepath.Join(e.Conf, "upload-s3.yaml")
			c.Doc = "`upload --config upload-s3.yaml --prefix PREFIX --progress never --quiet DIR` (its defaults; targets: s3 bucket " + e.Bucket + ", then s3 bucket " + e.Second + ", both through the link)"
			c.cmd = func(e env, w workload, prefix string) invocation {
				return invocation{Args: []string{uploadBin, "--config", cfg, "--prefix", prefix, "--progress", "never", "--quiet", w.Dir}, Env: e.uploadEnv()}
			}
		}
		add(c)
	}
	if mode == "knobs" {
		add(newSDK(e))
	}
	for _, p := range pins {
		bin := bins[p.Name]
		if bin == "" {
			continue
		}
		var c contender
		switch {
		case p.Name == "s5cmd" && mode == "knobs":
			c = newS5cmd(bin, versions[p.Name], e)
		case p.Name == "s5cmd":
			c = contender{ID: "s5cmd", Label: "s5cmd", Bin: bin, Version: versions[p.Name], Buckets: []string{e.Bucket},
				Doc: "`s5cmd --endpoint-url URL cp 'DIR/*' s3://BUCKET/PREFIX/` (its defaults: 256 workers, 50 MiB parts, 5 at once)",
				cmd: func(e env, w workload, prefix string) invocation {
					return invocation{Args: []string{bin, "--endpoint-url", e.URL, "cp", w.Dir + "/*", "s3://" + e.Bucket + "/" + prefix},
						Env: e.childEnv("AWS_ACCESS_KEY_ID="+e.AccessKey, "AWS_SECRET_ACCESS_KEY="+e.SecretKey, "AWS_REGION=us-east-1")}
				}}
		case p.Name == "mc" && mode == "knobs":
			c = newMc(bin, versions[p.Name], e)
		case p.Name == "mc":
			c = contender{ID: "mc", Label: "mc", Bin: bin, Version: versions[p.Name], Buckets: []string{e.Bucket},
				Doc: "`mc --config-dir TMP --quiet --no-color cp --recursive DIR/ bench/BUCKET/PREFIX/` (its defaults)",
				cmd: func(e env, w workload, prefix string) invocation {
					return invocation{Args: []string{bin, "--config-dir", filepath.Join(e.Conf, "mc"), "--quiet", "--no-color",
						"cp", "--recursive", w.Dir + "/", "bench/" + e.Bucket + "/" + prefix},
						Env: e.childEnv(fmt.Sprintf("MC_HOST_bench=http://%s:%s@%s", e.AccessKey, e.SecretKey, e.Endpoint))}
				}}
		case p.Name == "rclone" && mode == "knobs":
			c = newRclone(bin, versions[p.Name], e)
		case p.Name == "rclone":
			c = newRclone(bin, versions[p.Name], e)
			c.Doc = "`rclone copy DIR bench:BUCKET/PREFIX -q` (its defaults: 4 transfers, 5 MiB chunks, 4 at once; remote from RCLONE_CONFIG_BENCH_*)"
			next := c.cmd
			c.cmd = func(e env, w workload, prefix string) invocation {
				inv := next(e, w, prefix)
				inv.Args = []string{bin, "--config", filepath.Join(e.Conf, "rclone.conf"), "copy", w.Dir, "bench:" + e.Bucket + "/" + prefix, "-q"}
				return inv
			}
		default:
			continue
		}
		add(c)
	}
	for i := range out {
		out[i].Label += " (" + mode + ")"
	}
	return out, nil
}

// wanMain runs the WAN mode.
//
// Long: the whole run in order: MinIO, the proxy, the workloads, every RTT
// and mode in rotation, the read-back and the report.
func wanMain(ctx context.Context, o options, wo wanOptions) error {
	plan, err := wo.plan()
	if err != nil {
		return err
	}
	res := &wanResults{Plan: plan, Opts: o, Started: time.Now(), Machine: describeMachine(), Cont: map[string][]contender{}, LinkBytes: map[int][2]int64{}}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if o.Out == "" && !o.Quick {
		o.Out = filepath.Join(root, "BENCHMARKS.md")
	}
	if o.Cache == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			d = os.TempDir()
		}
		o.Cache = filepath.Join(d, "upload-bench")
	}
	tools := o.Tools
	if tools == "" {
		tools = "upload-s3,sdk-s3,s5cmd,mc,rclone"
	}
	want := func(id string) bool { return slices.Contains(strings.Split(tools, ","), id) }

	bins, versions := map[string]string{}, map[string]string{}
	for _, p := range pins {
		if !want(p.Name) {
			continue
		}
		bin, err := p.ensure(ctx, o.Cache, !o.NoInstall, logf)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			logf("%s: not measured: %v", p.Name, err)
			continue
		}
		bins[p.Name] = bin
		versions[p.Name] = fmt.Sprintf("%s@%s (%s)", p.Module, p.Version, goVersionOf(bin))
	}
	if !o.NoInstall {
		os.Setenv(miniotest.EnvInstall, "1")
	}
	ictx, cancel := context.WithTimeout(ctx, installTimeout)
	minioBin, err := miniotest.EnsureBinary(ictx)
	cancel()
	if err != nil {
		return fmt.Errorf("MinIO: %w", err)
	}

	wls := wanWorkloads(o.Quick)
	if o.Sizes != "" {
		if wls, err = parseWorkloads(o.Sizes); err != nil {
			return err
		}
	}
	wls = slices.DeleteFunc(wls, func(w workload) bool {
		return o.Workloads != "" && !slices.Contains(strings.Split(o.Workloads, ","), w.Name)
	})
	if len(wls) == 0 {
		return fmt.Errorf("-workloads %q selects nothing (small, large)", o.Workloads)
	}
	var need, largest int64
	for _, w := range append(slices.Clone(wls), warmupWorkloads()...) {
		need += w.Bytes()
		largest = max(largest, w.Bytes())
	}
	need += 2*largest + 512<<20
	base, _, why := o.Work, false, "-work "+o.Work
	if base == "" {
		base, _, why = chooseBase(uint64(need))
	}
	work, err := os.MkdirTemp(base, "upload-bench-wan-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	logf("WAN mode: work area %s (%s)", work, why)
	for _, d := range []string{"bin", "home", "data", "json"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			return err
		}
	}

	uploadBin, uploadVersion := "", ""
	if want("upload-s3") {
		uploadBin = filepath.Join(work, "bin", "upload")
		bctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
		cmd := exec.CommandContext(bctx, "go", "build", "-o", uploadBin, "./cmd/upload")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			logf("upload: not measured: go build ./cmd/upload failed: %s", lastLines(string(out), 4))
			uploadBin = ""
		} else {
			uploadVersion = binaryVersion(uploadBin)
		}
	}

	srv, err := miniotest.Start(ctx, miniotest.Options{Binary: minioBin, DataDir: filepath.Join(work, "minio")})
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			logf("stop MinIO: %v", err)
		}
	}()
	for _, b := range []string{"bench", "bench-second"} {
		if err := srv.MakeBucket(ctx, b); err != nil {
			return err
		}
	}
	for i := range wls {
		if wls[i], err = generate(wls[i], filepath.Join(work, "data")); err != nil {
			return err
		}
	}
	warm, err := generate(warmupWorkloads()[0], filepath.Join(work, "data"))
	if err != nil {
		return err
	}
	res.Workloads = wls
	client := srv.Client()

	for i, wl := range plan.Links {
		link := netem.New(netem.Symmetric(wl.RTT, wl.Bandwidth))
		proxy, err := link.ListenProxy("127.0.0.1:0", srv.Endpoint)
		if err != nil {
			return err
		}
		ep := proxy.Addr().String()
		e := env{
			Endpoint: ep, URL: "http://" + ep, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
			MinioURL: srv.URL, MinioAccessKey: srv.AccessKey, MinioSecretKey: srv.SecretKey,
			Bucket: "bench", Second: "bench-second",
			Conf: filepath.Join(work, fmt.Sprintf("conf-%d", i)), Home: filepath.Join(work, "home"), Set: o.Set,
			MinioPID: srv.PID(), MinioData: srv.DataDir,
		}
		if e.Self, err = os.Executable(); err != nil {
			proxy.Close()
			return err
		}
		if err := os.MkdirAll(e.Conf, 0o755); err != nil {
			proxy.Close()
			return err
		}
		if err := os.WriteFile(filepath.Join(e.Conf, "rclone.conf"), nil, 0o600); err != nil {
			proxy.Close()
			return err
		}
		logf("WAN: link %s (%s) at %s", link.Config(), wl.Name(), ep)
		var all []*contender
		for _, mode := range plan.Modes {
			cs, err := wanContenders(mode, e, bins, versions, uploadBin, uploadVersion, want)
			if err != nil {
				proxy.Close()
				return err
			}
			if i == 0 {
				res.Cont[mode] = cs
			}
			for j := range cs {
				all = append(all, &cs[j])
			}
		}
		// Warm-up at the first RTT only: it checks each tool works
		// through the proxy; a tool that fails is not measured.
		var live []*contender
		for _, c := range all {
			if i == 0 {
				s := runOne(ctx, client, e, c, warm, 0, o.RunTimeout, filepath.Join(work, "json"))
				if s.Err != nil {
					if ctx.Err() != nil {
						proxy.Close()
						return ctx.Err()
					}
					logf("%s: warm-up through the link failed, not measured: %v", c.ID, s.Err)
					markUnavailable(res.Cont, c.ID, fmt.Sprintf("warm-up failed: %v", s.Err))
					continue
				}
			} else if unavailable(res.Cont, c.ID) {
				continue
			}
			live = append(live, c)
		}
		for r := 1; r <= o.Rounds; r++ {
			for _, w := range wls {
				for k := range live {
					c := live[(k+r-1)%len(live)]
					s := runOne(ctx, client, e, c, w, r, o.RunTimeout, filepath.Join(work, "json"))
					if ctx.Err() != nil {
						proxy.Close()
						return ctx.Err()
					}
					mode := c.ID[strings.LastIndex(c.ID, "-")+1:]
					res.Samples = append(res.Samples, wanSample{Link: i, Mode: mode, sample: s})
					logRun("wan "+wl.Spec, r, w, c.ID, s)
				}
			}
		}
		st := link.Stats()
		res.LinkBytes[i] = [2]int64{st.Up, st.Down}
		proxy.Close()
	}
	res.Duration = time.Since(res.Started)
	sec := renderWAN(res)
	if o.Out == "" {
		fmt.Print(sec)
		return nil
	}
	if sec, err = withWANCharts(root, o.Out, sec); err != nil {
		return err
	}
	old, err := os.ReadFile(o.Out)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(o.Out, []byte(withSection(string(old), wanHeading, sec)), 0o644); err != nil {
		return err
	}
	logf("wrote the WAN section of %s in %s", o.Out, res.Duration.Round(time.Second))
	return nil
}

func markUnavailable(cont map[string][]contender, id, why string) {
	for _, cs := range cont {
		for i := range cs {
			if cs[i].ID == id {
				cs[i].Unavailable = why
			}
		}
	}
}

func unavailable(cont map[string][]contender, id string) bool {
	for _, cs := range cont {
		for _, c := range cs {
			if c.ID == id && c.Unavailable != "" {
				return true
			}
		}
	}
	return false
}

// wanHeading starts the WAN section of the report.
const wanHeading = "## WAN: through a link emulator"

// renderWAN writes the WAN section: per workload, each contender's median
// files/s (small files) or MB/s at each RTT, then upload's ratio to each
// peer in the same mode.
//
// Long: the section's tables in the order they appear.
func renderWAN(res *wanResults) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	bw := "unlimited bandwidth"
	if res.Plan.Bandwidth > 0 {
		bw = netem.FormatRate(res.Plan.Bandwidth) + " each way, shared by all connections"
	}
	for _, l := range res.Plan.Links {
		if strings.Contains(l.Spec, "@") {
			bw += "; a column that names a rate is a link capped at that rate each way, shared by all connections"
			break
		}
	}
	var specs, names []string
	for _, l := range res.Plan.Links {
		specs = append(specs, l.Spec)
		names = append(names, l.Name())
	}
	p("%s\n\n", wanHeading)
	quick := ""
	if res.Opts.Quick {
		quick = " -quick"
	}
	p("Generated by `go run ./bench%s -rtt %s", quick, strings.Join(specs, ","))
	if res.Plan.Bandwidth > 0 {
		p(" -bandwidth %s", res.Plan.BandwidthFlag)
	}
	if res.Opts.Tools != "" {
		p(" -tools %s", res.Opts.Tools)
	}
	if res.Opts.Workloads != "" {
		p(" -workloads %s", res.Opts.Workloads)
	}
	if res.Opts.Sizes != "" {
		p(" -sizes %s", res.Opts.Sizes)
	}
	p("` on %s (%d cores), %s, %d round(s) per link; the run took %s.\n\n", res.Started.UTC().Format("2006-01-02 15:04 MST"),
		res.Machine.Cores, res.Machine.CPU, res.Opts.Rounds, res.Duration.Round(time.Second))
	p("Every tool talks to MinIO through a TCP proxy that emulates a link (internal/netem): half the round-trip time of delay each way, bytes pipelined (not one round trip per write), %s. Runs are rotated, verified (count, names, sizes) and summarized as in the loopback tables: medians [Q1–Q3]. \"defaults\" runs each tool as it comes; \"knobs\" gives every tool that has them %d files at once, %d MiB parts, %d parts at once.\n\n",
		bw, res.Opts.Set.Jobs, mib(res.Opts.Set.PartSize), res.Opts.Set.PartJobs)
	for _, w := range res.Workloads {
		rate, unit := func(f figures) summary { return f.FilesPS }, "files/s"
		if w.Files == 1 {
			rate, unit = func(f figures) summary { return f.MBPS }, "MB/s"
		}
		p("### %s (%s), %s\n\n| tool |", w.Name, w.Label(), unit)
		for _, n := range names {
			p(" %s |", n)
		}
		p("\n|---|")
		for range names {
			p("---:|")
		}
		p("\n")
		figs := map[string]map[int]figures{}
		for _, mode := range res.Plan.Modes {
			for _, c := range res.Cont[mode] {
				p("| %s |", c.Label)
				figs[c.ID] = map[int]figures{}
				for li := range res.Plan.Links {
					var ss []sample
					for _, s := range res.Samples {
						if s.Link == li && s.Contender == c.ID && s.Workload == w.Name {
							ss = append(ss, s.sample)
						}
					}
					f := summarizeSamples(ss, w)
					figs[c.ID][li] = f
					switch {
					case c.Unavailable != "":
						p(" not measured |")
					case f.OK == 0 && f.Runs > 0:
						p(" failed |")
					default:
						p(" %s |", cell(rate(f), ratePrec(rate(f))))
					}
				}
				p("\n")
			}
		}
		p("\n")
		// Ratios: upload to each peer, same mode.
		var rows []string
		for _, mode := range res.Plan.Modes {
			up := "upload-s3-" + mode
			if _, ok := figs[up]; !ok {
				continue
			}
			for _, c := range res.Cont[mode] {
				if c.ID == up || c.Unavailable != "" {
					continue
				}
				row := fmt.Sprintf("| upload ÷ %s |", c.Label)
				for li := range res.Plan.Links {
					row += " " + ratio(rate(figs[up][li]), rate(figs[c.ID][li])) + " |"
				}
				rows = append(rows, row)
			}
		}
		if len(rows) > 0 {
			p("| ratio (%s) |", unit)
			for _, n := range names {
				p(" %s |", n)
			}
			p("\n|---|")
			for range names {
				p("---:|")
			}
			p("\n%s\n\n", strings.Join(rows, "\n"))
		}
		var failed []string
		for _, mode := range res.Plan.Modes {
			for _, c := range res.Cont[mode] {
				for li, l := range res.Plan.Links {
					for _, fl := range figs[c.ID][li].Failures {
						failed = append(failed, fmt.Sprintf("- %s at %s failed: %s\n", c.Label, l.Name(), fl))
					}
				}
			}
		}
		if len(failed) > 0 {
			p("%s\n", strings.Join(failed, ""))
		}
	}
	p("Command lines:\n\n")
	for _, mode := range res.Plan.Modes {
		for _, c := range res.Cont[mode] {
			p("- %s: %s\n", c.Label, c.Doc)
			if c.Unavailable != "" {
				p("  (not measured: %s)\n", c.Unavailable)
			}
		}
	}
	var carried []string
	for li, l := range res.Plan.Links {
		lb := res.LinkBytes[li]
		carried = append(carried, fmt.Sprintf("%s: %s up, %s down", l.Name(), humanBytes(lb[0]), humanBytes(lb[1])))
	}
	p("\nBytes through the link (warm-up included): %s.\n", strings.Join(carried, "; "))
	return b.String()
}
