package memtest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// threshold is the size above which the harness counts an upload as
// multipart (memtest has no parts; the count proves nothing is left
// pending when the harness is given the "pending" flaw).
const threshold = 1 << 20

// harness is the conformance harness of a memtest.Backend: the storage is
// read behind the backend's back through Object and Keys, and faults are
// injected with FaultFunc. flaw, if set, is one bug of the harness's
// backends (see TestSuiteCatchesBugs).
type harness struct {
	b    *memtest.Backend
	flaw string

	mu      sync.Mutex
	pending int
	stall   bool // a stall is injected
}

func newHarness(flaw string) backendtest.HarnessMaker {
	return func(ctx context.Context, t *testing.T) (backendtest.Harness, error) {
		b := memtest.New("mem", "mem", time.Now)
		b.SetFlaws(memtest.Flaws{
			KeepPartial:  flaw == "partial",
			NoMD5Check:   flaw == "nomd5",
			NoProgress:   flaw == "noprogress",
			NoOverwrite:  flaw == "nooverwrite",
			NoAttributes: flaw == "noattrs",
			IgnoreClose:  flaw == "noclose",
		})
		return &harness{b: b, flaw: flaw}, nil
	}
}

// counted is the harness's backend: b, whose uploads above threshold count
// as pending multipart uploads while they run (and, with the "pending"
// flaw, after they fail).
type counted struct {
	*memtest.Backend
	h *harness
	// short: the backend's response timeout is backendtest.StallTimeout.
	// A stall outlasts any other, and the gateway resets the connection.
	short bool
}

func (c counted) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	c.h.mu.Lock()
	stall := c.h.stall
	c.h.mu.Unlock()
	if stall && !c.short {
		return uploader.Result{}, &uploader.Error{Kind: uploader.Unavailable, Target: c.Name(), Op: "put", Key: obj.Key, Message: "connection reset by peer"}
	}
	multipart := obj.Size > threshold
	if multipart {
		c.h.mu.Lock()
		c.h.pending++
		c.h.mu.Unlock()
	}
	res, err := c.Backend.Put(ctx, obj)
	if multipart && (err == nil || c.h.flaw != "pending") {
		c.h.mu.Lock()
		c.h.pending--
		c.h.mu.Unlock()
	}
	return res, err
}

// stalling is the backend of the stall case: a response timeout of
// backendtest.StallTimeout, after which a stalled Put is Kind Timeout.
type stalling struct{ counted }

func (s stalling) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	tctx, cancel := context.WithTimeoutCause(ctx, backendtest.StallTimeout, errStalled)
	defer cancel()
	res, err := s.counted.Put(tctx, obj)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(tctx), errStalled) {
		return res, &uploader.Error{Kind: uploader.Timeout, Target: s.Name(), Op: "put", Key: obj.Key, Message: "no reply within the response timeout"}
	}
	return res, err
}

var errStalled = errors.New("memtest: stalled")

func (h *harness) MakeBackend(context.Context) (uploader.Backend, error) {
	return counted{h.b, h, false}, nil
}

func (h *harness) MakeBackendForMissingBucket(context.Context) (uploader.Backend, error) {
	b := memtest.New("mem", "mem", time.Now)
	b.FaultFunc(func(int, string) memtest.Fault {
		return memtest.Fault{Kind: uploader.BucketNotFound, Status: 404, Code: "NoSuchBucket"}
	})
	return b, nil
}

func (h *harness) MakeBackendForStall(context.Context) (uploader.Backend, error) {
	if h.flaw == "stallbackend" {
		return counted{h.b, h, false}, nil // the long timeout: the stall ends in a reset
	}
	return stalling{counted{h.b, h, true}}, nil
}

func (h *harness) Read(_ context.Context, key string) ([]byte, bool, error) {
	o, ok := h.b.Object(key)
	return o.Data, ok, nil
}

func (h *harness) Keys(context.Context) ([]string, error) { return h.b.Keys(), nil }

func (h *harness) PendingMultipart(context.Context) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pending, nil
}

func (h *harness) MultipartThreshold() int64 { return threshold }

func (h *harness) Inject(f backendtest.Fault) bool {
	h.mu.Lock()
	h.stall = f.Type == backendtest.FaultStall
	h.mu.Unlock()
	var fault memtest.Fault
	switch f.Type {
	case backendtest.Fault500:
		fault = memtest.Fault{Kind: uploader.Unavailable, Status: 500, Code: "InternalError"}
	case backendtest.Fault503SlowDown:
		fault = memtest.Fault{Kind: uploader.Throttled, Status: 503, Code: "SlowDown", RetryAfter: time.Second}
	case backendtest.Fault429:
		fault = memtest.Fault{Kind: uploader.Throttled, Status: 429}
		if h.flaw == "faultkind" {
			fault.Kind = uploader.Unavailable
		}
	case backendtest.FaultReset:
		fault = memtest.Fault{Kind: uploader.Unavailable}
	case backendtest.FaultStall:
		fault = memtest.Fault{Hang: true}
	default:
		h.b.Heal()
		return true
	}
	h.b.FaultFunc(func(int, string) memtest.Fault { return fault })
	return true
}

func (h *harness) ClearFaults() { h.Inject(backendtest.Fault{}) }
func (h *harness) Close()       {}

// TestConformance: the in-memory backend passes the conformance suite,
// fault cases included.
func TestConformance(t *testing.T) {
	backendtest.Run(t, newHarness(""))
}

const flawEnv = "MEMTEST_FLAW"

// TestFlawedHelper runs the suite against a flawed backend, in a child
// process started by TestSuiteCatchesBugs.
func TestFlawedHelper(t *testing.T) {
	flaw := os.Getenv(flawEnv)
	if flaw == "" {
		t.Skip("helper for TestSuiteCatchesBugs")
	}
	backendtest.Run(t, newHarness(flaw))
}

// TestSuiteCatchesBugs checks that each flaw fails the case meant to catch
// it, under the case's stable name, and no unrelated case.
func TestSuiteCatchesBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite in child processes")
	}
	for flaw, wantFailed := range map[string][]string{
		"partial":     {"Canceled/single", "Canceled/multipart", "BodyFails/single", "BodyFails/multipart"},
		"nomd5":       {"ChecksumMismatch/single", "ChecksumMismatch/multipart"},
		"faultkind":   {"Faults/429"},
		"noprogress":  {"Progress"},
		"pending":     {"Canceled/multipart", "BodyFails/multipart"},
		"nooverwrite": {"Overwrite"},
		"noattrs":     {"Attributes/single", "Attributes/multipart"},
		"noclose":     {"Closed"},
		// A stall case backend without the short timeout.
		"stallbackend": {"Faults/stall"},
	} {
		t.Run(flaw, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFlawedHelper$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), flawEnv+"="+flaw)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a backend with the flaw %q:\n%s", flaw, out)
			}
			for _, name := range wantFailed {
				if !strings.Contains(string(out), fmt.Sprintf("--- FAIL: TestFlawedHelper/%s ", name)) {
					t.Errorf("flaw %q: case %s did not fail:\n%s", flaw, name, out)
				}
			}
			if strings.Contains(string(out), "--- FAIL: TestFlawedHelper/RoundTrip/1B ") {
				t.Errorf("flaw %q failed an unrelated case", flaw)
			}
		})
	}
}
