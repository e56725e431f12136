// Package backendtest is the conformance suite every backend passes. A
// backend's TestConformance calls [Run] with a function that makes a
// [Harness]; the cases drive the backend through the public contract
// ([uploader.New] and the optional interfaces), so they assert what users see:
// the Kind of each failure and the bytes read back.
//
// Only _test.go files import this package.
//
// # Cases
//
// Run calls the HarnessMaker once per case, so each case should get a fresh,
// empty bucket (or directory). The subtests, with their stable names:
//
//	RoundTrip/{0B,1B,5MiB+1,above-multipart-threshold}
//	                   upload, then read back through the harness, Get and Stat
//	Overwrite          the second upload of a key replaces the first
//	AwkwardKeys/<name> spaces, unicode, %, +, ?, #, deep paths, a 1024-byte
//	                   key, backslashes, other punctuation ([AwkwardKeys])
//	PrefixKeys         "p", "p/" "p/q" and "p/q/r" all exist at once
//	Canceled/{single,multipart}
//	                   the caller cancels mid-body: Kind Canceled
//	BodyFails/{single,multipart}
//	                   the body's ReadAt fails mid-body: an error
//	ShortBody          the body ends before Object.Size: an error
//	ChecksumMismatch/{single,multipart}
//	                   Object.MD5 is wrong: Kind Integrity
//	MissingBucket      Kind BucketNotFound
//	Concurrent         16 uploads at once, and 4 of one key (run with -race)
//	Progress           the bytes reported to [uploader.WithProgress] add up
//	Attributes/{single,multipart}
//	                   an upload with [Attributes] (or those of an
//	                   [AttributesHarness]): a Stat shows each one; a
//	                   storage class no provider has is Kind Invalid
//	StatMissing        Stat and Get of a missing key: Kind Invalid and
//	                   [uploader.IsNotFound]
//	Delete             Delete removes one key, and a missing key is no error
//	Closed             after Close, Put, Stat, Get and Delete fail with Kind
//	                   Invalid and store nothing, and the backend's
//	                   goroutines and connections are gone
//	Faults/{500,503-slowdown,429,reset,stall}
//	                   each injected fault gives [FaultType.WantKind]; after
//	                   ClearFaults an upload works again. The stall is met
//	                   by the backend of [StallHarness.MakeBackendForStall].
//
// Every failing case checks that it left nothing: the key is not readable,
// Keys does not list it, PendingMultipart is 0, and a key that held an
// object before still holds it, unchanged. Data is deterministic (seeded
// ChaCha8, see [Data]) and small; the multipart cases use
// MultipartThreshold()+1 bytes, so harnesses should set a low threshold
// (5 or 6 MiB).
//
// # Timeouts
//
// No case's outcome depends on how fast the machine is. The backends a
// harness makes have a response timeout of [ResponseTimeout] (a minute),
// except the one the stall case makes with
// [StallHarness.MakeBackendForStall], whose [StallTimeout] only ends a
// request the gateway never answers.
//
// # Opting out
//
// A harness opts out of a case only where the case cannot apply, and says
// why in a comment at that place:
//
//   - MakeBackendForMissingBucket returns (nil, nil): MissingBucket is skipped
//     (the local backend creates its directory on demand).
//   - Inject returns false: that Faults case is skipped with the fault's name
//     (a harness without a fault gateway).
//   - A backend that does not implement [uploader.Stater],
//     [uploader.Getter] or [uploader.Deleter] skips the checks and cases
//     that need it.
//   - A harness that implements [PathHarness] (keys stored as file paths)
//     has PrefixKeys check that a key that is a prefix of another fails
//     with Kind Invalid and leaves the first, instead of storing both.
//
// Besides Run, [SizesAtLimits] checks the multipart settings of a
// backend's Options at and above the providers' limits; every cloud
// backend's TestSizesAtLimits calls it.
//
// There is no other way to skip a case: a backend that fails one has a bug
// or a gap to fix, not to hide.
//
// # The suite's own test
//
// The in-memory backend of package failover/internal/memtest passes the
// suite (its TestConformance), and, given one flaw at a time, fails the
// cases meant to catch that flaw (its TestSuiteCatchesBugs): a case that
// cannot fail is caught there.
package backendtest

