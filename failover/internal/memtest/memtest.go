// Package memtest holds in-memory backends for the failover tests and
// benchmarks: a cloud Backend whose every Put can be given a scripted fault,
// and a Spool. They keep bytes in memory and count what reaches them. Time
// comes from the function given to New, so a fake clock drives them.
//
// The Backend is the only in-memory cloud backend of the module: it passes
// the conformance suite of package backends/backendtest (memtest_test.go),
// and, given [Flaws], fails the cases meant to catch each flaw, which
// proves that the suite bites.
package memtest

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// Fault is what one Put meets. The zero Fault is a success.
type Fault struct {
	// Kind, if not OK, makes Put fail with an *uploader.Error of this Kind,
	// with Status, Code and RetryAfter.
	Kind       uploader.Kind
	Status     int
	Code       string
	RetryAfter time.Duration
	// Skew is the clock offset the reply measured; with SkewCorrected on a
	// success, Put reports in Result.Attempts a ClockSkew refusal followed
	// by the corrected retry, as a backend that corrects skew does.
	Skew          time.Duration
	SkewCorrected bool
	// Land stores the object even though Put fails: the reply was lost.
	Land bool
	// Hang blocks Put until its context is done, then returns the
	// context's error unclassified, as an SDK does.
	Hang bool
	// Corrupt stores the body with its first byte flipped and reports
	// success, with the MD5 of what it stored: a backend that lies.
	Corrupt bool
	// Before, if set, runs at the start of Put.
	Before func()
}

// Stored is an object held by a Backend.
type Stored struct {
	Data        []byte
	ETag        string
	Modified    time.Time
	ContentType string
	Metadata    map[string]string
	Attributes  uploader.Attributes
}

// Backend is an in-memory cloud target. It implements uploader.Backend,
// Stater, Deleter, Describer, SkewReporter and PartSizer. Use Plain for one that
// implements only Backend.
type Backend struct {
	name, provider string
	now            func() time.Time

	mu      sync.Mutex
	objs    map[string]Stored
	script  []Fault
	faultFn func(n int, key string) Fault
	statErr error
	puts    int
	opens   int
	stats   int
	deletes int
	skew    time.Duration
	hasSkew bool
	sums    Checksums
	flaws   Flaws
	closed  bool
}

// Flaws are bugs a Backend can be given on purpose, to check that the
// conformance suite catches each one. The zero Flaws is a correct backend.
type Flaws struct {
	// KeepPartial stores what was read of a body that failed.
	KeepPartial bool
	// NoMD5Check ignores Object.MD5.
	NoMD5Check bool
	// NoProgress reports no progress.
	NoProgress bool
	// NoOverwrite keeps the first object stored under a key.
	NoOverwrite bool
	// NoAttributes drops the object's attributes (Cache-Control, storage
	// class, tags...) instead of storing them.
	NoAttributes bool
	// IgnoreClose goes on working after Close.
	IgnoreClose bool
}

// SetFlaws gives b the flaws f.
func (b *Backend) SetFlaws(f Flaws) {
	b.mu.Lock()
	b.flaws = f
	b.mu.Unlock()
}

// closedErr returns the error of a call after Close, nil before; b.mu is
// held.
func (b *Backend) closedErr(op, key string) error {
	if !b.closed {
		return nil
	}
	return &uploader.Error{Kind: uploader.Invalid, Target: b.name, Provider: b.provider, Op: op, Key: key, Message: "the backend is closed"}
}

// Checksums says how a Backend describes what it stores, as real servers
// differ (see SetChecksums).
type Checksums struct {
	// PartSize > 0 makes PartSize report it for objects larger than it,
	// and gives those objects the multipart ETag: the hex MD5 of the
	// parts' MD5s, "-", the part count.
	PartSize int64
	// Opaque gives every object an ETag that is no digest (as server-side
	// encryption does).
	Opaque bool
	// CRC64 makes Stat report the CRC-64/ECMA of the object.
	CRC64 bool
}

var (
	_ uploader.Backend      = (*Backend)(nil)
	_ uploader.Stater       = (*Backend)(nil)
	_ uploader.Deleter      = (*Backend)(nil)
	_ uploader.Describer    = (*Backend)(nil)
	_ uploader.SkewReporter = (*Backend)(nil)
	_ uploader.PartSizer    = (*Backend)(nil)
)

