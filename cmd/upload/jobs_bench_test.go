package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/miniotest"
)

// BenchmarkJobsRTT measures --jobs auto against fixed --jobs 16, 64 and
// 256 on 1,000 files of 16 KiB, uploaded to MinIO (on tmpfs) through a
// TCP proxy that delays every byte by half the round trip in each
// direction: 0 (loopback), 20 ms and 80 ms of round trip. It reports
// files/s. Run one iteration per setting, several times, and take the
// medians:
//
//	go test ./cmd/upload -run '^$' -bench JobsRTT -benchtime 1x -count 3
//
// Client and server share the machine: on a small one both compete for
// the CPU, which is what the loopback case measures.
//
// An intermediate version (start at 64, half rounds in slow start, 10%)
// (medians of 3, files/s, same machine, load average 3.5-7): at 80 ms auto
// 696, 64 546, 256 612 (before the change, in the same conditions: auto
// 469, 64 453, 256 571); at 20 ms auto 480, 16 232, 256 284; at 0 ms auto
// 579, 16 715, 256 687 (runs of one setting spread 2x at 0 ms here).
//
// Recorded earlier on a 2-core machine shared with other heavy jobs (medians of 3,
// files/s; the load changed several-fold between runs, so compare within a
// run): auto 211, 16 147, 64 86, 256 137 at 0 ms; auto 108, 16 109, 64
// 103, 256 84 at 20 ms; auto 70, 16 40, 64 79, 256 105 at 80 ms. An
// earlier run with a smaller probe step: auto 319 / best fixed 282 (16)
// at 0 ms, 151 / 320 (256) at 20 ms, 233 / 197 (256) at 80 ms.
// With the limit starting at 128 and deciding down on two rounds (load
// average 8): at 80 ms, auto 1,027 against 1,394 for 256 (medians of 3;
// before, 0.67-0.74x); BENCHMARKS.md, WAN section, has the side-by-side runs.
func BenchmarkJobsRTT(b *testing.B) {
	srv := miniotest.New(b, miniotest.Options{Tmpfs: true})
	dir := b.TempDir()
	batch := filepath.Join(dir, "batch")
	if err := os.MkdirAll(batch, 0o755); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	body := make([]byte, 16<<10)
	for i := range 1000 {
		for j := range body {
			body[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(filepath.Join(batch, fmt.Sprintf("f%04d", i)), body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	run := 0
	for _, rtt := range []time.Duration{0, 20 * time.Millisecond, 80 * time.Millisecond} {
		addr := srv.Endpoint
		if rtt > 0 {
			p := startDelayProxy(b, srv.Endpoint, rtt/2)
			addr = p
		}
		bucket := srv.NewBucket(b, "jobs")
		cfg := filepath.Join(dir, fmt.Sprintf("rtt%d.yaml", rtt.Milliseconds()))
		yaml := fmt.Sprintf("targets:\n  - {name: minio, provider: s3, endpoint: 'http://%s', region: us-east-1, bucket: %s, path_style: true, access_key_id: '${B_AK}', secret_access_key: '${B_SK}'}\n", addr, bucket)
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			b.Fatal(err)
		}
		for _, jobs := range []string{"auto", "16", "64", "256"} {
			b.Run(fmt.Sprintf("rtt=%s/jobs=%s", rtt, jobs), func(b *testing.B) {
				for range b.N {
					run++
					var out, errb bytes.Buffer
					a := newApp(strings.NewReader(""), &out, &errb)
					a.getenv = func(k string) (string, bool) {
						switch k {
						case "B_AK":
							return srv.AccessKey, true
						case "B_SK":
							return srv.SecretKey, true
						case "HOME":
							return dir, true
						}
						return "", false
					}
					start := time.Now()
					code := a.run(context.Background(), []string{"--config", cfg, "--quiet", "--json", "--jobs", jobs,
						"--prefix", fmt.Sprintf("r%d", run), batch})
					took := time.Since(start)
					if code != exitOK {
						b.Fatalf("exit %d: %s", code, errb.String())
					}
					b.ReportMetric(1000/took.Seconds(), "files/s")
					if i := strings.Index(out.String(), `"concurrency":`); i >= 0 {
						b.Logf("%s", out.String()[i:i+100])
					}
				}
			})
		}
	}
}

// startDelayProxy listens on loopback and forwards every connection to
// target, each direction delayed by oneWay (latency, no bandwidth cap).
// It stops with the benchmark.
func startDelayProxy(b *testing.B, target string, oneWay time.Duration) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, s)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); delayCopy(s, c, oneWay) }()
			go func() { defer wg.Done(); delayCopy(c, s, oneWay) }()
		}
	}()
	return ln.Addr().String()
}

// delayCopy copies src to dst, each chunk written oneWay after it was
// read, in order; then it closes dst for writing, or both on an error.
func delayCopy(dst, src net.Conn, oneWay time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	ch := make(chan chunk, 4096)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				ch <- chunk{buf[:n], time.Now().Add(oneWay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		if d := time.Until(c.at); d > 0 {
			time.Sleep(d)
		}
		if _, err := dst.Write(c.b); err != nil {
			dst.Close()
			src.Close()
			for range ch {
			}
			return
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	} else {
		dst.Close()
	}
}
