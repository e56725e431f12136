package integration_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/backends/cos"
	"github.com/resilient-upload/upload/backends/obs"
	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/backends/tos"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// TestFileChangedDuringPutEveryDialect: through each vendor's SDK and
// gateway, a file rewritten in place after the first bytes of its upload
// were sent, as one PUT (1 MiB) or in parts (10 MiB in 5 MiB parts), fails
// the attempt with Kind Invalid ("changed while being uploaded", naming the
// file; not unavailable, which would count against the target's breaker),
// and nothing is stored under the key.
func TestFileChangedDuringPutEveryDialect(t *testing.T) {
	srv := miniotest.Shared(t)
	for i, d := range gateway.Dialects {
		t.Run(string(d), func(t *testing.T) {
			c := newCloud(t, srv, cloudSpec{dialect: d, name: string(d) + "-changed", region: "cn-north-4", seed: int64(40 + i)})
			for _, tc := range []struct {
				name string
				size int
				b    uploader.Backend
			}{{"single", 1 << 20, c.b}, {"multipart", 10 << 20, partedBackend(t, c, c.spec.name+"-mp", 5<<20, 5<<20, 2)}} {
				t.Run(tc.name, func(t *testing.T) {
					path := filepath.Join(t.TempDir(), "f")
					if err := os.WriteFile(path, backendtest.Data(int64(tc.size), uint64(i)), 0o644); err != nil {
						t.Fatal(err)
					}
					key := "changed/" + tc.name
					obj, err := uploader.FileObject(key, path)
					if err != nil {
						t.Fatal(err)
					}
					var once atomic.Bool
					ctx := uploader.WithProgress(context.Background(), func(n int64) {
						if n > 0 && once.CompareAndSwap(false, true) {
							rewriteInPlace(t, path, 2030)
						}
					})
					_, err = tc.b.Put(ctx, obj)
					if !once.Load() {
						t.Fatalf("no progress was reported (err %v)", err)
					}
					if uploader.KindOf(err) != uploader.Invalid || !strings.Contains(err.Error(), "changed while being uploaded") || !strings.Contains(err.Error(), path) {
						t.Fatalf("Put of a file rewritten while sent: %v (kind %s); want invalid, changed while being uploaded, naming %s", err, uploader.KindOf(err), path)
					}
					if _, ok := c.read(t, key); ok {
						t.Errorf("an object was stored")
					}
				})
			}
		})
	}
}