// New returns an empty Backend named name, whose objects are dated by now.
func New(name, provider string, now func() time.Time) *Backend {
	return &Backend{name: name, provider: provider, now: now, objs: map[string]Stored{}}
}

// Script queues faults for the next Puts, one each; once they are used up
// (and with no FaultFunc), Put succeeds.
func (b *Backend) Script(faults ...Fault) {
	b.mu.Lock()
	b.script = append(b.script, faults...)
	b.mu.Unlock()
}

// FaultFunc sets the fault of every Put that the script does not cover: fn
// gets the Put's number (from 1) and key. Nil removes it.
func (b *Backend) FaultFunc(fn func(n int, key string) Fault) {
	b.mu.Lock()
	b.faultFn = fn
	b.mu.Unlock()
}

// Heal removes the script and the FaultFunc: every later Put succeeds.
func (b *Backend) Heal() {
	b.mu.Lock()
	b.script, b.faultFn = nil, nil
	b.mu.Unlock()
}

// SetStatErr makes Stat fail with err (nil restores it).
func (b *Backend) SetStatErr(err error) {
	b.mu.Lock()
	b.statErr = err
	b.mu.Unlock()
}

// SetChecksums sets how later Puts and Stores describe what they store,
// and what Stat reports.
func (b *Backend) SetChecksums(c Checksums) {
	b.mu.Lock()
	b.sums = c
	b.mu.Unlock()
}

// PartSize returns the part size set by SetChecksums for an object of size
// bytes, 0 when such an object is sent in one request
// (uploader.PartSizer).
func (b *Backend) PartSize(size int64) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ps := b.sums.PartSize; ps > 0 && size > ps {
		return ps
	}
	return 0
}

// etag returns the ETag of data as the Checksums say; b.mu is held.
func (b *Backend) etag(data []byte) string {
	sum := md5.Sum(data)
	switch ps := b.sums.PartSize; {
	case b.sums.Opaque:
		h := sha256.Sum256(data)
		return `"opaque:` + hex.EncodeToString(h[:8]) + `"`
	case ps > 0 && int64(len(data)) > ps:
		var sums []byte
		n := 0
		for off := int64(0); off < int64(len(data)); off += ps {
			p := md5.Sum(data[off:min(off+ps, int64(len(data)))])
			sums = append(sums, p[:]...)
			n++
		}
		all := md5.Sum(sums)
		return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(all[:]), n)
	}
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// SetSkew sets what Skew reports.
func (b *Backend) SetSkew(d time.Duration) {
	b.mu.Lock()
	b.skew, b.hasSkew = d, true
	b.mu.Unlock()
}

// Puts returns how many Puts reached the backend; Opens how many bodies
// they opened; Stats and Deletes the calls of those.
func (b *Backend) Puts() int    { b.mu.Lock(); defer b.mu.Unlock(); return b.puts }
func (b *Backend) Opens() int   { b.mu.Lock(); defer b.mu.Unlock(); return b.opens }
func (b *Backend) Stats() int   { b.mu.Lock(); defer b.mu.Unlock(); return b.stats }
func (b *Backend) Deletes() int { b.mu.Lock(); defer b.mu.Unlock(); return b.deletes }

// Object returns the object stored under key.
func (b *Backend) Object(key string) (Stored, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objs[key]
	return o, ok
}

// Keys returns the stored keys, sorted.
func (b *Backend) Keys() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Sorted(maps.Keys(b.objs))
}

// Store puts data under key directly, dated at, bypassing faults.
func (b *Backend) Store(key string, data []byte, at time.Time, meta map[string]string) {
	b.mu.Lock()
	b.objs[key] = Stored{Data: slices.Clone(data), ETag: b.etag(data), Modified: at, Metadata: meta}
	b.mu.Unlock()
}

// Name returns the backend's name.
func (b *Backend) Name() string { return b.name }

// Describe says the backend's name and provider.
func (b *Backend) Describe() uploader.Description {
	return uploader.Description{Name: b.name, Provider: b.provider, Endpoint: "mem://" + b.name}
}

// Skew returns the offset set by SetSkew.
func (b *Backend) Skew() (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.skew, b.hasSkew
}

