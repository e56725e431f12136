// Package backendtest is the conformance suite every backend passes. A
// backend's TestConformance calls [Run] with a function that makes a
// [Harness]; the cases drive the backend through the public contract
// ([uploader.New] and the optional interfaces), so they assert what users see:
// the Kind of each failure and the bytes read back.
//
// Only _test.go files import this package.
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

// StallTimeout is the response timeout a harness should configure on the
// backends it makes, so that a stalled request fails fast.
const StallTimeout = 2 * time.Second
