package integration_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/minio/minio-go/v7"
	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }

// stallTimeout is the response-header timeout of the stall scenario's
// client: how long a stalled request lasts. Other clients get
// normalTimeout, room for MinIO to store a part on a loaded machine.
const (
	stallTimeout  = 500 * time.Millisecond
	normalTimeout = 60 * time.Second
)

// sdkHarness is one vendor SDK, a gateway of its dialect and a bucket.
type sdkHarness struct {
	t      *testing.T
	srv    *miniotest.Server
	gw     *gateway.Gateway
	v      vendor
	bucket string
}

func newSDKHarness(t *testing.T, srv *miniotest.Server, v vendor) *sdkHarness {
	t.Helper()
	gw, err := gateway.Start(gateway.Options{Dialect: v.dialect, Upstream: gateway.MinIO(srv)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	return &sdkHarness{t: t, srv: srv, gw: gw, v: v, bucket: srv.NewBucket(t, "sdk-"+strings.ReplaceAll(v.name, " ", ""))}
}

// client returns an SDK client with the gateway's keys (or ak/sk when
// given) and a transport whose response-header timeout is normalTimeout.
func (h *sdkHarness) client(ak, sk string) sdkClient {
	h.t.Helper()
	return h.clientTimeout(ak, sk, normalTimeout)
}

func (h *sdkHarness) clientTimeout(ak, sk string, headerTimeout time.Duration) sdkClient {
	h.t.Helper()
	gak, gsk := h.gw.Credentials()
	if ak == "" {
		ak = gak
	}
	if sk == "" {
		sk = gsk
	}
	tr := &http.Transport{ResponseHeaderTimeout: headerTimeout, DisableCompression: true}
	h.t.Cleanup(tr.CloseIdleConnections)
	c, err := h.v.newSDK(h.gw, h.bucket, ak, sk, tr)
	if err != nil {
		h.t.Fatalf("%s client: %v", h.v.name, err)
	}
	return c
}

// stored returns the object as MinIO holds it, read with minio-go.
func (h *sdkHarness) stored(key string) ([]byte, bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := h.srv.Client()
	if _, err := c.StatObject(ctx, h.bucket, key, minio.StatObjectOptions{}); err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, false
		}
		h.t.Fatalf("stat %s: %v", key, err)
	}
	obj, err := c.GetObject(ctx, h.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		h.t.Fatalf("get %s: %v", key, err)
	}
	data, err := readAll(obj)
	if err != nil {
		h.t.Fatalf("read %s: %v", key, err)
	}
	return data, true
}

