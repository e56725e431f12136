package integration_test

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"io"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// The scenarios of a real network: the gateway's emulated link (a one-way
// delay and a bandwidth cap each way, shared by every connection of the
// backend) and its drifting clock.

// patternBody is a large body computed from its offsets, so that a 2 GiB
// upload needs neither 2 GiB of memory nor of disk: a 1 MiB random block
// repeated, each repetition starting with its index (8 bytes, big-endian),
// so that no two MiB are alike. Reads are copies, cheap even under -race.
type patternBody struct {
	block []byte
	size  int64
}

func newPatternBody(size int64, seed uint64) patternBody {
	return patternBody{block: backendtest.Data(1<<20, seed), size: size}
}

func (p patternBody) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.size {
		return 0, io.EOF
	}
	n := len(b)
	if rest := p.size - off; int64(n) > rest {
		n = int(rest)
	}
	bs := int64(len(p.block))
	var idx [8]byte
	for i := 0; i < n; {
		pos := off + int64(i)
		j := int(pos % bs)
		c := copy(b[i:n], p.block[j:])
		if j < len(idx) {
			binary.BigEndian.PutUint64(idx[:], uint64(pos/bs))
			copy(b[i:i+c], idx[j:])
		}
		i += c
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (patternBody) Close() error { return nil }

func (p patternBody) object(key string) uploader.Object {
	return uploader.Object{Key: key, Size: p.size, Open: func() (uploader.Body, error) { return p, nil }}
}

// md5Hex is the MD5 of the whole body.
func (p patternBody) md5Hex() string {
	h := md5.New()
	_, _ = io.Copy(h, io.NewSectionReader(p, 0, p.size))
	return hex.EncodeToString(h.Sum(nil))
}

// storedMD5 streams key from MinIO and returns its size and MD5.
func storedMD5(t *testing.T, srv *miniotest.Server, bucket, key string) (int64, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	o, err := srv.Client().GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatalf("reading %s back: %v", key, err)
	}
	defer o.Close()
	h := md5.New()
	n, err := io.Copy(h, o)
	if err != nil {
		t.Fatalf("reading %s back: %v", key, err)
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

// TestScenarioLargeFileSlowLink: 2 GiB to TOS over a link of 20 MB/s
// each way and a 40 ms round trip, a multipart upload of 128 parts of 16
// MiB, four at a time, through the failover Uploader with its defaults
// (no attempt timeout, the 2-minute stall watchdog). It completes on the
// first attempt: one initiate, every part sent once, one complete, the
// bytes in MinIO those of the file. At 20 MB/s it takes about 110 s (the
// time is logged, never asserted); before the stall watchdog replaced the
// fixed 10-minute attempt timeout, a slower link timed out and restarted
// from zero. -short runs 256 MiB instead.
func TestScenarioLargeFileSlowLink(t *testing.T) {
	size := int64(2 << 30)
	if testing.Short() {
		size = 256 << 20
	}
	srv := miniotest.Shared(t)
	spec := cloudSpec{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing",
		link: gateway.SymmetricLink(40*time.Millisecond, 20_000_000)}
	c := newCloud(t, srv, spec)
	log := newEventLog()
	u := newFailover(t, []*cloud{c}, nil, failover.Options{}, log)
	body := newPatternBody(size, 77)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	res, err := u.Upload(ctx, body.object("wan/large"))
	took := time.Since(start)
	if err != nil {
		t.Fatalf("upload: %v (attempts %v)", err, kinds(res.Attempts))
	}
	wantAttempts(t, "large upload", res.Attempts, spec.name+"=ok")
	parts := int((size + 16<<20 - 1) / (16 << 20))
	if i, p, cm, a := c.gw.Count(gateway.OpInitiate), c.gw.Count(gateway.OpUploadPart), c.gw.Count(gateway.OpComplete), c.gw.Count(gateway.OpAbort); i != 1 || p != parts || cm != 1 || a != 0 {
		t.Errorf("gateway: %d initiates, %d parts, %d completes, %d aborts; want 1, %d, 1, 0 (every part sent once)", i, p, cm, a, parts)
	}
	if up, _ := c.gw.LinkBytes(); up < size {
		t.Errorf("the link carried %d bytes up, less than the %d of the file", up, size)
	}
	n, sum := storedMD5(t, srv, c.bucket, "wan/large")
	if want := body.md5Hex(); n != size || sum != want {
		t.Errorf("MinIO holds %d bytes, MD5 %s; want %d, %s", n, sum, size, want)
	}
	t.Logf("%d MiB over %s: %v, %.1f MB/s, first attempt", size>>20, c.gw.Link().RTT(), took.Round(time.Second), float64(size)/took.Seconds()/1e6)
}

// TestScenarioSkewSlowLink: for every vendor, a 20 MiB upload over a link
// of 2 MB/s each way and 40 ms of round trip, to a gateway whose clock
// runs 45 s ahead: the skew the backend measures is within a second of
// the gateway's offset. A round trip measured from the start of the body
// would read the server as ahead by half the ten-second transfer.
func TestScenarioSkewSlowLink(t *testing.T) {
	srv := miniotest.Shared(t)
	const truth = 45 * time.Second
	for _, spec := range []cloudSpec{
		{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing"},
		{dialect: gateway.OSS, name: "oss-hangzhou", region: "cn-hangzhou"},
		{dialect: gateway.OBS, name: "obs-beijing"},
		{dialect: gateway.COS, name: "cos-guangzhou"},
	} {
		t.Run(string(spec.dialect), func(t *testing.T) {
			t.Parallel() // separate gateways, separate links: the four links run side by side
			spec.link = gateway.SymmetricLink(40*time.Millisecond, slowLinkRate)
			c := newCloud(t, srv, spec)
			c.gw.SetClockOffset(truth)
			u := newFailover(t, []*cloud{c}, nil, failover.Options{StallTimeout: 10 * time.Second}, newEventLog())
			obj, data := object("wan/skew-20MiB", 20<<20, 23)
			res, err := u.Upload(context.Background(), obj)
			if err != nil {
				t.Fatalf("upload: %v (attempts %v)", err, kinds(res.Attempts))
			}
			wantAttempts(t, "slow upload", res.Attempts, spec.name+"=ok")
			wantStored(t, c, obj.Key, data)
			st := targetStats(t, u, spec.name)
			if !st.SkewKnown {
				t.Fatal("no skew measured")
			}
			t.Logf("%s: skew %v measured against a clock %v ahead, after 20 MiB at 2 MB/s, 40 ms RTT (took %v)",
				spec.name, st.Skew, truth, res.Attempts[0].Elapsed.Round(time.Millisecond))
			if d := st.Skew - truth; d.Abs() >= time.Second {
				t.Errorf("measured skew %v, the gateway's clock is %v ahead: off by %v, want under 1s", st.Skew, truth, d)
			}
		})
	}
}

// TestScenarioClockDrift: a server whose clock drifts. For every vendor,
// with skew correction on: an upload while the clocks agree is signed
// with the local time; then the gateway's clock drifts (10 minutes per
// second, until it is 16 minutes ahead, past every vendor's 15-minute
// window; then on at a second per second). The next upload is refused
// once (clock_skew), measured, signed again with the corrected time and
// stored; the one after is signed with the correction from the start, the
// estimate following the drift.
func TestScenarioClockDrift(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, spec := range []cloudSpec{
		{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing"},
		{dialect: gateway.OSS, name: "oss-hangzhou", region: "cn-hangzhou"},
		{dialect: gateway.OBS, name: "obs-beijing"},
		{dialect: gateway.COS, name: "cos-guangzhou"},
	} {
		t.Run(string(spec.dialect), func(t *testing.T) {
			c := newCloud(t, srv, spec)
			p := spec.name
			u := newFailover(t, []*cloud{c}, nil, failover.Options{Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}}, newEventLog())

			obj, data := object("drift/before", 2048, 5)
			res := mustUpload(t, u, obj)
			wantAttempts(t, "upload before the drift", res.Attempts, p+"=ok")
			wantStored(t, c, obj.Key, data)

			c.gw.SetClockDrift(10 * time.Minute)
			deadline := time.Now().Add(time.Minute)
			for c.gw.ClockOffset() < 16*time.Minute {
				if time.Now().After(deadline) {
					t.Fatalf("the clock drifted only to %v in a minute", c.gw.ClockOffset())
				}
				time.Sleep(20 * time.Millisecond)
			}
			c.gw.SetClockDrift(time.Second)

			obj, data = object("drift/past-window", 2048, 6)
			res = mustUpload(t, u, obj)
			wantAttempts(t, "upload past the window", res.Attempts, p+"=clock_skew", p+"=ok(corrected)")
			wantStored(t, c, obj.Key, data)
			wantNear(t, "the refused attempt's skew", res.Attempts[0].Skew, c.gw.ClockOffset())
			n := c.puts()

			obj, data = object("drift/after", 2048, 7)
			res = mustUpload(t, u, obj)
			wantAttempts(t, "next upload", res.Attempts, p+"=ok(corrected)")
			wantStored(t, c, obj.Key, data)
			if got := c.puts(); got != n+1 {
				t.Errorf("%d PUTs for the corrected upload, want 1", got-n)
			}
			st := targetStats(t, u, p)
			wantNear(t, "TargetStats.Skew", st.Skew, c.gw.ClockOffset())
			if st.State != failover.Closed || st.Opens != 0 {
				t.Errorf("breaker %s, %d opens; want closed, none", st.State, st.Opens)
			}
		})
	}
}

// wantNear fails t unless a measured skew is within skewTolerance of the
// gateway's offset.
func wantNear(t *testing.T, what string, got, offset time.Duration) {
	t.Helper()
	if (got - offset).Abs() > skewTolerance {
		t.Errorf("%s: %v, the gateway's clock is %v ahead", what, got, offset)
	}
}

// The large body reads the same whatever the offsets and sizes of the
// reads, and no two MiB of it are alike.
func TestPatternBody(t *testing.T) {
	p := newPatternBody(3<<20+5, 9)
	whole := make([]byte, p.size)
	if n, err := p.ReadAt(whole, 0); n != len(whole) || err != nil {
		t.Fatalf("ReadAt whole: %d, %v", n, err)
	}
	var pieces []byte
	buf := make([]byte, 100_003)
	for off := int64(0); ; {
		n, err := p.ReadAt(buf, off)
		pieces = append(pieces, buf[:n]...)
		off += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if string(pieces) != string(whole) {
		t.Fatal("reads in pieces differ from one read")
	}
	for i := 1; i < 3; i++ {
		if string(whole[i<<20:(i+1)<<20]) == string(whole[:1<<20]) {
			t.Errorf("MiB %d equals MiB 0", i)
		}
	}
}