func (b *Backend) fail(f Fault, key, msg string) *uploader.Error {
	return &uploader.Error{Kind: f.Kind, Target: b.name, Provider: b.provider, Op: "put", Key: key,
		Status: f.Status, Code: f.Code, Message: msg, RetryAfter: f.RetryAfter, Skew: f.Skew}
}

// Put stores obj, reading its body through obj.Open, unless its fault says
// otherwise.
func (b *Backend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	b.mu.Lock()
	if err := b.closedErr("put", obj.Key); err != nil {
		b.mu.Unlock()
		return uploader.Result{}, err
	}
	b.puts++
	f, flaws := b.nextFault(obj.Key), b.flaws
	b.mu.Unlock()
	if f.Before != nil {
		f.Before()
	}
	if f.Hang {
		<-ctx.Done()
		return uploader.Result{}, ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return uploader.Result{}, err
	}
	sr, body, err := obj.Reader()
	if err != nil {
		return uploader.Result{}, err
	}
	b.mu.Lock()
	b.opens++
	b.mu.Unlock()
	data, err := read(ctx, sr, flaws.NoProgress)
	body.Close()
	if err != nil {
		if flaws.KeepPartial {
			b.Store(obj.Key, data, b.now(), nil)
		}
		if ctx.Err() != nil {
			return uploader.Result{}, err // the caller's cancel: ErrorKind says Canceled
		}
		return uploader.Result{}, &uploader.Error{Kind: uploader.Invalid, Target: b.name, Provider: b.provider, Op: "read", Key: obj.Key, Message: err.Error(), Err: err}
	}
	if int64(len(data)) != obj.Size {
		return uploader.Result{}, b.fail(Fault{Kind: uploader.Integrity}, obj.Key, fmt.Sprintf("read %d bytes, want %d", len(data), obj.Size))
	}
	sum := md5.Sum(data)
	if obj.MD5 != nil && !slices.Equal(obj.MD5, sum[:]) && !flaws.NoMD5Check {
		return uploader.Result{}, b.fail(Fault{Kind: uploader.Integrity, Status: 400, Code: "BadDigest"}, obj.Key, "Content-MD5 mismatch")
	}
	if f.Corrupt && len(data) > 0 {
		data[0] ^= 0xff
		sum = md5.Sum(data)
	}
	b.mu.Lock()
	etag := b.etag(data)
	b.mu.Unlock()
	if f.Kind == uploader.OK || f.Land {
		b.mu.Lock()
		if _, ok := b.objs[obj.Key]; !ok || !flaws.NoOverwrite {
			st := Stored{Data: data, ETag: etag, Modified: b.now(),
				ContentType: obj.ContentType, Metadata: maps.Clone(obj.Metadata), Attributes: obj.Attributes}
			if flaws.NoAttributes {
				st.Attributes = uploader.Attributes{}
			}
			b.objs[obj.Key] = st
		}
		b.mu.Unlock()
	}
	if f.Kind != uploader.OK {
		return uploader.Result{}, b.fail(f, obj.Key, "scripted "+f.Kind.String())
	}
	res := uploader.Result{Provider: b.provider, URL: "mem://" + b.name + "/" + obj.Key,
		ETag: etag, MD5: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	if f.SkewCorrected {
		now := b.now()
		refused := b.fail(Fault{Kind: uploader.ClockSkew, Status: 403, Code: "RequestTimeTooSkewed", Skew: f.Skew}, obj.Key, "skewed")
		a := uploader.NewAttempt(b.name, b.provider, now, now, refused)
		res.Attempts = []uploader.Attempt{a, {Target: b.name, Provider: b.provider, Start: now, Skew: f.Skew, SkewCorrected: true}}
	}
	return res, nil
}

// ErrorKind classifies err: context errors are Canceled (the failover layer
// tells an attempt timeout apart), an *uploader.Error keeps its Kind, and
// anything else is Unknown.
func (b *Backend) ErrorKind(err error) uploader.Kind {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return uploader.Canceled
	}
	return uploader.KindOf(err)
}

// nextFault returns the fault of the Put of key, the b.puts-th; b.mu is
// held.
func (b *Backend) nextFault(key string) Fault {
	switch {
	case len(b.script) > 0:
		f := b.script[0]
		b.script = b.script[1:]
		return f
	case b.faultFn != nil:
		return b.faultFn(b.puts, key)
	}
	return Fault{}
}

