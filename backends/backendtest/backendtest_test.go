package backendtest_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/uploader"
)

// mem is an in-memory backend with a fault switch, to test the suite
// itself: the correct mem passes it, including the fault cases, and each
// broken variant must fail the cases that guard against its bug. Like the
// backends of a real harness, it has a long response timeout: a stall
// meets it only through [shortTimeout], the stall case's backend.
type mem struct {
	mu        sync.Mutex
	objects   map[string][]byte
	pending   int
	fault     backendtest.FaultType
	threshold int64
	broken    string
	missing   bool
	closed    bool
}

func (m *mem) Name() string { return "mem" }
func (m *mem) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = m.broken != "noclose"
	return nil
}

// closedErr is the error of a call after Close.
func (m *mem) closedErr() error {
	if m.closed {
		return &uploader.Error{Kind: uploader.Invalid, Message: "the backend is closed"}
	}
	return nil
}
func (m *mem) Describe() uploader.Description {
	return uploader.Description{Name: "mem", Provider: "mem"}
}
func (m *mem) ErrorKind(err error) uploader.Kind { return uploader.Unknown }
func (m *mem) Stat(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.closedErr(); err != nil {
		return uploader.ObjectInfo{}, err
	}
	b, ok := m.objects[key]
	if !ok {
		return uploader.ObjectInfo{}, &uploader.Error{Kind: uploader.Invalid, Status: 404, Code: "NoSuchKey"}
	}
	return uploader.ObjectInfo{Key: key, Size: int64(len(b))}, nil
}

func (m *mem) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	return m.put(ctx, obj, false)
}

// shortTimeout is the mem of the stall case: a backend over the same
// objects whose response timeout is short, so that a stall is a Timeout.
type shortTimeout struct{ *mem }

func (s shortTimeout) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	return s.put(ctx, obj, true)
}

