package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The scale mode (go run ./bench -scale) measures `upload` on many empty
// files: 10,000, 100,000 and 1,000,000 by default, in a tree of
// directories of 1,000 files each on tmpfs, given as one directory
// argument ("dir"), as a list of paths on standard input ("stdin"), and as
// the directory with a resume journal (--state, "state"). The target is
// the loopback sink of sink.go, which stores nothing, so that what is
// measured is the client: wall time (files/s), CPU, peak RSS (the child's
// ru_maxrss, i.e. VmHWM) and, for "state", the journal's size on disk.
// Every file must reach the sink (its PUT count) and the CLI must exit 0.

// scaleHeading starts the scale mode's section of the report.
const scaleHeading = "## Many files (go run ./bench -scale)"

// scaleOptions are the -scale flags.
type scaleOptions struct {
	On      bool
	Counts  string
	Sources string
	Timeout time.Duration
}

func scaleFlags() *scaleOptions {
	so := &scaleOptions{}
	flag.BoolVar(&so.On, "scale", false, "measure upload on many empty files against a loopback sink that stores nothing (peak RSS and files/s against file count) and replace its section in -out (default BENCHMARKS.md)")
	flag.StringVar(&so.Counts, "scale-files", "10000,100000,1000000", "comma-separated file counts of the -scale runs")
	flag.StringVar(&so.Sources, "scale-sources", "dir,stdin,state", "comma-separated ways of giving the files to upload in -scale: dir (one directory argument), stdin (paths on standard input), state (dir with --state FILE)")
	flag.DurationVar(&so.Timeout, "scale-timeout", 30*time.Minute, "time limit of one -scale run")
	return so
}

// scaleRun is one measured run.
type scaleRun struct {
	Files   int
	Source  string
	M       measurement
	Err     error
	Puts    int64
	Journal int64 // bytes of the --state file after the run
	Load    string
}

// scaleSources are the known sources, in table order.
var scaleSources = []string{"dir", "stdin", "state"}

// parseScale checks the -scale flags.
func (so scaleOptions) parse() (counts []int, sources []string, err error) {
	for _, c := range strings.Split(so.Counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return nil, nil, fmt.Errorf("-scale-files: %q is not a positive count", c)
		}
		counts = append(counts, n)
	}
	slices.Sort(counts)
	for _, s := range strings.Split(so.Sources, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(scaleSources, s) {
			return nil, nil, fmt.Errorf("-scale-sources: %q is none of dir, stdin, state", s)
		}
		sources = append(sources, s)
	}
	return counts, sources, nil
}

