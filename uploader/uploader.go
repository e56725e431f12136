// Package uploader is the contract every part of upload shares: the
// [Uploader] that callers hold, the [Object] it stores, the [Result] it
// returns, the [Backend] each storage provider implements, and the [Kind] of
// every failure.
//
// # The promise
//
// Upload returns a nil error if and only if the object is durably stored on
// the target that Result.Target names. Result.Attempts lists every try, in
// order, even on success. A failed upload leaves nothing half-written: the
// key holds the previous object, if any, unchanged, or, only when the
// error's [Error].MayHaveLanded is set (the caller canceled after the body
// may have reached the server, and nothing could confirm either way), maybe
// this object whole.
//
// # Errors
//
// Errors are classified once, where they leave a backend, into a [Kind].
// Programs should act on the Kind ([KindOf]), never on the message. Every
// error is, or wraps, an [*Error] that also carries the HTTP status, the
// vendor's code and request ID, the server's time and the measured clock
// skew, the server's StringToSign where the vendor returns one, and hints
// for a human.
//
// Each Kind's documentation says where it comes from. The rule for a
// server's refusal: Invalid is the caller's own input that no target would
// take (a bad key, an object too large, an unreadable source) and ends the
// upload; TargetRefused is a refusal by the target, its endpoint, region,
// policy or settings, or a 400 of unknown meaning, and fails over like
// AccessDenied. What each Kind does to retries, failover and the circuit
// breakers is one table, in the failover package's documentation.
//
// # Attributes and streams
//
// An Object's [Attributes] (Cache-Control, Content-Disposition,
// Content-Encoding, a portable [StorageClass] and canned [ACL], [SSE],
// tags) are mapped by each backend to its provider's names; a value the
// provider does not define is Invalid before anything is sent, and an
// [AttributeChecker] says so ahead of the first upload. [NewWriter] stores
// a stream: it spools what is written and uploads it on Close, so that
// every attempt re-reads the same bytes.
//
// This package imports only the standard library.
package uploader

import (
	"context"
	"io"
	"time"
)

// Uploader stores objects. Implementations are safe for concurrent use.
type Uploader interface {
	// Upload stores obj. It returns a nil error only if the object is
	// durably stored on the target that the Result names; the Result is
	// meaningful on failure too (its Attempts say what was tried). The error
	// is, or wraps, an *Error; see [KindOf].
	//
	// Canceling ctx ends the upload with Kind Canceled, clean or honest:
	// after a cancel that may have come once the body was sent, the
	// Uploader checks what the key holds; if it holds this object, proved
	// by its content, the upload reports it stored (nil error); if it
	// cannot tell, the error has MayHaveLanded set and names the Target.
	// Otherwise nothing of the upload is under the key.
	//
	// Upload reads the body through obj.Open, once per attempt; it never
	// retains the Body after it returns.
	Upload(ctx context.Context, obj Object) (Result, error)
}

// Result describes where an object was stored and how.
type Result struct {
	// Key is the object key.
	Key string
	// Target is the name of the target that stored the object; empty if none
	// did.
	Target string
	// Provider is that target's provider: tos, oss, obs, cos, s3 or local.
	Provider string
	// URL locates the stored object: the provider's https URL, or a file://
	// URL for the local backup.
	URL string
	// ETag is the entity tag the server returned.
	ETag string
	// MD5 is the hex MD5 of the stored bytes when it is known (always for the
	// local backup and for single-request uploads).
	MD5 string
	// Size is the number of bytes stored.
	Size int64
	// VersionID is the version the server assigned, if versioning is on.
	VersionID string
	// BackedUp reports that the object is only in the local backup, not on a
	// cloud target: nothing is lost, and a drain will move it.
	BackedUp bool
	// Unverified, when not empty, says why the stored object could not be
	// read back to check it: "not verified by reading" (a key that may
	// write but not read gets 403 to the HEAD after a multipart upload).
	// The upload succeeded all the same: the server accepted every
	// request, and what its replies carry was checked (Content-MD5, the
	// CRC-64 of TOS, OSS and COS, the composite ETag of S3 and OBS). Empty
	// when the backend read the object back, or needed not.
	Unverified string
	// Attempts lists every try, in order, breaker rejections included.
	Attempts []Attempt
	// Parts lists the parts of a multipart upload that stored the object,
	// in order, with how long each took (Resumed parts were stored by an
	// earlier attempt); nil for an object sent in one request.
	Parts []Part
}

