package main

// The load mode (go run ./bench -load): an application-style load on the
// library itself, not the CLI. Many goroutines share one failover.Uploader
// with two s3 targets on one MinIO: the primary behind a loopback TCP proxy
// that cuts every connection for a window in the middle of the run, the
// secondary (another bucket) direct. A tenth of the uploads are canceled
// by their caller after a short random delay. The run is bounded in time;
// afterwards a sample of the successes is read back and compared byte for
// byte, and the figures are printed as a Markdown section.

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/s3"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// loadOptions are the flags of the load mode.
type loadOptions struct {
	On         bool
	Duration   time.Duration
	Workers    int
	Cancel     float64 // share of uploads canceled by their caller
	Verify     int     // successes read back byte for byte
	MinSize    int
	MaxSize    int
	CutStart   float64 // the cut starts at this share of the duration
	CutLength  float64 // and lasts this share of it
	MemProfile string  // heap profile written at 90 % of the duration
}

// loadFlags registers the load mode's flags on the default flag set.
func loadFlags() *loadOptions {
	lo := &loadOptions{MinSize: 1 << 10, MaxSize: 64 << 10, CutStart: 1.0 / 3, CutLength: 1.0 / 6}
	flag.BoolVar(&lo.On, "load", false, "run the library load benchmark instead (failover.Uploader, many goroutines, a proxy cut on the primary, canceled uploads); prints a Markdown section")
	flag.DurationVar(&lo.Duration, "load-duration", time.Minute, "how long -load sends new uploads")
	flag.IntVar(&lo.Workers, "load-workers", 200, "goroutines uploading at once with -load")
	flag.Float64Var(&lo.Cancel, "load-cancel", 0.10, "share of -load uploads canceled by their caller")
	flag.IntVar(&lo.Verify, "load-verify", 1000, "successes -load reads back and compares byte for byte")
	flag.StringVar(&lo.MemProfile, "load-memprofile", "", "write a heap profile (go tool pprof) to this file at 90 % of -load-duration, under load")
	return lo
}

func (lo *loadOptions) check() error {
	switch {
	case lo.Duration <= 0 || lo.Duration > 10*time.Minute:
		return fmt.Errorf("-load-duration %s: want more than 0 and at most 10m", lo.Duration)
	case lo.Workers < 1 || lo.Workers > 5000:
		return fmt.Errorf("-load-workers %d: want 1 to 5000", lo.Workers)
	case lo.Cancel < 0 || lo.Cancel > 1:
		return fmt.Errorf("-load-cancel %g: want 0 to 1", lo.Cancel)
	case lo.Verify < 0:
		return fmt.Errorf("-load-verify %d: want 0 or more", lo.Verify)
	}
	return nil
}