// read reads r to its end in chunks, reporting each to the progress
// function of ctx (unless noProgress), and stops with the context's error
// once ctx is done.
func read(ctx context.Context, r io.Reader, noProgress bool) ([]byte, error) {
	progress := uploader.ProgressFunc(ctx)
	var data []byte
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return data, err
		}
		n, err := r.Read(chunk)
		data = append(data, chunk[:n]...)
		if progress != nil && n > 0 && !noProgress {
			progress(int64(n))
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
	}
}

// Close marks b closed: later calls of Put, Stat and Delete fail with Kind
// Invalid. What b holds stays readable through Object and Keys.
func (b *Backend) Close() error {
	b.mu.Lock()
	b.closed = !b.flaws.IgnoreClose
	b.mu.Unlock()
	return nil
}

// Stat returns the object's info, or a NoSuchKey *uploader.Error.
func (b *Backend) Stat(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.closedErr("stat", key); err != nil {
		return uploader.ObjectInfo{}, err
	}
	b.stats++
	if b.statErr != nil {
		return uploader.ObjectInfo{}, b.statErr
	}
	o, ok := b.objs[key]
	if !ok {
		return uploader.ObjectInfo{}, &uploader.Error{Kind: uploader.Invalid, Target: b.name, Provider: b.provider, Op: "stat", Key: key, Status: 404, Code: "NoSuchKey"}
	}
	info := uploader.ObjectInfo{Key: key, Size: int64(len(o.Data)), ETag: o.ETag, ContentType: o.ContentType,
		LastModified: o.Modified, Metadata: maps.Clone(o.Metadata)}
	at := o.Attributes
	info.CacheControl, info.ContentDisposition, info.ContentEncoding = at.CacheControl, at.ContentDisposition, at.ContentEncoding
	info.StorageClass, info.SSE, info.TagCount, info.ACL = at.StorageClass, at.SSE, len(at.Tags), at.ACL
	if b.sums.CRC64 {
		info.CRC64 = strconv.FormatUint(crc64.Checksum(o.Data, crc64.MakeTable(crc64.ECMA)), 10)
	}
	return info, nil
}

// Delete removes the object.
func (b *Backend) Delete(ctx context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.closedErr("delete", key); err != nil {
		return err
	}
	b.deletes++
	delete(b.objs, key)
	return nil
}

// Plain returns b seen only as an uploader.Backend: no Stater, Deleter,
// Describer or SkewReporter.
func Plain(b *Backend) uploader.Backend { return plain{b} }

type plain struct{ b *Backend }

func (p plain) Name() string { return p.b.Name() }
func (p plain) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	return p.b.Put(ctx, obj)
}
func (p plain) ErrorKind(err error) uploader.Kind { return p.b.ErrorKind(err) }
func (p plain) Close() error                      { return nil }

// Spool is an in-memory backup: an uploader.Spool that holds one copy per
// key.
type Spool struct {
	name string
	now  func() time.Time

	mu      sync.Mutex
	held    map[string]*copyOf
	seq     int
	fail    error
	removed int
}

type copyOf struct {
	s    uploader.Spooled
	data []byte
}

var _ uploader.Spool = (*Spool)(nil)

// NewSpool returns an empty Spool named name, whose copies are dated by now.
func NewSpool(name string, now func() time.Time) *Spool {
	return &Spool{name: name, now: now, held: map[string]*copyOf{}}
}

// SetFail makes Backup and Put fail with err (nil restores them).
func (s *Spool) SetFail(err error) {
	s.mu.Lock()
	s.fail = err
	s.mu.Unlock()
}

// Corrupt flips the first byte of the copy held under key.
func (s *Spool) Corrupt(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.held[key]; ok && len(c.data) > 0 {
		c.data[0] ^= 0xff
	}
}

// Redate sets the Stored time of the copy held under key, as a record
// with a false date would.
func (s *Spool) Redate(key string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.held[key]; ok {
		c.s.Stored = at
	}
}

// Damage marks the copy held under key damaged, as a backup whose record
// cannot be trusted lists it.
func (s *Spool) Damage(key string, why error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.held[key]; ok {
		c.s.Damaged = why
	}
}

// Held returns the copy held under key and its bytes.
func (s *Spool) Held(key string) (uploader.Spooled, []byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.held[key]
	if !ok {
		return uploader.Spooled{}, nil, false
	}
	return c.s, slices.Clone(c.data), true
}