func (m *mem) put(ctx context.Context, obj uploader.Object, short bool) (uploader.Result, error) {
	m.mu.Lock()
	fault, closed := m.fault, m.closedErr()
	m.mu.Unlock()
	if closed != nil {
		return uploader.Result{}, closed
	}
	if m.missing {
		return uploader.Result{}, &uploader.Error{Kind: uploader.BucketNotFound, Status: 404, Code: "NoSuchBucket"}
	}
	if fault != 0 {
		k := fault.WantKind()
		if fault == backendtest.FaultStall && !short {
			// A backend with the harness's long response timeout outwaits
			// the gateway, which resets the stalled connection.
			k = uploader.Unavailable
		}
		if m.broken == "faultkind" && fault == backendtest.Fault429 {
			k = uploader.Unavailable
		}
		return uploader.Result{}, &uploader.Error{Kind: k, Message: "injected " + fault.String()}
	}
	multipart := obj.Size > m.threshold
	if multipart {
		m.mu.Lock()
		m.pending++
		m.mu.Unlock()
	}
	var buf bytes.Buffer
	err := m.read(ctx, obj, &buf)
	if err == nil && int64(buf.Len()) != obj.Size {
		err = &uploader.Error{Kind: uploader.Integrity, Message: "short body"}
	}
	if err == nil && obj.MD5 != nil && m.broken != "nomd5" {
		if sum := md5.Sum(buf.Bytes()); !bytes.Equal(sum[:], obj.MD5) {
			err = &uploader.Error{Kind: uploader.Integrity, Message: "bad digest"}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if multipart && (err == nil || m.broken != "pending") {
		m.pending--
	}
	if err != nil {
		if m.broken == "partial" {
			m.objects[obj.Key] = buf.Bytes()
		}
		return uploader.Result{}, err
	}
	if _, ok := m.objects[obj.Key]; !ok || m.broken != "nooverwrite" {
		m.objects[obj.Key] = buf.Bytes()
	}
	return uploader.Result{URL: "mem://" + obj.Key, Size: int64(buf.Len())}, nil
}

func (m *mem) read(ctx context.Context, obj uploader.Object, w io.Writer) error {
	r, body, err := obj.Reader()
	if err != nil {
		return err
	}
	defer body.Close()
	progress := uploader.ProgressFunc(ctx)
	if m.broken == "noprogress" {
		progress = nil
	}
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(chunk)
		w.Write(chunk[:n])
		if progress != nil && n > 0 {
			progress(int64(n))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &uploader.Error{Kind: uploader.Invalid, Message: err.Error(), Err: err}
		}
	}
}

type memHarness struct{ m *mem }

func (h *memHarness) MakeBackend(ctx context.Context) (uploader.Backend, error) { return h.m, nil }
func (h *memHarness) MakeBackendForMissingBucket(ctx context.Context) (uploader.Backend, error) {
	return &mem{missing: true, objects: map[string][]byte{}}, nil
}
func (h *memHarness) MakeBackendForStall(ctx context.Context) (uploader.Backend, error) {
	if h.m.broken == "stallbackend" {
		return h.m, nil // the long timeout: the stall ends in a reset
	}
	return shortTimeout{h.m}, nil
}
func (h *memHarness) Read(ctx context.Context, key string) ([]byte, bool, error) {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	b, ok := h.m.objects[key]
	return bytes.Clone(b), ok, nil
}
func (h *memHarness) Keys(ctx context.Context) ([]string, error) {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	var keys []string
	for k := range h.m.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}
func (h *memHarness) PendingMultipart(ctx context.Context) (int, error) {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	return h.m.pending, nil
}
func (h *memHarness) MultipartThreshold() int64 { return h.m.threshold }
func (h *memHarness) Inject(f backendtest.Fault) bool {
	h.m.mu.Lock()
	h.m.fault = f.Type
	h.m.mu.Unlock()
	return true
}
func (h *memHarness) ClearFaults() { h.Inject(backendtest.Fault{}) }
func (h *memHarness) Close()       {}

func memMaker(broken string) backendtest.HarnessMaker {
	return func(ctx context.Context, t *testing.T) (backendtest.Harness, error) {
		return &memHarness{&mem{objects: map[string][]byte{}, threshold: 1 << 20, broken: broken}}, nil
	}
}

// TestSuiteOnMem runs the whole suite, fault cases included, against the
// correct in-memory backend.
func TestSuiteOnMem(t *testing.T) {
	backendtest.Run(t, memMaker(""))
}

const brokenEnv = "BACKENDTEST_BROKEN"

// TestBrokenHelper runs the suite against a broken mem, in a child process
// started by TestSuiteCatchesBugs.
func TestBrokenHelper(t *testing.T) {
	broken := os.Getenv(brokenEnv)
	if broken == "" {
		t.Skip("helper for TestSuiteCatchesBugs")
	}
	backendtest.Run(t, memMaker(broken))
}

// TestSuiteCatchesBugs checks that each kind of bug fails the case meant to
// catch it, and that the suite reports it under the case's stable name.
func TestSuiteCatchesBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite in child processes")
	}
	for broken, wantFailed := range map[string][]string{
		"partial":     {"Canceled/single", "Canceled/multipart", "BodyFails/single", "BodyFails/multipart", "ShortBody"},
		"nomd5":       {"ChecksumMismatch/single", "ChecksumMismatch/multipart"},
		"faultkind":   {"Faults/429"},
		"noprogress":  {"Progress"},
		"pending":     {"Canceled/multipart", "BodyFails/multipart"},
		"nooverwrite": {"Overwrite"},
		"noclose":     {"Closed"},
		// A stall case backend without the short timeout.
		"stallbackend": {"Faults/stall"},
	} {
		t.Run(broken, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenHelper$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+broken)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a backend broken with %q:\n%s", broken, out)
			}
			for _, name := range wantFailed {
				if !strings.Contains(string(out), fmt.Sprintf("--- FAIL: TestBrokenHelper/%s ", name)) {
					t.Errorf("broken %q: case %s did not fail:\n%s", broken, name, out)
				}
			}
			if strings.Contains(string(out), "--- FAIL: TestBrokenHelper/RoundTrip/1B ") {
				t.Errorf("broken %q failed an unrelated case", broken)
			}
		})
	}
}