// partedBackend returns a backend named name over c's gateway and bucket
// that sends objects above threshold in parts of part bytes, jobs at a time
// (0: the backend's default); it is closed in t.Cleanup.
func partedBackend(t testing.TB, c *cloud, name string, threshold, part int64, jobs int) uploader.Backend {
	t.Helper()
	ak, sk := c.gw.Credentials()
	var b uploader.Backend
	var err error
	switch c.spec.dialect {
	case gateway.TOS:
		b, err = tos.New(tos.Options{Common: provider.Common{Name: name, Endpoint: c.gw.URL(), Region: c.spec.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, PartSize: part, MultipartThreshold: threshold, PartConcurrency: jobs}})
	case gateway.OSS:
		b, err = oss.New(oss.Options{Common: provider.Common{Name: name, Endpoint: c.gw.URL(), Region: c.spec.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, PartSize: part, MultipartThreshold: threshold, PartConcurrency: jobs}})
	case gateway.OBS:
		b, err = obs.New(obs.Options{Common: provider.Common{Name: name, Endpoint: c.gw.URL(), Region: c.spec.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, PartSize: part, MultipartThreshold: threshold, PartConcurrency: jobs}})
	case gateway.COS:
		b, err = cos.New(cos.Options{Common: provider.Common{Name: name, Endpoint: c.gw.URL(), Region: c.spec.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, PartSize: part, MultipartThreshold: threshold, PartConcurrency: jobs}})
	default:
		t.Fatalf("no backend for dialect %q", c.spec.dialect)
	}
	if err != nil {
		t.Fatalf("backend %s: %v", name, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// rewriteInPlace flips every byte of the file at path in place (same size)
// and pins its modification time to Jan 1 of year, distinct from any
// earlier write's.
func rewriteInPlace(t testing.TB, path string, year int) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	for i := range b {
		b[i] ^= 0xff
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	f.WriteAt(b, 0)
	f.Close()
	at := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	os.Chtimes(path, at, at)
}

// TestSoakFilesChangingUnderFaults: 2,000 files (1 B to 4 KiB) uploaded 16
// at a time over a cloud with random faults (500, 503 SlowDown, resets, cut replies)
// and the local backup, while a second goroutine replaces files with new
// versions (a new file renamed over the old, as editors save): for each
// try started, that file or a random one, 1,500 at most. Each file is uploaded
// as the command does: from a new uploader.File, again when File.Check says
// it changed, three tries at most. Then:
//   - every file is stored or failed with "changed while being uploaded"
//     (nothing else, nothing silently missing), and whatever a failed
//     file left stored is a whole version of it;
//   - every stored object is byte-identical to some whole version of its
//     file, and its MD5 is the one reported (Result.MD5 or File.MD5);
//   - nothing is stored twice: a file stored by its first try is in the
//     one place its Result names, no other bucket and not the backup;
//   - no multipart upload is left behind: 8 of the files are 6 MiB and
//     more, sent in 5 MiB parts, and the faults hit initiate, parts and
//     complete too.
func TestSoakFilesChangingUnderFaults(t *testing.T) {
	srv := miniotest.Shared(t)
	clouds := []*cloud{
		newCloud(t, srv, cloudSpec{dialect: gateway.OSS, name: "oss-soak", region: "cn-hangzhou", seed: 52}),
	}
	byName := map[string]*cloud{}
	for _, c := range clouds {
		byName[c.spec.name] = c
		// Objects over 5 MiB go in 5 MiB parts, so that the big files
		// below are multipart uploads.
		ak, sk := c.gw.Credentials()
		mb, err := oss.New(oss.Options{Common: provider.Common{Name: c.spec.name, Endpoint: c.gw.URL(), Region: c.spec.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, MultipartThreshold: 5 << 20, PartSize: 5 << 20}})
		if err != nil {
			t.Fatal(err)
		}
		_ = c.b.Close()
		c.b = mb // closed by newCloud's cleanup
		for _, f := range []struct {
			a gateway.Action
			p float64
		}{{gateway.InternalError(), 0.05}, {slowDownNoWait, 0.05}, {gateway.Reset(), 0.03}, {gateway.Truncate(), 0.02}} {
			c.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut, gateway.OpInitiate, gateway.OpUploadPart, gateway.OpComplete},
				Action: f.a, Probability: f.p, Times: 500})
		}
	}
	backup := newBackup(t)
	u := newFailover(t, clouds, backup, failover.Options{
		Breaker: failover.BreakerOptions{Failures: 10, Window: time.Second, OpenTimeout: 100 * time.Millisecond},
		Retry:   failover.RetryOptions{MaxAttempts: 2, Budget: 3, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
	}, nil)

	const (
		total       = 2000
		concurrency = 16
		maxRewrites = 1500
		tries       = 3
	)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 7))
	var mu sync.Mutex
	versions := map[string]map[string]bool{} // key -> MD5s of every version written
	key := func(i int) string { return fmt.Sprintf("soak/%04d", i) }
	content := func(seed uint64) []byte { return backendtest.Data(int64(1+seed%(4<<10)), seed) }
	big := func(i int) bool { return i%250 == 0 } // 8 files of 6 MiB and more: multipart
	for i := range total {
		data := content(uint64(i) * 7919)
		if big(i) {
			data = backendtest.Data(6<<20+int64(i), uint64(i))
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d", i)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		versions[key(i)] = map[string]bool{md5hex(data): true}
	}

	// The rewriter: for every try started, a new version of that file (one
	// time in two) or of a random one, written while the try runs, or
	// before or after it: the outcome must be right in every case.
	tick := make(chan int, total*tries)
	done := make(chan struct{})
	var rewrites atomic.Int64
	var rw sync.WaitGroup
	rw.Go(func() {
		for n := 0; n < maxRewrites; n++ {
			var i int
			select {
			case i = <-tick:
			case <-done:
				return
			}
			if rng.IntN(2) == 0 {
				i = rng.IntN(total)
			}
			data := content(rng.Uint64())
			mu.Lock()
			versions[key(i)][md5hex(data)] = true
			mu.Unlock()
			tmp := filepath.Join(dir, fmt.Sprintf(".tmp-%d", n))
			if err := os.WriteFile(tmp, data, 0o644); err != nil {
				t.Error(err)
				return
			}
			if err := os.Rename(tmp, filepath.Join(dir, fmt.Sprintf("%04d", i))); err != nil {
				t.Error(err)
				return
			}
			rewrites.Add(1)
		}
	})

	type outcome struct {
		res   uploader.Result
		err   error
		md5   string
		tries int
	}
	out := make([]outcome, total)
	var wg sync.WaitGroup
	next := make(chan int)
	for range concurrency {
		wg.Go(func() {
			for i := range next {
				path := filepath.Join(dir, fmt.Sprintf("%04d", i))
				var o outcome
				for o.tries = 1; ; o.tries++ {
					f, err := uploader.NewFile(key(i), path)
					if err != nil {
						o.err = err
						break
					}
					tick <- i
					o.res, o.err = tryUpload(u, f.Object())
					changed := f.Check()
					if changed == nil {
						o.md5 = o.res.MD5
						if o.md5 == "" && f.MD5() != nil {
							o.md5 = fmt.Sprintf("%x", f.MD5())
						}
						break
					}
					if o.tries == tries {
						o.err = changed
						break
					}
				}
				out[i] = o
			}
		})
	}
	for i := range total {
		next <- i
	}
	close(next)
	wg.Wait()
	close(done)
	rw.Wait()

	held := spooled(t, backup)
	// Where each key is: the cloud buckets and the backup.
	where := map[string][]string{}
	for _, c := range clouds {
		for _, k := range c.keys(t) {
			where[k] = append(where[k], c.spec.name)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		for u := range c.srv.Client().ListIncompleteUploads(ctx, c.bucket, "", true) {
			if u.Err != nil {
				t.Fatalf("listing the multipart uploads of %s: %v", c.spec.name, u.Err)
			}
			t.Errorf("%s: multipart upload %s of %s left behind", c.spec.name, u.UploadID, u.Key)
		}
		cancel()
	}
	for k := range held {
		where[k] = append(where[k], "local")
	}
	stored, changed := 0, 0
	for i, o := range out {
		k := key(i)
		if o.err != nil {
			if uploader.KindOf(o.err) != uploader.Invalid || !strings.Contains(o.err.Error(), "changed while being uploaded") {
				t.Errorf("%s failed, not for a change: %v (attempts %v)", k, o.err, kinds(o.res.Attempts))
			}
			changed++
			for _, c := range clouds {
				if got, ok := c.read(t, k); ok && !versions[k][md5hex(got)] {
					t.Errorf("%s failed as changed; %s holds %d bytes that are no version of it", k, c.spec.name, len(got))
				}
			}
			if got, ok := held[k]; ok && !versions[k][md5hex(got)] {
				t.Errorf("%s failed as changed; the backup holds %d bytes that are no version of it", k, len(got))
			}
			continue
		}
		var got []byte
		var ok bool
		if o.res.BackedUp {
			got, ok = held[k]
		} else if c := byName[o.res.Target]; c != nil {
			got, ok = c.read(t, k)
		}
		if !ok {
			t.Errorf("%s: stored on %q per its Result, but not there", k, o.res.Target)
			continue
		}
		stored++
		// Nothing stored twice: a file stored by its first try is in one
		// place only (a later try, after a change, may have gone elsewhere).
		if o.tries == 1 && (len(where[k]) != 1 || where[k][0] != placeOf(o.res)) {
			t.Errorf("%s, stored on %s by its first try, is in %v", k, placeOf(o.res), where[k])
		}
		sum := md5hex(got)
		if !versions[k][sum] {
			t.Errorf("%s on %s: %d bytes, MD5 %s, which is no version of the file (tries %d)", k, o.res.Target, len(got), sum, o.tries)
		}
		if o.md5 != sum {
			t.Errorf("%s on %s: reported MD5 %q, stored %s", k, o.res.Target, o.md5, sum)
		}
	}
	retried := 0
	kc := map[uploader.Kind]int{}
	for _, o := range out {
		if o.tries > 1 {
			retried++
		}
		for _, a := range o.res.Attempts {
			kc[a.Kind]++
		}
	}
	t.Logf("%d stored (%d read again after a change), %d failed as changed, %d rewrites; attempts %v; %d part requests, %d of them faulted",
		stored, retried, changed, rewrites.Load(), kc, clouds[0].gw.Count(gateway.OpUploadPart), clouds[0].gw.CountOutcome(gateway.OpUploadPart, gateway.OutcomeFaulted))
	if stored+changed != total {
		t.Errorf("%d stored + %d changed != %d files", stored, changed, total)
	}
}

// placeOf names where res says the object is, as the soak test lists
// places: the cloud target's name, or "local" for the backup.
func placeOf(res uploader.Result) string {
	if res.BackedUp {
		return "local"
	}
	return res.Target
}