// Attempt records one try of one upload on one target.
type Attempt struct {
	// Target and Provider name the target tried.
	Target   string
	Provider string
	// Start is when the attempt began; Elapsed how long it took.
	Start   time.Time
	Elapsed time.Duration
	// Err is nil for the successful attempt, else the classified failure.
	Err error
	// Kind is KindOf(Err).
	Kind Kind
	// Status, Code and RequestID come from the server's reply, when one came.
	Status    int
	Code      string
	RequestID string
	// Skew is the clock offset measured on this attempt (server minus local);
	// SkewCorrected reports that the attempt was signed with a corrected time.
	Skew          time.Duration
	SkewCorrected bool
	// CredentialsRefreshed reports that the attempt was signed with keys
	// fetched anew after the server refused expired temporary keys.
	CredentialsRefreshed bool
}

// NewAttempt returns an Attempt for target that started at start and ended
// at end with err, copying the status, code, request ID and skew from err's
// *Error.
func NewAttempt(target, provider string, start, end time.Time, err error) Attempt {
	a := Attempt{Target: target, Provider: provider, Start: start, Elapsed: end.Sub(start), Err: err, Kind: KindOf(err)}
	if e := AsError(err); e != nil {
		a.Status, a.Code, a.RequestID, a.Skew = e.Status, e.Code, e.RequestID, e.Skew
	}
	return a
}

// Backend is one storage target: one bucket of one provider at one endpoint,
// or a local directory. Backends are safe for concurrent use.
//
// A Backend may implement the optional interfaces [Stater], [Getter],
// [Deleter], [Describer], [SkewReporter], [PartSizer], [MultipartLister]
// and [MultipartAborter]; callers find them with a type assertion. Each backend asserts at compile time what it implements.
type Backend interface {
	// Name returns the target's name, as configured (e.g. "tos-beijing").
	Name() string
	// Put stores obj on this target in one attempt: it does not retry (the
	// failover package owns retries) except to correct the signing time once
	// after a clock-skew refusal. It returns a nil error only when the object
	// is durably stored, size and checksum verified where the provider
	// allows. On failure it leaves no partial object and no multipart upload
	// (it aborts one with a bounded context of its own, even after ctx is
	// canceled; unless obj.Resume keeps it for a later Put, see [Resumer]); but when the failure came after the whole body was sent
	// (the reply was lost or cut, the attempt timed out, or ctx was
	// canceled while the reply was awaited) the server may have stored the
	// object whole. Put cannot tell; its caller checks with a Stat (the
	// failover package does, see [Error].MayHaveLanded).
	//
	// The error is an *Error with Kind, Target, Provider, Op and what the
	// server said. Put reads the body through obj.Open and closes what it
	// opened before it returns. obj has been validated ([Object.Validate]).
	//
	// Put may fill Result.Attempts with the tries it made (two when it
	// corrected the signing time after a skew refusal), on success and on
	// failure; if it leaves Attempts empty, the caller records one attempt.
	Put(ctx context.Context, obj Object) (Result, error)
	// ErrorKind returns the Kind of an error that Put, or the provider's SDK
	// underneath, returned. It is the backend's one classification table.
	ErrorKind(err error) Kind
	// Close releases the backend's resources. Put must not be called after.
	Close() error
}