// Len returns the number of copies held.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// Name returns the spool's name.
func (s *Spool) Name() string { return s.name }

// Describe says the spool's name and provider, local.
func (s *Spool) Describe() uploader.Description {
	return uploader.Description{Name: s.name, Provider: "local"}
}

// Put stores obj, as Backup does with no failed attempts.
func (s *Spool) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	return s.Backup(ctx, obj, nil)
}

// ErrorKind classifies as Backend.ErrorKind does.
func (s *Spool) ErrorKind(err error) uploader.Kind {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return uploader.Canceled
	}
	return uploader.KindOf(err)
}

// Close does nothing.
func (s *Spool) Close() error { return nil }

// Backup stores a copy of obj, replacing any copy of the same key.
func (s *Spool) Backup(ctx context.Context, obj uploader.Object, failed []uploader.Attempt) (uploader.Result, error) {
	s.mu.Lock()
	ferr := s.fail
	s.mu.Unlock()
	if ferr != nil {
		return uploader.Result{}, ferr
	}
	sr, body, err := obj.Reader()
	if err != nil {
		return uploader.Result{}, err
	}
	data, err := io.ReadAll(sr)
	body.Close()
	if err != nil {
		return uploader.Result{}, &uploader.Error{Kind: uploader.Invalid, Op: "read", Key: obj.Key, Message: err.Error(), Err: err}
	}
	m5, s256 := md5.Sum(data), sha256.Sum256(data)
	s.mu.Lock()
	s.seq++
	sp := uploader.Spooled{ID: fmt.Sprintf("%s#%d", obj.Key, s.seq), Key: obj.Key, Size: int64(len(data)),
		ContentType: obj.ContentType, Metadata: maps.Clone(obj.Metadata), Attributes: obj.Attributes,
		MD5: hex.EncodeToString(m5[:]), SHA256: hex.EncodeToString(s256[:]), Stored: s.now(),
		Failed: slices.Clone(failed), URL: "file:///spool/" + obj.Key}
	s.held[obj.Key] = &copyOf{s: sp, data: data}
	s.mu.Unlock()
	return uploader.Result{Provider: "local", URL: sp.URL, ETag: sp.MD5, MD5: sp.MD5, Size: sp.Size}, nil
}

// List returns the copies held, oldest first.
func (s *Spool) List(ctx context.Context) ([]uploader.Spooled, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []uploader.Spooled
	for _, c := range s.held {
		out = append(out, c.s)
	}
	slices.SortFunc(out, func(a, b uploader.Spooled) int {
		if c := a.Stored.Compare(b.Stored); c != 0 {
			return c
		}
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	return out, nil
}

// Object returns an Object over the copy sp; Open fails with Integrity if
// the bytes no longer match sp.SHA256, and Object with NoSuchKey if the
// copy is gone or replaced.
func (s *Spool) Object(sp uploader.Spooled) (uploader.Object, error) {
	s.mu.Lock()
	c, ok := s.held[sp.Key]
	s.mu.Unlock()
	if !ok || c.s.ID != sp.ID {
		return uploader.Object{}, &uploader.Error{Kind: uploader.Invalid, Target: s.name, Op: "open", Key: sp.Key, Status: 404, Code: "NoSuchKey"}
	}
	obj := uploader.Object{Key: sp.Key, Size: sp.Size, ContentType: sp.ContentType, Metadata: maps.Clone(sp.Metadata), Attributes: sp.Attributes}
	obj.Open = func() (uploader.Body, error) {
		s.mu.Lock()
		data := slices.Clone(c.data)
		s.mu.Unlock()
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != sp.SHA256 {
			return nil, &uploader.Error{Kind: uploader.Integrity, Target: s.name, Op: "read", Key: sp.Key, Message: "sha256 mismatch"}
		}
		return uploader.BytesObject(sp.Key, data).Open()
	}
	return obj, nil
}

// Remove deletes the copy sp if it is still the one held under its key.
func (s *Spool) Remove(ctx context.Context, sp uploader.Spooled) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.held[sp.Key]
	if !ok || c.s.ID != sp.ID {
		return false, nil
	}
	delete(s.held, sp.Key)
	s.removed++
	return true, nil
}