// loadPayload returns the size and bytes of upload number n: sizes uniform
// in [min, max], bytes pseudo-random, both fixed by n, so that a read-back
// can be compared with a payload generated again.
func loadPayload(n uint64, min, max int) []byte {
	r := rand.New(rand.NewPCG(n, 0x6c6f6164))
	size := min + r.IntN(max-min+1)
	b := make([]byte, size)
	for i := 0; i < len(b); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < len(b); j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// loadRecord is what one finished upload leaves for the report.
type loadRecord struct {
	n       uint64
	latency time.Duration
	target  string
}

// loadResults are the figures of one load run.
type loadResults struct {
	Opts                           loadOptions
	Elapsed                        time.Duration // first upload start to last upload end
	Started, Succeeded, Failed     int
	Canceled, CanceledLanded       int // canceled: failed with Canceled; of which the error says the object may have landed
	CanceledOK                     int // asked to cancel, but the upload finished first
	CanceledStored                 int // canceled without "may have landed", yet stored
	CanceledChecked                int // of those, how many were looked up
	CanceledCheckErr               string
	OnTarget                       map[string]int
	FailKinds                      map[string]int
	P50, P99, Max                  time.Duration // of successful uploads
	Verified, VerifyBad            int
	VerifyErr                      string
	HWMKiB, RSSEndKiB              int64
	HeapInuseMax, HeapSysMax, Sys  uint64
	NumGC                          uint32
	GoBefore, GoBeforeClose, GoEnd int
	CutFrom, CutTo                 time.Duration
	ProxyRefused                   int64
	GOGC, GOMEMLIMIT, Storage      string
}

// loadMain runs the load mode and prints its section to standard output.
// With out set, the section also replaces the load section of that file
// (or is appended to it).
func loadMain(ctx context.Context, lo loadOptions, noInstall bool, out string) error {
	if err := lo.check(); err != nil {
		return err
	}
	if !noInstall {
		os.Setenv(miniotest.EnvInstall, "1")
	}
	ictx, cancel := context.WithTimeout(ctx, installTimeout)
	minioBin, err := miniotest.EnsureBinary(ictx)
	cancel()
	if err != nil {
		return fmt.Errorf("MinIO: %w", err)
	}
	base, _, why := chooseBase(2 << 30)
	work, err := os.MkdirTemp(base, "upload-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	srv, err := miniotest.Start(ctx, miniotest.Options{Binary: minioBin, DataDir: filepath.Join(work, "minio")})
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			logf("stop MinIO: %v", err)
		}
	}()
	for _, b := range []string{"load-primary", "load-secondary"} {
		if err := srv.MakeBucket(ctx, b); err != nil {
			return err
		}
	}
	px, err := newCutProxy(srv.Endpoint)
	if err != nil {
		return err
	}
	defer px.Close()
	logf("load: MinIO at %s, primary through proxy %s, data in %s", srv.URL, px.Addr(), work)

	res := &loadResults{Opts: lo, OnTarget: map[string]int{}, FailKinds: map[string]int{},
		GOGC: os.Getenv("GOGC"), GOMEMLIMIT: os.Getenv("GOMEMLIMIT"), Storage: why}
	res.GoBefore = runtime.NumGoroutine()
	buckets := map[string]string{"primary": "load-primary", "secondary": "load-secondary"}
	mk := func(name, endpoint string) (*s3.Backend, error) {
		return s3.New(s3.Options{Common: provider.Common{Name: name, Endpoint: "http://" + endpoint, Region: "us-east-1", Bucket: buckets[name], AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey}})
	}
	primary, err := mk("primary", px.Addr())
	if err != nil {
		return err
	}
	defer primary.Close()
	secondary, err := mk("secondary", srv.Endpoint)
	if err != nil {
		return err
	}
	defer secondary.Close()
	up, err := failover.New([]failover.Target{{Backend: primary}, {Backend: secondary}}, failover.Options{})
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			up.Close()
		}
	}()

	// Memory sampler: the heap's peak, which a single read at the end
	// would miss.
	var heapInuseMax, heapSysMax atomic.Uint64
	stopSampler := make(chan struct{})
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heapInuseMax.Store(max(heapInuseMax.Load(), ms.HeapInuse))
			heapSysMax.Store(max(heapSysMax.Load(), ms.HeapSys))
			select {
			case <-stopSampler:
				return
			case <-t.C:
			}
		}
	}()

	// The cut: the proxy drops every connection and refuses new ones for
	// a window in the middle of the run.
	res.CutFrom = time.Duration(float64(lo.Duration) * lo.CutStart)
	res.CutTo = res.CutFrom + time.Duration(float64(lo.Duration)*lo.CutLength)
	runCtx, stopRun := context.WithTimeout(ctx, lo.Duration)
	defer stopRun()
	cutTimer := time.AfterFunc(res.CutFrom, func() { logf("load: proxy cut"); px.Cut() })
	healTimer := time.AfterFunc(res.CutTo, func() { logf("load: proxy restored"); px.Restore() })
	defer cutTimer.Stop()
	if lo.MemProfile != "" {
		profTimer := time.AfterFunc(lo.Duration*9/10, func() {
			if err := writeHeapProfile(lo.MemProfile); err != nil {
				logf("load: %v", err)
			}
		})
		defer profTimer.Stop()
	}
	defer healTimer.Stop()

	var next atomic.Uint64
	var mu sync.Mutex
	var ok []loadRecord
	var silentCancels []uint64 // canceled uploads whose error does not say "may have landed"
	cancelErrs := map[uint64]string{}
	var lat []float64
	t0 := time.Now()
	var wg sync.WaitGroup
	logf("load: %d goroutines for %s", lo.Workers, lo.Duration)
	for w := 0; w < lo.Workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 0x63616e63))
			for runCtx.Err() == nil {
				n := next.Add(1)
				data := loadPayload(n, lo.MinSize, lo.MaxSize)
				key := fmt.Sprintf("load/%08d", n)
				// The caller's context is not runCtx: the run's end stops
				// new uploads, it does not cancel the ones under way.
				uctx, ucancel := context.WithCancel(ctx)
				cancelAsked := r.Float64() < lo.Cancel
				var timer *time.Timer
				if cancelAsked {
					timer = time.AfterFunc(time.Duration(r.IntN(20_000))*time.Microsecond, ucancel)
				}
				start := time.Now()
				got, err := up.Upload(uctx, uploader.BytesObject(key, data))
				d := time.Since(start)
				if timer != nil {
					timer.Stop()
				}
				ucancel()
				mu.Lock()
				res.Started++
				switch {
				case err == nil:
					res.Succeeded++
					res.OnTarget[got.Target]++
					if cancelAsked {
						res.CanceledOK++
					}
					ok = append(ok, loadRecord{n: n, latency: d, target: got.Target})
					lat = append(lat, float64(d))
				case cancelAsked && uploader.KindOf(err) == uploader.Canceled:
					res.Canceled++
					if e := uploader.AsError(err); e != nil && e.MayHaveLanded {
						res.CanceledLanded++
					} else {
						silentCancels = append(silentCancels, n)
						cancelErrs[n] = fmt.Sprintf("after %s: %v", d.Round(time.Millisecond), err)
					}
				default:
					res.Failed++
					res.FailKinds[uploader.KindOf(err).String()]++
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	res.Elapsed = time.Since(t0)
	close(stopSampler)
	<-samplerDone
	logf("load: %d uploads in %s; verifying", res.Started, res.Elapsed.Round(time.Millisecond))

	slices.Sort(lat)
	if len(lat) > 0 {
		res.P50 = time.Duration(quantile(lat, 0.50))
		res.P99 = time.Duration(quantile(lat, 0.99))
		res.Max = time.Duration(lat[len(lat)-1])
	}
	res.HeapInuseMax, res.HeapSysMax = heapInuseMax.Load(), heapSysMax.Load()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.Sys, res.NumGC = ms.Sys, ms.NumGC
	res.HWMKiB, res.RSSEndKiB = procStatusKiB("VmHWM"), procStatusKiB("VmRSS")
	res.ProxyRefused = px.refused.Load()

	res.GoBeforeClose = runtime.NumGoroutine()
	up.Close()
	closed = true
	primary.Close()
	secondary.Close()
	px.Close()
	res.GoEnd = settledGoroutines(res.GoBefore)

	// Read back a sample, spread over the run.
	client := srv.Client()
	sample := spread(ok, lo.Verify)
	vctx, vcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer vcancel()
	for _, rec := range sample {
		if err := verifyLoadObject(vctx, client, buckets[rec.target], rec.n, lo); err != nil {
			res.VerifyBad++
			if res.VerifyErr == "" {
				res.VerifyErr = err.Error()
			}
			continue
		}
		res.Verified++
	}
	// A canceled upload that does not say it may have landed must have
	// left nothing, on either target.
	for _, n := range silentCancels {
		key := fmt.Sprintf("load/%08d", n)
		for _, b := range buckets {
			_, err := client.StatObject(vctx, b, key, minio.StatObjectOptions{})
			if err == nil {
				if res.CanceledStored < 3 {
					logf("load: canceled, stored on %s, not said: %s", b, cancelErrs[n])
				}
				res.CanceledStored++
				continue
			}
			if minio.ToErrorResponse(err).Code != "NoSuchKey" && res.CanceledCheckErr == "" {
				res.CanceledCheckErr = fmt.Sprintf("%s/%s: %v", b, key, err)
			}
		}
		res.CanceledChecked++
	}
	sec := loadHeading + "\n\n" + renderLoad(res)
	fmt.Print(sec)
	if out != "" {
		old, err := os.ReadFile(out)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.WriteFile(out, []byte(withLoadSection(string(old), sec)), 0o644); err != nil {
			return err
		}
		logf("load: wrote its section into %s", out)
	}
	if res.CanceledStored > 0 {
		return fmt.Errorf("%d canceled uploads whose error does not say they may have landed were stored", res.CanceledStored)
	}
	if res.VerifyBad > 0 {
		return fmt.Errorf("%d of %d objects read back differ: %s", res.VerifyBad, len(sample), res.VerifyErr)
	}
	return nil
}

// loadHeading starts the load section of the report file.
const loadHeading = "## Library under load (go run ./bench -load)"

// loadSectionOf returns the load section of the Markdown document md, from
// its heading to the next level-2 heading or the end; "" if there is none.
func loadSectionOf(md string) string { return sectionOf(md, loadHeading) }

// withLoadSection returns md with its load section replaced by sec, or with
// sec appended when md has none.
func withLoadSection(md, sec string) string { return withSection(md, loadHeading, sec) }

// spread returns at most n elements of xs, evenly spaced.
func spread[T any](xs []T, n int) []T {
	if n <= 0 || len(xs) == 0 {
		return nil
	}
	if len(xs) <= n {
		return xs
	}
	out := make([]T, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, xs[i*len(xs)/n])
	}
	return out
}