// ObjectInfo is what a [Stater] reports of a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ETag         string
	ContentType  string
	LastModified time.Time
	Metadata     map[string]string
	// CRC64 is the CRC-64/ECMA (as hash/crc64 computes it with the ECMA
	// table) of the object's bytes, in decimal, as TOS, OSS and COS report
	// it (x-tos-hash-crc64ecma, x-oss-hash-crc64ecma,
	// x-cos-hash-crc64ecma); empty when the server sent none.
	CRC64 string
	// CacheControl, ContentDisposition and ContentEncoding are the headers
	// the object is served with.
	CacheControl       string
	ContentDisposition string
	ContentEncoding    string
	// StorageClass is the portable class, or the provider's own name when
	// it has no portable one; empty when the server did not say (S3-style
	// servers omit STANDARD).
	StorageClass StorageClass
	// SSE is the server-side encryption the server reported.
	SSE SSE
	// TagCount is the number of tags (x-*-tagging-count); a HEAD reports
	// the count, not the tags.
	TagCount int
	// ACL is the canned ACL, where Stat can see it (the local backend); a
	// HEAD of an S3-style server does not report it.
	ACL ACL
}

// Stater is implemented by backends that can tell whether an object exists.
type Stater interface {
	// Stat returns the object's info, or an *Error whose Code is "NoSuchKey"
	// and whose Status is 404 if there is no such object (see [IsNotFound]).
	Stat(ctx context.Context, key string) (ObjectInfo, error)
}

// PartSizer is implemented by backends that store large objects with a
// multipart upload, so that what a Stat reports can be checked against an
// object's bytes: an S3-style server makes the ETag of such an object the
// hex MD5 of the concatenated binary MD5s of its parts, "-", and the part
// count.
type PartSizer interface {
	// PartSize returns the size of every part but the last that Put uses
	// for an object of size bytes, or 0 if Put sends such an object in one
	// request.
	PartSize(size int64) int64
}

// BucketChecker is implemented by backends that can check the bucket
// itself (a one-key LIST), where a HEAD of a missing key cannot tell a
// missing bucket from a missing key (a HEAD reply has no body).
type BucketChecker interface {
	// CheckBucket returns nil if the bucket exists and the credentials may
	// list it, else an *Error (Code "NoSuchBucket", Kind BucketNotFound,
	// for a missing bucket).
	CheckBucket(ctx context.Context) error
}