// lastID is the request ID the gateway sent with its last reply.
func (h *sdkHarness) lastID() string {
	recs := h.gw.Records()
	if len(recs) == 0 {
		return ""
	}
	return recs[len(recs)-1].ID
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// matrix collects what each SDK returned, to print the table.
var matrix = struct {
	sync.Mutex
	cells map[string]map[string]string
}{cells: map[string]map[string]string{}}

func note(vendorName, scenario, what string) {
	matrix.Lock()
	defer matrix.Unlock()
	if matrix.cells[vendorName] == nil {
		matrix.cells[vendorName] = map[string]string{}
	}
	matrix.cells[vendorName][scenario] = what
}

var scenarios = []string{"valid put", "multipart", "wrong secret", "unknown key", "skew +31 min", "503 SlowDown", "reset", "stall"}

// TestSDKMatrix runs every scenario of the issue-3 table on every SDK:
// vendor × {valid put, multipart, wrong secret, unknown key, skew +31 min,
// 503 SlowDown, reset, stall}, through a gateway of the vendor's dialect in
// front of the real MinIO. Each cell asserts what the raw SDK returned; set
// UPLOAD_PRINT_MATRIX=1 to print the table.
func TestSDKMatrix(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, v := range vendors {
		t.Run(strings.ReplaceAll(v.name, " ", "_"), func(t *testing.T) {
			h := newSDKHarness(t, srv, v)
			for _, sc := range matrixScenarios {
				t.Run(strings.ReplaceAll(sc.name, " ", "_"), func(t *testing.T) {
					h.t = t
					h.gw.ClearFaults()
					h.gw.SetClockOffset(0)
					h.gw.ResetCounts()
					sc.run(t, h)
				})
			}
		})
	}
	if os.Getenv("UPLOAD_PRINT_MATRIX") == "1" {
		printMatrix(t)
	}
}

type scenario struct {
	name string
	run  func(t *testing.T, h *sdkHarness)
}

var matrixScenarios = []scenario{
	{"valid put", testValidPut},
	{"multipart", testMultipart},
	{"wrong secret", testWrongSecret},
	{"unknown key", testUnknownKey},
	{"skew +31 min", testSkew},
	{"503 SlowDown", testSlowDown},
	{"reset", testReset},
	{"stall", testStall},
	// Beyond the table:
	{"skew corrected", testSkewCorrected},
	{"missing bucket", testMissingBucket},
	{"500", testInternalError},
	{"429", testTooManyRequests},
	{"truncate", testTruncate},
	{"upload helper", testUploadHelper},
}

var extraScenarios = []string{"skew corrected", "missing bucket", "500", "429", "truncate", "upload helper"}

func testValidPut(t *testing.T, h *sdkHarness) {
	data := randomBytes(256<<10 + 3)
	ctx := context.Background()
	if err := h.client("", "").Put(ctx, "valid/put.bin", data); err != nil {
		t.Fatalf("put: %v", err)
	}
	got, ok := h.stored("valid/put.bin")
	if !ok || !bytes.Equal(got, data) {
		t.Fatalf("MinIO holds %d bytes (exists=%v), want the %d written", len(got), ok, len(data))
	}
	if n := h.gw.CountOutcome(gateway.OpPut, gateway.OutcomeForwarded); n != 1 {
		t.Fatalf("gateway forwarded %d puts, want 1", n)
	}
	note(h.v.name, "valid put", "nil; bytes identical in MinIO")
}

func testMultipart(t *testing.T, h *sdkHarness) {
	parts := [][]byte{randomBytes(5 << 20), randomBytes(1<<20 + 7)}
	ctx := context.Background()
	if err := h.client("", "").Multipart(ctx, "multi/part.bin", parts); err != nil {
		t.Fatalf("multipart: %v", err)
	}
	got, ok := h.stored("multi/part.bin")
	want := bytes.Join(parts, nil)
	if !ok || !bytes.Equal(got, want) {
		t.Fatalf("MinIO holds %d bytes (exists=%v), want the %d written", len(got), ok, len(want))
	}
	for op, n := range map[gateway.Op]int{gateway.OpInitiate: 1, gateway.OpUploadPart: 2, gateway.OpComplete: 1} {
		if c := h.gw.CountOutcome(op, gateway.OutcomeForwarded); c != n {
			t.Fatalf("gateway forwarded %d %s, want %d", c, op, n)
		}
	}
	note(h.v.name, "multipart", "nil; bytes identical in MinIO")
}

// failedPut puts with client c, expects an error and no object, and checks
// that exactly one PUT reached the gateway.
func failedPut(t *testing.T, h *sdkHarness, c sdkClient, key string) observed {
	t.Helper()
	err := c.Put(context.Background(), key, randomBytes(64<<10))
	if err == nil {
		t.Fatalf("put succeeded, want an error")
	}
	o := c.Observe(err)
	t.Logf("%s: %v", h.v.name, o)
	if _, ok := h.stored(key); ok {
		t.Fatalf("the failed put left an object")
	}
	if n := h.gw.Count(gateway.OpPut); n != 1 {
		t.Fatalf("the gateway saw %d puts, want 1 (SDK retries must be off)", n)
	}
	return o
}

// wantServerError asserts the status, code and request ID a vendor reply
// carried.
func wantServerError(t *testing.T, h *sdkHarness, o observed, status int, code string) {
	t.Helper()
	if o.Status != status || o.Code != code {
		t.Fatalf("SDK error: %v, want status %d code %s", o, status, code)
	}
	if want := h.lastID(); o.RequestID != want {
		t.Fatalf("SDK request ID %q, want the gateway's %q", o.RequestID, want)
	}
	if o.Date == "" {
		t.Fatalf("SDK error exposes no server Date: %v", o)
	}
	if want := wantTypes[h.v.dialect]; o.Type != want {
		t.Fatalf("SDK error type %s, want %s", o.Type, want)
	}
}

// wantTypes are the error types the SDKs return for a server reply.
var wantTypes = map[gateway.Dialect]string{
	gateway.TOS: "*tos.TosServerError",
	gateway.OSS: "oss.ServiceError",
	gateway.OBS: "obs.ObsError",
	gateway.COS: "*cos.ErrorResponse",
}

func describe(o observed, extra string) string {
	s := fmt.Sprintf("`%s` %d %s", o.Type, o.Status, o.Code)
	if o.EC != "" {
		s += " EC " + o.EC
	}
	if extra != "" {
		s += "; " + extra
	}
	return s
}

// wantEC are the detailed codes the SDKs surface (only TOS and OSS have
// them, and the gateway sends only the documented ones).
var wantEC = map[string]map[string]string{
	"TOS":    {"wrong secret": "0002-00000024", "skew +31 min": "0002-00000018"},
	"OSS V1": {"wrong secret": "0002-00000040", "skew +31 min": "0002-00000504"},
	"OSS V4": {"skew +31 min": "0002-00000504"},
}

func checkEC(t *testing.T, h *sdkHarness, scenario string, o observed) {
	t.Helper()
	if want := wantEC[h.v.name][scenario]; o.EC != want {
		t.Fatalf("SDK error EC %q, want %q", o.EC, want)
	}
}

func testWrongSecret(t *testing.T, h *sdkHarness) {
	_, sk := h.gw.Credentials()
	o := failedPut(t, h, h.client("", sk+"-wrong"), "auth/wrong-secret")
	wantServerError(t, h, o, http.StatusForbidden, "SignatureDoesNotMatch")
	checkEC(t, h, "wrong secret", o)
	note(h.v.name, "wrong secret", describe(o, ""))
}

func testUnknownKey(t *testing.T, h *sdkHarness) {
	o := failedPut(t, h, h.client("unknownkey", ""), "auth/unknown-key")
	wantServerError(t, h, o, http.StatusForbidden, "InvalidAccessKeyId")
	checkEC(t, h, "unknown key", o)
	note(h.v.name, "unknown key", describe(o, ""))
}

func testSkew(t *testing.T, h *sdkHarness) {
	h.gw.SetClockOffset(31 * time.Minute)
	o := failedPut(t, h, h.client("", ""), "clock/skew")
	wantServerError(t, h, o, http.StatusForbidden, "RequestTimeTooSkewed")
	checkEC(t, h, "skew +31 min", o)
	server, err := http.ParseTime(o.Date)
	if err != nil {
		t.Fatalf("server Date %q: %v", o.Date, err)
	}
	// The Date the SDK exposes is the gateway's skewed clock.
	if skew := time.Until(server); skew < 30*time.Minute || skew > 32*time.Minute {
		t.Fatalf("server Date is %v from now, want about +31m", skew)
	}
	note(h.v.name, "skew +31 min", describe(o, "Date = local +31 min"))
}

func testSlowDown(t *testing.T, h *sdkHarness) {
	h.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.SlowDown(), Times: 1})
	o := failedPut(t, h, h.client("", ""), "fault/slowdown")
	wantServerError(t, h, o, http.StatusServiceUnavailable, "SlowDown")
	if o.Retry != "1" {
		t.Fatalf("Retry-After %q, want 1", o.Retry)
	}
	// The fault was bounded to one request: the next put goes through.
	if err := h.client("", "").Put(context.Background(), "fault/slowdown", []byte("x")); err != nil {
		t.Fatalf("put after the fault: %v", err)
	}
	note(h.v.name, "503 SlowDown", describe(o, "Retry-After 1; 1 request"))
}