// scaleTree makes n empty files under dir in sub-directories of 1,000
// (d0000/f000000 ...), adding to what an earlier call made (files are
// numbered globally, so a tree for 100,000 extends the one for 10,000), and
// writes the list of their paths to list.
func scaleTree(dir string, have, n int, list string) error {
	for i := have; i < n; i++ {
		d := filepath.Join(dir, fmt.Sprintf("d%04d", i/1000))
		if i%1000 == 0 {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		f, err := os.OpenFile(filepath.Join(d, fmt.Sprintf("f%07d", i)), os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		f.Close()
	}
	lf, err := os.Create(list)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(lf, 1<<20)
	for i := range n {
		fmt.Fprintf(bw, "%s\n", filepath.Join(dir, fmt.Sprintf("d%04d", i/1000), fmt.Sprintf("f%07d", i)))
	}
	if err := bw.Flush(); err != nil {
		lf.Close()
		return err
	}
	return lf.Close()
}

// scaleMain runs the scale mode.
//
// Long: one measurement in order: the tree on tmpfs, the sink, each file
// count in each input form, the read-back and the section.
func scaleMain(ctx context.Context, so scaleOptions, out string) error {
	counts, sources, err := so.parse()
	if err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(root, "BENCHMARKS.md")
	}
	// Room: tmpfs spends about 1 KiB of RAM per empty file, plus the lists.
	largest := counts[len(counts)-1]
	base, tmpfs, why := chooseBase(uint64(largest) * 2048)
	work, err := os.MkdirTemp(base, "upload-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	logf("scale: work area %s", why)

	bin := filepath.Join(work, "upload")
	bctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	cmd := exec.CommandContext(bctx, "go", "build", "-o", bin, "./cmd/upload")
	cmd.Dir = root
	bout, err := cmd.CombinedOutput()
	cancel()
	if err != nil {
		return fmt.Errorf("go build ./cmd/upload: %v: %s", err, lastLines(string(bout), 4))
	}
	version := binaryVersion(bin)
	if o, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output(); err == nil {
		version += ", work tree at git " + strings.TrimSpace(string(o))
	}

	sk, err := startSink()
	if err != nil {
		return err
	}
	defer sk.Close()
	e := env{Home: filepath.Join(work, "home"), Conf: work}
	if err := os.MkdirAll(e.Home, 0o755); err != nil {
		return err
	}
	cfg := filepath.Join(work, "sink.yaml")
	if err := writeConfig(cfg, []target{{Name: "sink", Provider: "s3", Endpoint: sk.URL(), Bucket: "scale",
		AccessEnv: "BENCH_ACCESS_KEY", SecretEnv: "BENCH_SECRET_KEY", Extra: [][2]string{{"path_style", "true"}}}}); err != nil {
		return err
	}
	childEnv := e.childEnv("BENCH_ACCESS_KEY=scale-fake-key", "BENCH_SECRET_KEY=scale-fake-secret")
	tree := filepath.Join(work, "tree")
	res := &scaleResults{Started: time.Now(), LoadStart: loadAverage(), Upload: version, Tmpfs: tmpfs, Storage: why}
	have := 0
	for _, n := range counts {
		t0 := time.Now()
		list := filepath.Join(work, "list.txt")
		if err := scaleTree(tree, have, n, list); err != nil {
			return fmt.Errorf("making %d files: %w", n, err)
		}
		have = n
		logf("scale: %s files ready in %s", thousands(int64(n)), time.Since(t0).Round(100*time.Millisecond))
		for _, src := range sources {
			r := scaleRun{Files: n, Source: src, Load: strings.Fields(loadAverage())[0]}
			state := filepath.Join(work, "state.jsonl")
			os.Remove(state)
			args := []string{bin, "--config", cfg, "--prefix", fmt.Sprintf("%s-%d", src, n), "--progress", "never", "--json"}
			inv := invocation{Env: childEnv, Stdout: os.DevNull}
			switch src {
			case "dir":
				args = append(args, tree)
			case "stdin":
				args = append(args, "-")
				inv.Stdin = list
			case "state":
				args = append(args, "--state", state, tree)
			}
			inv.Args = args
			puts0 := sk.Puts.Load()
			r.M, r.Err = run(ctx, inv, so.Timeout)
			r.Puts = sk.Puts.Load() - puts0
			if fi, err := os.Stat(state); err == nil {
				r.Journal = fi.Size()
			}
			os.Remove(state)
			if r.Err == nil && r.Puts != int64(n) {
				r.Err = fmt.Errorf("the sink received %d PUTs for %d files", r.Puts, n)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if r.Err != nil {
				logf("scale: %d %s FAILED: %v", n, src, r.Err)
			} else {
				logf("scale: %9d %-5s %8.1fs %8.0f files/s cpu %7.1fs peak RSS %5d MiB journal %s",
					n, src, r.M.Wall.Seconds(), float64(n)/r.M.Wall.Seconds(), r.M.CPU().Seconds(), r.M.MaxRSSKiB>>10, humanBytes(r.Journal))
			}
			res.Runs = append(res.Runs, r)
		}
	}
	res.LoadEnd = loadAverage()
	res.Duration = time.Since(res.Started)
	sec := renderScale(res)
	if ch := scaleCharts(res); len(ch) > 0 {
		md, err := writeNamedCharts(root, out, ch)
		if err != nil {
			return err
		}
		sec = strings.TrimRight(sec, "\n") + "\n\n" + md
	}
	fmt.Print(sec)
	if err := writeSection(out, scaleHeading, sec); err != nil {
		return err
	}
	logf("scale: wrote its section into %s", out)
	for _, r := range res.Runs {
		if r.Err != nil {
			return fmt.Errorf("%d of the runs failed", countFailed(res.Runs))
		}
	}
	return nil
}

func countFailed(rs []scaleRun) int {
	n := 0
	for _, r := range rs {
		if r.Err != nil {
			n++
		}
	}
	return n
}

// scaleResults are the scale mode's runs.
type scaleResults struct {
	Runs               []scaleRun
	Started            time.Time
	Duration           time.Duration
	LoadStart, LoadEnd string
	Upload, Storage    string
	Tmpfs              bool
}

func renderScale(res *scaleResults) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("%s\n\n", scaleHeading)
	p("Measured on %s (%s); load average (1, 5, 15 min) %s before the first run, %s after the last. `upload`: %s. Files: %s.\n\n",
		res.Started.UTC().Format("2006-01-02 15:04 UTC"), res.Duration.Round(time.Second), res.LoadStart, res.LoadEnd, res.Upload, res.Storage)
	p("`upload --config sink.yaml --prefix P --progress never --json SOURCE > /dev/null` with its defaults, on empty files in directories of 1,000, " +
		"one run per point. SOURCE is the tree as one directory argument (dir), `-` with the paths on standard input (stdin), or the tree " +
		"with `--state FILE` on the same tmpfs (state). The one target is a **benchmark-only sink** on 127.0.0.1 (bench/sink.go) that reads " +
		"each PUT, answers 200 with the body's MD5 as ETag, and stores nothing: these figures measure the client (walk, per-file report, " +
		"journal, memory), not a server. A run counts only if upload exits 0 and the sink received one PUT per file. Peak RSS is the " +
		"child's ru_maxrss (VmHWM).\n\n")
	p("| Files | Source | Wall s | Files/s | CPU s | Peak RSS MiB | Journal on disk | Load avg (1 min) at start |\n|---|---|---|---|---|---|---|---|\n")
	var notes []string
	for _, r := range res.Runs {
		if r.Err != nil {
			p("| %s | %s | failed | | | | | %s |\n", thousands(int64(r.Files)), r.Source, r.Load)
			msg := r.Err.Error()
			if len(msg) > 400 {
				msg = msg[:400] + " …"
			}
			notes = append(notes, fmt.Sprintf("- %s files, %s: %s\n", thousands(int64(r.Files)), r.Source, msg))
			continue
		}
		j := "–"
		if r.Source == "state" {
			j = fmt.Sprintf("%s (%d B/file)", humanBytes(r.Journal), r.Journal/int64(r.Files))
		}
		p("| %s | %s | %.1f | %s | %.1f | %d | %s | %s |\n", thousands(int64(r.Files)), r.Source, r.M.Wall.Seconds(),
			fmtNum(float64(r.Files)/r.M.Wall.Seconds()), r.M.CPU().Seconds(), r.M.MaxRSSKiB>>10, j, r.Load)
	}
	p("\n%s", strings.Join(notes, ""))
	// Flatness: peak RSS at the largest count against the smallest, per source.
	for _, src := range scaleSources {
		var first, last *scaleRun
		for i := range res.Runs {
			r := &res.Runs[i]
			if r.Source != src || r.Err != nil {
				continue
			}
			if first == nil {
				first = r
			}
			last = r
		}
		if first == nil || last == first {
			continue
		}
		p("- %s: peak RSS %d MiB at %s files, %d MiB at %s (%+.0f%%; the goal is flat, ±10%%); files/s %s → %s.\n", src,
			first.M.MaxRSSKiB>>10, thousands(int64(first.Files)), last.M.MaxRSSKiB>>10, thousands(int64(last.Files)),
			100*(float64(last.M.MaxRSSKiB)/float64(first.M.MaxRSSKiB)-1),
			fmtNum(float64(first.Files)/first.M.Wall.Seconds()), fmtNum(float64(last.Files)/last.M.Wall.Seconds()))
	}
	return b.String()
}

// scaleCharts are peak RSS and files/s against the file count, one line
// per source.
func scaleCharts(res *scaleResults) []namedChart {
	rss := lineChart{Title: "upload: peak RSS against the number of files (sink target)", XLabel: "files (log scale)", YLabel: "peak RSS MiB", LogX: true}
	fps := lineChart{Title: "upload: files/s against the number of files (sink target)", XLabel: "files (log scale)", YLabel: "files/s", LogX: true}
	for _, src := range scaleSources {
		r1 := lineSeries{Name: src}
		r2 := lineSeries{Name: src}
		for _, r := range res.Runs {
			if r.Source != src {
				continue
			}
			y1, y2 := math.NaN(), math.NaN()
			if r.Err == nil {
				y1, y2 = float64(r.M.MaxRSSKiB)/1024, float64(r.Files)/r.M.Wall.Seconds()
			}
			r1.X, r1.Y = append(r1.X, float64(r.Files)), append(r1.Y, y1)
			r2.X, r2.Y = append(r2.X, float64(r.Files)), append(r2.Y, y2)
		}
		if len(r1.X) > 0 {
			rss.Series = append(rss.Series, r1)
			fps.Series = append(fps.Series, r2)
		}
	}
	if len(rss.Series) == 0 {
		return nil
	}
	return []namedChart{{"scale-rss", rss}, {"scale-files-per-second", fps}}
}