// Getter is implemented by backends that can read an object back.
type Getter interface {
	// Get returns a reader of the object's bytes; the caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// Deleter is implemented by backends that can delete an object.
type Deleter interface {
	// Delete removes the object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
}

// Description says what a target is, for reports and diagnostics. It holds
// no secret.
type Description struct {
	Name     string
	Provider string
	Endpoint string
	Region   string
	Bucket   string
}

// Describer is implemented by backends that can describe their target.
type Describer interface {
	Describe() Description
}

// SkewReporter is implemented by backends that measure the offset of the
// server's clock from the local one.
type SkewReporter interface {
	// Skew returns the current estimate (server minus local) and whether
	// there is one.
	Skew() (time.Duration, bool)
}

// IsNotFound reports whether err says that an object does not exist.
func IsNotFound(err error) bool {
	e := AsError(err)
	return e != nil && (e.Status == 404 || e.Code == "NoSuchKey" || e.Code == "NotFound")
}

// New returns an Uploader over the single backend b: it validates each
// Object, calls Put once, and makes sure every failure is an *Error naming
// the target, classified by b.ErrorKind if Put did not classify it.
func New(b Backend) Uploader { return single{b} }

type single struct{ b Backend }

func (s single) Upload(ctx context.Context, obj Object) (Result, error) {
	ctx = ProgressContext(ctx, obj)
	start := time.Now()
	if err := obj.Validate(); err != nil {
		return Result{Key: obj.Key}, Classify(ctx, s.b, err)
	}
	res, err := s.b.Put(ctx, obj)
	res.Key = obj.Key
	provider := res.Provider
	if d, ok := s.b.(Describer); ok && provider == "" {
		provider = d.Describe().Provider
	}
	if err != nil {
		err = Classify(ctx, s.b, err)
		res.Target, res.URL, res.ETag, res.MD5 = "", "", "", ""
	} else {
		res.Target = s.b.Name()
		res.Provider = provider
	}
	if len(res.Attempts) == 0 {
		res.Attempts = []Attempt{NewAttempt(s.b.Name(), provider, start, time.Now(), err)}
	} else if err != nil {
		// The last attempt's error is the classified one.
		last := &res.Attempts[len(res.Attempts)-1]
		corrected := last.SkewCorrected
		*last = NewAttempt(s.b.Name(), provider, last.Start, last.Start.Add(last.Elapsed), err)
		last.SkewCorrected = corrected
	}
	return res, err
}

// Classify returns err as an *Error naming b as its target. If ctx is done,
// the Kind is Canceled whatever err says: the caller gave up. Otherwise an
// *Error already in err's chain is kept (its Target filled in if empty), and
// any other error is wrapped with the Kind from b.ErrorKind.
func Classify(ctx context.Context, b Backend, err error) error {
	if err == nil {
		return nil
	}
	provider := ""
	if d, ok := b.(Describer); ok {
		provider = d.Describe().Provider
	}
	e := AsError(err)
	switch {
	case ctx.Err() != nil && (e == nil || e.Kind != Canceled):
		c := &Error{Kind: Canceled, Target: b.Name(), Provider: provider, Message: ctx.Err().Error(), Err: err}
		if e != nil {
			c.Op, c.Key, c.Provider = e.Op, e.Key, e.Provider
		}
		return c
	case e != nil && e.Target != "":
		return err
	case e != nil:
		c := *e
		c.Target = b.Name()
		if c.Provider == "" {
			c.Provider = provider
		}
		return &c
	}
	k := b.ErrorKind(err)
	if k == OK {
		k = Unknown
	}
	return &Error{Kind: k, Target: b.Name(), Provider: provider, Message: err.Error(), Err: err}
}

// Spooled is one object held by a [Spool] (the local backup), waiting to be
// drained to a cloud target.
type Spooled struct {
	// ID identifies this copy: a later backup of the same key gets another
	// ID, so a drain never removes a copy newer than the one it uploaded.
	ID string
	// Key, Size, ContentType and Metadata are those of the Object backed up.
	Key         string
	Size        int64
	ContentType string
	Metadata    map[string]string
	// Attributes are those of the Object backed up, passed on by a drain.
	Attributes
	// MD5 and SHA256 are the hex digests of the stored bytes.
	MD5    string
	SHA256 string
	// Stored is when the copy was made.
	Stored time.Time
	// Failed lists the attempts that sent the object here; their Err is
	// rebuilt as an *Error from what was recorded.
	Failed []Attempt
	// URL locates the copy (file://), or for a damaged copy the file at
	// fault.
	URL string
	// Damaged, when set, says why this copy cannot be drained as it is
	// (Kind Integrity): its record cannot be read, is not trusted or does
	// not match its name, or its data is missing or of the wrong size. The
	// other fields hold what could be read (Key may be empty). [Spool.Object]
	// refuses a damaged copy and [Spool.Remove] leaves it: it is for a
	// person to look at.
	Damaged error
}

// Spool is implemented by backends that keep objects for a later drain: the
// local backup. A Spool is safe for concurrent use, by several goroutines
// and by several processes sharing its directory.
type Spool interface {
	Backend
	// Backup stores obj, as Put does, and records beside it the attempts
	// that failed before it came here.
	Backup(ctx context.Context, obj Object, failed []Attempt) (Result, error)
	// List returns every copy held, oldest first, damaged copies included
	// (with Damaged set), so that none is stranded unseen.
	List(ctx context.Context) ([]Spooled, error)
	// Object returns an Object whose body is the held copy of s, verified
	// against s.SHA256 as it is read; a copy that does not match gives Kind
	// Integrity. It fails with an *Error for which [IsNotFound] is true if the
	// copy is gone.
	Object(s Spooled) (Object, error)
	// Remove deletes the copy s, only if it is still the copy held under
	// s.Key (same ID); it reports whether it removed it.
	Remove(ctx context.Context, s Spooled) (bool, error)
}