func testReset(t *testing.T, h *sdkHarness) {
	h.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.Reset(), Times: 1})
	o := failedPut(t, h, h.client("", ""), "fault/reset")
	if o.Status != 0 || o.Network == "" || o.Timeout {
		t.Fatalf("SDK error %v, want a network error that is not a timeout", o)
	}
	if want := wantNetTypes[h.v.dialect]; o.Type != want {
		t.Fatalf("SDK error type %s, want %s", o.Type, want)
	}
	note(h.v.name, "reset", fmt.Sprintf("`%s`: %s", o.Type, o.Network))
}

func testStall(t *testing.T, h *sdkHarness) {
	h.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.Stall(), Times: 1})
	o := failedPut(t, h, h.clientTimeout("", "", stallTimeout), "fault/stall")
	if o.Status != 0 || !o.Timeout {
		t.Fatalf("SDK error %v, want a timeout", o)
	}
	if want := wantNetTypes[h.v.dialect]; o.Type != want {
		t.Fatalf("SDK error type %s, want %s", o.Type, want)
	}
	note(h.v.name, "stall", fmt.Sprintf("`%s`: %s (Timeout()=true)", o.Type, o.Network))
}

// testSkewCorrected signs at the gateway's skewed time, as a client that
// learned the offset from the server Date does: the request passes. For OBS
// this holds because the gateway verifies V2/V4 itself (MinIO, checking the
// real clock, would refuse it).
func testSkewCorrected(t *testing.T, h *sdkHarness) {
	h.gw.SetClockOffset(31 * time.Minute)
	data := randomBytes(10 << 10)
	if err := h.client("", "").PutAt(context.Background(), "clock/corrected", data, time.Now().Add(31*time.Minute)); err != nil {
		t.Fatalf("put signed at the gateway's time: %v", err)
	}
	if got, ok := h.stored("clock/corrected"); !ok || !bytes.Equal(got, data) {
		t.Fatalf("MinIO holds %d bytes (exists=%v), want the %d written", len(got), ok, len(data))
	}
	note(h.v.name, "skew corrected", "nil (signed at local +31 min)")
}