func verifyLoadObject(ctx context.Context, c *minio.Client, bucket string, n uint64, lo loadOptions) error {
	key := fmt.Sprintf("load/%08d", n)
	o, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return fmt.Errorf("%s/%s: %w", bucket, key, err)
	}
	defer o.Close()
	got, err := io.ReadAll(o)
	if err != nil {
		return fmt.Errorf("%s/%s: %w", bucket, key, err)
	}
	if want := loadPayload(n, lo.MinSize, lo.MaxSize); !bytes.Equal(got, want) {
		return fmt.Errorf("%s/%s: %d bytes read back differ from the %d uploaded", bucket, key, len(got), len(want))
	}
	return nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("heap profile %s: %w", path, err)
	}
	return f.Close()
}

// settledGoroutines returns the goroutine count once it is down to base,
// or after two seconds (idle HTTP connections close asynchronously).
func settledGoroutines(base int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 20 && n > base; i++ {
		time.Sleep(100 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// procStatusKiB reads a "kB" field of /proc/self/status; 0 if unknown.
func procStatusKiB(field string) int64 {
	v := firstField("/proc/self/status", field)
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

func renderLoad(r *loadResults) string {
	var b strings.Builder
	mb := func(x uint64) string { return fmt.Sprintf("%.0f MiB", float64(x)/(1<<20)) }
	kib := func(x int64) string { return fmt.Sprintf("%.0f MiB", float64(x)/1024) }
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }
	o := r.Opts
	fmt.Fprintf(&b, "`go run ./bench -load -load-duration %s -load-workers %d`: one failover.Uploader, "+
		"two s3 targets on one MinIO (primary through a loopback proxy that drops every connection and refuses new ones "+
		"from %s to %s, secondary direct), %d goroutines, objects of %d–%d KiB, %.0f %% of uploads canceled by their caller "+
		"0–20 ms after they start. GOGC=%s GOMEMLIMIT=%s; %s.\n\n",
		o.Duration, o.Workers, r.CutFrom, r.CutTo, o.Workers, o.MinSize>>10, o.MaxSize>>10, o.Cancel*100,
		orDefault(r.GOGC, "default"), orDefault(r.GOMEMLIMIT, "default"), r.Storage)
	b.WriteString("| Figure | Value |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, v) }
	row("uploads", fmt.Sprintf("%d in %.1f s", r.Started, r.Elapsed.Seconds()))
	row("uploads/s", fmt.Sprintf("%.0f", float64(r.Started)/r.Elapsed.Seconds()))
	row("successes/s", fmt.Sprintf("%.0f", float64(r.Succeeded)/r.Elapsed.Seconds()))
	targets := make([]string, 0, len(r.OnTarget))
	for t, n := range r.OnTarget {
		targets = append(targets, fmt.Sprintf("%s %d", t, n))
	}
	slices.Sort(targets)
	row("successes", fmt.Sprintf("%d (%s)", r.Succeeded, strings.Join(targets, ", ")))
	row("latency of successes p50 / p99 / max", ms(r.P50)+" / "+ms(r.P99)+" / "+ms(r.Max))
	kinds := make([]string, 0, len(r.FailKinds))
	for k, n := range r.FailKinds {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(kinds)
	fails := strconv.Itoa(r.Failed)
	if len(kinds) > 0 {
		fails += " (" + strings.Join(kinds, ", ") + ")"
	}
	row("failures (not canceled)", fails)
	row("canceled by the caller", fmt.Sprintf("%d, of which %d may have landed; %d more finished before their cancel", r.Canceled, r.CanceledLanded, r.CanceledOK))
	stored := fmt.Sprintf("%d of %d looked up", r.CanceledStored, r.CanceledChecked)
	if r.CanceledCheckErr != "" {
		stored += " (a lookup failed: " + r.CanceledCheckErr + ")"
	}
	row("canceled without \"may have landed\" yet stored", stored)
	row("connections refused by the cut proxy", strconv.FormatInt(r.ProxyRefused, 10))
	row("read back byte for byte", fmt.Sprintf("%d of %d sampled successes match", r.Verified, r.Verified+r.VerifyBad))
	row("peak RSS (VmHWM) / RSS at end", kib(r.HWMKiB)+" / "+kib(r.RSSEndKiB))
	row("peak HeapInuse / peak HeapSys / Sys at end", mb(r.HeapInuseMax)+" / "+mb(r.HeapSysMax)+" / "+mb(r.Sys))
	row("GC cycles", strconv.FormatUint(uint64(r.NumGC), 10))
	row("goroutines before / before Close / after Close", fmt.Sprintf("%d / %d / %d", r.GoBefore, r.GoBeforeClose, r.GoEnd))
	return b.String()
}

// cutProxy is a loopback TCP proxy in front of one upstream that can drop
// every connection and refuse new ones (Cut), then pass again (Restore).
// While cut it accepts and closes at once, so a client sees a reset or EOF
// rather than a hang.
type cutProxy struct {
	ln       net.Listener
	upstream string
	refused  atomic.Int64

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
	done  bool
}

func newCutProxy(upstream string) (*cutProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &cutProxy{ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the proxy's "127.0.0.1:PORT".
func (p *cutProxy) Addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut || p.done {
			p.mu.Unlock()
			p.refused.Add(1)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0) // a reset, as from a dead peer
			}
			c.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go p.pipe(c)
	}
}

func (p *cutProxy) pipe(c net.Conn) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
		c.Close()
	}()
	u, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		return
	}
	defer u.Close()
	p.mu.Lock()
	if p.cut || p.done {
		p.mu.Unlock()
		return
	}
	p.conns[u] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, u)
		p.mu.Unlock()
	}()
	errc := make(chan error, 2)
	go func() { _, err := io.Copy(u, c); errc <- err }()
	go func() { _, err := io.Copy(c, u); errc <- err }()
	<-errc
	c.Close()
	u.Close()
	<-errc
}

// Cut drops every connection and refuses new ones until Restore.
func (p *cutProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}
}

// Restore lets connections through again.
func (p *cutProxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// Close stops the proxy and waits for its goroutines. It may be called
// more than once.
func (p *cutProxy) Close() error {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return nil
	}
	p.done = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.Cut()
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}