import (
	"context"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// Harness gives the suite a backend to test and an independent view of the
// storage behind it.
type Harness interface {
	// MakeBackend returns a backend over a bucket (or directory) that exists.
	MakeBackend(ctx context.Context) (uploader.Backend, error)
	// MakeBackendForMissingBucket returns a backend whose bucket does not
	// exist. It returns (nil, nil) where that cannot happen (a local
	// directory is created on demand), with a comment saying so.
	MakeBackendForMissingBucket(ctx context.Context) (uploader.Backend, error)
	// Read returns the stored bytes under key, read without the backend under
	// test (e.g. with minio-go straight from MinIO), and whether it exists.
	Read(ctx context.Context, key string) (data []byte, ok bool, err error)
	// Keys returns every key stored, to prove that failures leave nothing.
	Keys(ctx context.Context) ([]string, error)
	// PendingMultipart returns the number of multipart uploads started but
	// neither completed nor aborted (0 for a backend without multipart).
	PendingMultipart(ctx context.Context) (int, error)
	// MultipartThreshold returns the size above which the backend uses
	// multipart (or its equivalent); the suite uploads an object above it.
	MultipartThreshold() int64
	// Inject arranges for the next requests of the backend to meet f, and
	// reports whether the harness can do that; a harness without a fault
	// gateway returns false, and the fault cases are skipped with that
	// reason. The fault lasts until [Harness.ClearFaults].
	Inject(f Fault) bool
	// ClearFaults removes every injected fault.
	ClearFaults()
	// Close releases what the harness holds.
	Close()
}

// FaultType is a failure the gateway can inject.
type FaultType int

// The fault types every provider must map to the same Kind.
const (
	// Fault500 answers 500 InternalError: Kind Unavailable.
	Fault500 FaultType = iota + 1
	// Fault503SlowDown answers 503 SlowDown with Retry-After: Kind Throttled.
	Fault503SlowDown
	// Fault429 answers 429 Too Many Requests: Kind Throttled.
	Fault429
	// FaultReset resets the connection: Kind Unavailable.
	FaultReset
	// FaultStall reads the request and never answers, until the backend's
	// own response timeout gives up: Kind Timeout.
	FaultStall
)

// String names the fault.
func (f FaultType) String() string {
	switch f {
	case Fault500:
		return "500"
	case Fault503SlowDown:
		return "503-slowdown"
	case Fault429:
		return "429"
	case FaultReset:
		return "reset"
	case FaultStall:
		return "stall"
	}
	return "fault?"
}

// WantKind is the Kind every backend must report for the fault.
func (f FaultType) WantKind() uploader.Kind {
	switch f {
	case Fault503SlowDown, Fault429:
		return uploader.Throttled
	case FaultStall:
		return uploader.Timeout
	}
	return uploader.Unavailable
}

// Fault is one injected failure, applied to every request of the backend
// until cleared.
type Fault struct {
	Type FaultType
}

// HarnessMaker makes a new Harness for one test.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// ResponseTimeout is the response timeout a harness configures on every
// backend it makes but the one of the Faults/stall case: long, so that no
// load on the machine running the tests makes an ordinary request time
// out. Only a backend that hangs meets it, and then the case fails instead
// of the test binary.
const ResponseTimeout = time.Minute

// StallTimeout is the response timeout of the backend a [StallHarness]
// makes for the Faults/stall case, so that the stalled request fails fast.
// No other backend of a harness should have a timeout this short: on a
// busy machine an ordinary request (or a pause of its body) can take
// seconds, and the case would fail with Kind Timeout.
const StallTimeout = 2 * time.Second

// StallHarness is a [Harness] whose Inject can stall requests. The
// Faults/stall case uploads through the backend MakeBackendForStall
// returns, whose response timeout is [StallTimeout], and then, once the
// fault is cleared, through the MakeBackend one, whose timeout is
// [ResponseTimeout]: the short timeout only decides the upload that meets
// the stall. A harness whose Inject accepts [FaultStall] must implement it
// (else the case fails).
type StallHarness interface {
	Harness
	// MakeBackendForStall returns a backend over the same bucket as
	// MakeBackend, with a response timeout of [StallTimeout].
	MakeBackendForStall(ctx context.Context) (uploader.Backend, error)
}