// testMissingBucket checks that MinIO's own error is re-rendered in the
// vendor's format with its status and code.
func testMissingBucket(t *testing.T, h *sdkHarness) {
	saved := h.bucket
	h.bucket = miniotest.UniqueBucketName("missing")
	defer func() { h.bucket = saved }()
	c := h.client("", "")
	err := c.Put(context.Background(), "k", []byte("x"))
	if err == nil {
		t.Fatal("put to a missing bucket succeeded")
	}
	o := c.Observe(err)
	wantServerError(t, h, o, http.StatusNotFound, "NoSuchBucket")
	note(h.v.name, "missing bucket", describe(o, "from MinIO"))
}

func testInternalError(t *testing.T, h *sdkHarness) {
	h.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.InternalError(), Times: 1})
	o := failedPut(t, h, h.client("", ""), "fault/500")
	wantServerError(t, h, o, http.StatusInternalServerError, "InternalError")
	note(h.v.name, "500", describe(o, ""))
}

func testTooManyRequests(t *testing.T, h *sdkHarness) {
	h.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.TooManyRequests(), Times: 1})
	o := failedPut(t, h, h.client("", ""), "fault/429")
	wantServerError(t, h, o, http.StatusTooManyRequests, "TooManyRequests")
	if o.Retry != "1" {
		t.Fatalf("Retry-After %q, want 1", o.Retry)
	}
	note(h.v.name, "429", describe(o, ""))
}

// testTruncate cuts the reply after MinIO stored the object: the SDK fails
// although the object exists (the case a retry must handle).
func testTruncate(t *testing.T, h *sdkHarness) {
	h.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.Truncate(), Times: 1})
	c := h.client("", "")
	data := randomBytes(32 << 10)
	err := c.Put(context.Background(), "fault/truncate", data)
	if err == nil {
		t.Fatal("put with a truncated reply succeeded")
	}
	o := c.Observe(err)
	t.Logf("%s: %v", h.v.name, o)
	if o.Status != 0 || o.Network == "" {
		t.Fatalf("SDK error %v, want a network error", o)
	}
	if got, ok := h.stored("fault/truncate"); !ok || !bytes.Equal(got, data) {
		t.Fatalf("MinIO holds %d bytes (exists=%v), want the object stored before the reply was cut", len(got), ok)
	}
	note(h.v.name, "truncate", fmt.Sprintf("`%s`: %s; object stored", o.Type, o.Network))
}

