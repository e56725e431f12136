package uploader

import (
	"fmt"
)

// Kind is the meaning of a failure, the same on every provider. Callers branch
// on Kind (see [KindOf]), never on error messages. Each Kind has a stable
// snake_case name, used in reports and logs, returned by [Kind.String].
//
// What a Kind does to an upload (retried, failed over, counted by a circuit
// breaker) is one table, under "Policy" in the failover package's
// documentation. [Kind.Transient], [Kind.Fatal] and [Kind.Neutral] are that
// table's columns in code; a test of the failover package checks that the
// two agree.
type Kind int

// The kinds. Their policy (retry, fail over, breaker) is set by the failover
// package; the table in the package documentation summarises it.
const (
	// OK is the Kind of a nil error. It is never the Kind of an *Error.
	OK Kind = iota
	// SignatureMismatch: the server computed another signature than the one
	// sent (403 SignatureDoesNotMatch): a wrong secret, a mis-set endpoint or
	// region, or a proxy that altered the request.
	SignatureMismatch
	// ClockSkew: the signed time is outside the server's window (403
	// RequestTimeTooSkewed, "Request has expired", or any 403 while the
	// measured skew is above the threshold).
	ClockSkew
	// InvalidCredentials: the access key is unknown, disabled or expired.
	InvalidCredentials
	// AccessDenied: the credentials are valid but a policy refuses the call.
	AccessDenied
	// BucketNotFound: the bucket does not exist (NoSuchBucket).
	BucketNotFound
	// Throttled: the server asks the client to slow down (429, SlowDown).
	Throttled
	// Unavailable: a 5xx answer, or the connection was refused, reset or could
	// not be resolved.
	Unavailable
	// Timeout: an attempt's own deadline passed while the caller's context was
	// still alive. Whether the object landed is unknown.
	Timeout
	// Integrity: the stored size or checksum differs from what was sent, or the
	// source changed while it was read.
	Integrity
	// Invalid: the caller's own request can never succeed as made, on any
	// target: a bad key, an unreadable or changed source, an object too
	// large, a bad setting. A refusal that another target may not make is
	// TargetRefused.
	Invalid
	// Canceled: the caller's context was canceled or its deadline passed.
	Canceled
	// CircuitOpen: a circuit breaker refused the call without trying it.
	CircuitOpen
	// Unknown: any failure that fits no other Kind.
	Unknown
	// TargetRefused: the target refuses the request for a reason of its own
	// or of its configuration, not of the caller's input: a wrong endpoint
	// or region (AuthorizationHeaderMalformed, CrossRegionAccessError), an
	// endpoint the account may not use (OSS PublicEndpointForbidden), a
	// bucket setting (default encryption with a KMS key that is missing or
	// disabled), a method or feature the target does not offer, or a 400
	// whose code is not known. A policy's plain 403 AccessDenied stays
	// AccessDenied. Another target may well take the object, so it fails over
	// and backs up like AccessDenied.
	TargetRefused

	numKinds
)

var kindNames = [numKinds]string{
	OK:                 "ok",
	SignatureMismatch:  "signature_mismatch",
	ClockSkew:          "clock_skew",
	InvalidCredentials: "invalid_credentials",
	AccessDenied:       "access_denied",
	BucketNotFound:     "bucket_not_found",
	Throttled:          "throttled",
	Unavailable:        "unavailable",
	Timeout:            "timeout",
	Integrity:          "integrity",
	Invalid:            "invalid",
	Canceled:           "canceled",
	CircuitOpen:        "circuit_open",
	Unknown:            "unknown",
	TargetRefused:      "target_refused",
}

// Kinds returns every Kind but OK, in declaration order.
func Kinds() []Kind {
	ks := make([]Kind, 0, numKinds-1)
	for k := SignatureMismatch; k < numKinds; k++ {
		ks = append(ks, k)
	}
	return ks
}

// String returns the stable snake_case name of k, such as "clock_skew".
func (k Kind) String() string {
	if k < 0 || k >= numKinds {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// MarshalText implements [encoding.TextMarshaler] with the name of k.
func (k Kind) MarshalText() ([]byte, error) {
	if k < 0 || k >= numKinds {
		return nil, fmt.Errorf("uploader: invalid kind %d", int(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]; it accepts the names
// that [Kind.String] returns.
func (k *Kind) UnmarshalText(b []byte) error {
	kk, ok := ParseKind(string(b))
	if !ok {
		return fmt.Errorf("uploader: unknown kind %q", b)
	}
	*k = kk
	return nil
}

// ParseKind returns the Kind named name, as [Kind.String] spells it.
func ParseKind(name string) (Kind, bool) {
	for k, n := range kindNames {
		if n == name {
			return Kind(k), true
		}
	}
	return Unknown, false
}

// Fatal reports whether a failure of this Kind says the target is
// misconfigured or refuses these credentials: retrying the same target cannot
// help, and a circuit breaker should open at once. ClockSkew is fatal only
// once correction has been tried; the failover package decides that.
func (k Kind) Fatal() bool {
	switch k {
	case SignatureMismatch, ClockSkew, InvalidCredentials, AccessDenied, BucketNotFound, TargetRefused:
		return true
	}
	return false
}

// Transient reports whether a failure of this Kind may pass by itself, so the
// same target may be tried again after a pause.
func (k Kind) Transient() bool {
	switch k {
	case Throttled, Unavailable, Timeout, Integrity, Unknown:
		return true
	}
	return false
}

// Neutral reports whether a failure of this Kind says nothing about the
// target's health: the caller gave up, or the request itself is wrong. Such
// failures are never retried, never failed over and never counted by a
// breaker.
func (k Kind) Neutral() bool {
	return k == Invalid || k == Canceled
}