// testUploadHelper runs the SDK's own multipart helper where it checks the
// combined CRC-64 of the whole object (TOS UploadFile, COS Upload): the
// gateway's combined CRC must match.
func testUploadHelper(t *testing.T, h *sdkHarness) {
	c, ok := h.client("", "").(fileUploader)
	if !ok {
		t.Skipf("%s: no helper that checks the combined CRC-64", h.v.name)
	}
	data := randomBytes(11<<20 + 5) // three parts of 5 MiB
	if err := c.UploadFile(context.Background(), "helper/file.bin", data, t.TempDir()); err != nil {
		t.Fatalf("upload helper: %v", err)
	}
	if got, ok := h.stored("helper/file.bin"); !ok || !bytes.Equal(got, data) {
		t.Fatalf("MinIO holds %d bytes (exists=%v), want the %d written", len(got), ok, len(data))
	}
	note(h.v.name, "upload helper", "nil; combined CRC-64 accepted")
}

// wantNetTypes are the error types the SDKs return for a network failure.
var wantNetTypes = map[gateway.Dialect]string{
	gateway.TOS: "*tos.TosClientError",
	gateway.OSS: "*url.Error",
	gateway.OBS: "*url.Error",
	gateway.COS: "*cos.RetryError",
}

func printMatrix(t *testing.T) {
	matrix.Lock()
	defer matrix.Unlock()
	var b strings.Builder
	b.WriteString("| SDK | " + strings.Join(scenarios, " | ") + " |\n|---|")
	b.WriteString(strings.Repeat("---|", len(scenarios)) + "\n")
	names := make([]string, 0, len(matrix.cells))
	for n := range matrix.cells {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.WriteString("| " + n + " |")
		for _, s := range scenarios {
			b.WriteString(" " + matrix.cells[n][s] + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n| SDK | " + strings.Join(extraScenarios, " | ") + " |\n|---|")
	b.WriteString(strings.Repeat("---|", len(extraScenarios)) + "\n")
	for _, n := range names {
		b.WriteString("| " + n + " |")
		for _, s := range extraScenarios {
			b.WriteString(" " + matrix.cells[n][s] + " |")
		}
		b.WriteString("\n")
	}
	t.Logf("\n%s", b.String())
}

// TestVirtualHostAddressing sends the SDKs' default, virtual-host form
// ("<bucket>.<domain>", path "/key") to a gateway with Options.Domain, with
// a dialer that sends every *.gw.test name to the gateway: OSS V1 and COS
// in its native form (BucketURL http://<bucket>.gw.test, no path rewriting).
func TestVirtualHostAddressing(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, d := range []gateway.Dialect{gateway.OSS, gateway.COS} {
		t.Run(string(d), func(t *testing.T) {
			gw, err := gateway.Start(gateway.Options{Dialect: d, Upstream: gateway.MinIO(srv), Domain: "gw.test"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = gw.Close() })
			bucket := srv.NewBucket(t, "vhost")
			tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var dl net.Dialer
				return dl.DialContext(ctx, network, gw.Endpoint())
			}}
			t.Cleanup(tr.CloseIdleConnections)
			_, port, _ := net.SplitHostPort(gw.Endpoint())
			ak, sk := gw.Credentials()
			data := randomBytes(70 << 10)
			switch d {
			case gateway.OSS:
				c, err := oss.New("http://gw.test:"+port, ak, sk, oss.HTTPClient(&http.Client{Transport: tr}))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := c.Bucket(bucket)
				if err := b.PutObject("v/obj", bytes.NewReader(data)); err != nil {
					t.Fatalf("OSS virtual-host put: %v", err)
				}
			case gateway.COS:
				u, _ := url.Parse("http://" + bucket + ".gw.test:" + port)
				c := cos.NewClient(&cos.BaseURL{BucketURL: u}, &http.Client{Transport: &cos.AuthorizationTransport{SecretID: ak, SecretKey: sk, Transport: tr}})
				c.Conf.RetryOpt.Count = 1
				if _, err := c.Object.Put(context.Background(), "v/obj", bytes.NewReader(data), nil); err != nil {
					t.Fatalf("COS virtual-host put: %v", err)
				}
			}
			h := &sdkHarness{t: t, srv: srv, gw: gw, bucket: bucket}
			if got, ok := h.stored("v/obj"); !ok || !bytes.Equal(got, data) {
				t.Fatalf("MinIO holds %d bytes (exists=%v), want the %d written", len(got), ok, len(data))
			}
			if recs := gw.Records(); len(recs) != 1 || recs[0].Bucket != bucket || recs[0].Key != "v/obj" {
				t.Fatalf("gateway records %+v", recs)
			}
		})
	}
}

// awkwardKeys exercise each dialect's canonical path and query encoding.
// MinIO itself refuses keys with an empty segment ("a//b") with 400
// XMinioInvalidObjectName, whatever the gateway does, so none is here.
var awkwardKeys = []string{
	"space in/name.txt",
	"plus+and=equals&amp;semi;colon,comma",
	"unicode/中文/файл/ünï.bin",
	"percent%41literal",
	"tilde~star*paren(x)!quote'",
	"question?mark#hash",
	"a/very/deep/" + strings.Repeat("seg/", 20) + "leaf",
}

// TestSDKAwkwardKeys puts awkward keys through every SDK: the gateway's
// signature check must agree with each SDK's encoding of them.
func TestSDKAwkwardKeys(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, v := range vendors {
		t.Run(strings.ReplaceAll(v.name, " ", "_"), func(t *testing.T) {
			h := newSDKHarness(t, srv, v)
			c := h.client("", "")
			for _, key := range awkwardKeys {
				data := []byte("data of " + key)
				if err := c.Put(context.Background(), key, data); err != nil {
					t.Errorf("put %q: %v", key, err)
					continue
				}
				if got, ok := h.stored(key); !ok || !bytes.Equal(got, data) {
					t.Errorf("key %q: MinIO holds %q (exists=%v)", key, got, ok)
				}
			}
		})
	}
}

// TestSDKObjectLifecycle stats, reads back and deletes through every SDK,
// and checks what a HEAD of a missing object gives (status only: HEAD
// errors have no body).
func TestSDKObjectLifecycle(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, v := range vendors {
		t.Run(strings.ReplaceAll(v.name, " ", "_"), func(t *testing.T) {
			h := newSDKHarness(t, srv, v)
			c := h.client("", "")
			ops := c.(objectOps)
			ctx := context.Background()
			data := randomBytes(300<<10 + 1)
			if err := c.Put(ctx, "life/obj", data); err != nil {
				t.Fatalf("put: %v", err)
			}
			if n, err := ops.Stat(ctx, "life/obj"); err != nil || n != int64(len(data)) {
				t.Fatalf("stat: %d, %v; want %d", n, err, len(data))
			}
			if got, err := ops.Get(ctx, "life/obj"); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("get: %d bytes, %v", len(got), err)
			}
			if err := ops.Delete(ctx, "life/obj"); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if _, ok := h.stored("life/obj"); ok {
				t.Fatal("the object survived delete")
			}
			_, err := ops.Stat(ctx, "life/obj")
			if err == nil {
				t.Fatal("stat of a deleted object succeeded")
			}
			if o := c.Observe(err); o.Status != http.StatusNotFound {
				t.Fatalf("stat of a deleted object: %v, want status 404", o)
			}
			for op, n := range map[gateway.Op]int{gateway.OpHead: 2, gateway.OpGet: 1, gateway.OpDelete: 1} {
				if got := h.gw.Count(op); got != n {
					t.Errorf("gateway saw %d %s, want %d", got, op, n)
				}
			}
		})
	}
}
