package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/uploader"
)

// remoteIndex is what --skip-existing compares files with: the objects
// the targets hold under the batch's prefix, listed (one LIST request per
// page of 1,000 keys on each target that lists) the first time a file
// needs it, never a request per file.
type remoteIndex struct {
	mode   string // "size" or "checksum"
	prefix string
	set    *targetSet
	warn   func(format string, args ...any)

	once  sync.Once
	byKey map[string][]remoteObject
	// listed counts the targets listed; failed those whose listing failed.
	listed, failed int
}

// remoteObject is one listed object and the target holding it.
type remoteObject struct {
	target, provider string
	info             uploader.ObjectInfo
}

// newRemoteIndex checks mode and that a target can list: a usage error
// otherwise. Nothing is listed yet.
func newRemoteIndex(mode, prefix string, set *targetSet, warn func(string, ...any)) (*remoteIndex, error) {
	if mode != "size" && mode != "checksum" {
		return nil, &usageError{fmt.Sprintf("--skip-existing %q: size (same key and size) or checksum (same key and MD5 or CRC-64)", mode)}
	}
	ix := &remoteIndex{mode: mode, prefix: prefix, set: set, warn: warn}
	var cannot []string
	for i, be := range set.backends {
		if set.isBackup(be.Name()) {
			continue
		}
		if _, ok := be.(uploader.ObjectLister); !ok {
			cannot = append(cannot, fmt.Sprintf("%s (%s)", be.Name(), set.descs[i].Provider))
		}
	}
	if len(cannot) == len(set.backends)-boolInt(set.backup != nil && set.clouds > 0) {
		return nil, &configError{[]string{fmt.Sprintf("--skip-existing: no target can list its objects (%s)", strings.Join(cannot, ", "))}}
	}
	if len(cannot) > 0 {
		warn("--skip-existing: %s cannot list its objects; files are compared with the other targets only", strings.Join(cannot, ", "))
	}
	return ix, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// listPrefix is the prefix every key of the batch starts with: the exact
// key, or --prefix joined like a directory.
func listPrefix(prefix, exact string) string {
	if exact != "" {
		return exact
	}
	if p := strings.TrimRight(prefix, "/"); p != "" {
		return p + "/"
	}
	return ""
}

// load lists every target that can, once. A listing that fails is a
// warning: that target's objects are taken as absent, so its files are
// uploaded (nothing is skipped on a guess).
func (ix *remoteIndex) load(ctx context.Context) {
	ix.once.Do(func() {
		ix.byKey = map[string][]remoteObject{}
		for i, be := range ix.set.backends {
			l, ok := be.(uploader.ObjectLister)
			if !ok || ix.set.isBackup(be.Name()) {
				continue
			}
			prov := ix.set.descs[i].Provider
			var got []remoteObject
			err := l.ListObjects(ctx, ix.prefix, func(info uploader.ObjectInfo) bool {
				got = append(got, remoteObject{target: be.Name(), provider: prov, info: info})
				return true
			})
			if err != nil {
				ix.failed++
				ix.warn("--skip-existing: listing %s failed, its objects are not compared (files go up again): %s", be.Name(), oneLine(err))
				continue
			}
			ix.listed++
			for _, o := range got {
				ix.byKey[o.info.Key] = append(ix.byKey[o.info.Key], o)
			}
		}
	})
}

// localSums are a file's digests, computed on first need in one read.
type localSums struct {
	path string
	done bool
	md5  string
	crc  string
	err  error
}

func (s *localSums) get(ctx context.Context) error {
	if s.done {
		return s.err
	}
	s.done = true
	f, err := os.Open(s.path)
	if err != nil {
		s.err = err
		return err
	}
	defer f.Close()
	m, c := md5.New(), crc64.New(crc64.MakeTable(crc64.ECMA))
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			s.err = err
			return err
		}
		n, err := f.Read(buf)
		m.Write(buf[:n])
		c.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.err = err
			return err
		}
	}
	s.md5, s.crc = hex.EncodeToString(m.Sum(nil)), strconv.FormatUint(c.Sum64(), 10)
	return nil
}

// match returns the listed object that key's file (size bytes at path)
// matches: same size, and with checksum the same MD5 (a plain-MD5 ETag)
// or the same CRC-64 (where the provider keeps one); a multipart ETag
// without a CRC-64 cannot be compared and does not match. sums gives the
// local digests (md5 set when the checksum was compared).
func (ix *remoteIndex) match(ctx context.Context, key string, size int64, sums *localSums) (remoteObject, bool, error) {
	ix.load(ctx)
	for _, o := range ix.byKey[key] {
		if o.info.Size != size {
			continue
		}
		if ix.mode == "size" {
			return o, true, nil
		}
		etag := strings.ToLower(strings.Trim(o.info.ETag, `"`))
		if !isHexMD5(etag) && o.info.CRC64 == "" && o.provider == local.TreeProvider {
			// A local destination lists no checksum: read its copy.
			if etag = ix.localMD5(ctx, o); etag == "" {
				continue
			}
		}
		if !isHexMD5(etag) && o.info.CRC64 == "" {
			continue
		}
		if err := sums.get(ctx); err != nil {
			return remoteObject{}, false, err
		}
		if isHexMD5(etag) && etag == sums.md5 || o.info.CRC64 != "" && o.info.CRC64 == sums.crc {
			return o, true, nil
		}
	}
	return remoteObject{}, false, nil
}

// localMD5 returns the MD5 of the local destination's copy of o, "" if it
// cannot be read.
func (ix *remoteIndex) localMD5(ctx context.Context, o remoteObject) string {
	for _, be := range ix.set.backends {
		g, ok := be.(uploader.Getter)
		if !ok || be.Name() != o.target {
			continue
		}
		rc, err := g.Get(ctx, o.info.Key)
		if err != nil {
			return ""
		}
		defer rc.Close()
		h := md5.New()
		if _, err := io.Copy(h, rc); err != nil {
			return ""
		}
		return hex.EncodeToString(h.Sum(nil))
	}
	return ""
}

// isHexMD5 reports whether s is 32 lower-case hex digits: a single PUT's
// ETag (a multipart upload's ends in -N).
func isHexMD5(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// skipExisting reports whether the file of r is skipped because a target
// holds it already (--skip-existing), and records that in r (status
// skipped) and, with --state and the MD5 known, in the journal.
func (b *batch) skipExisting(ctx context.Context, r *fileReport, job fileJob, mtimeNS int64) (bool, error) {
	if b.remote == nil {
		return false, nil
	}
	sums := &localSums{path: job.path}
	o, ok, err := b.remote.match(ctx, job.key, r.Size, sums)
	if err != nil || !ok {
		return false, err
	}
	r.Status, r.Target, r.Provider, r.ETag, r.MD5 = statusSkipped, o.target, o.provider, o.info.ETag, sums.md5
	if b.j != nil && sums.md5 != "" {
		d, _ := b.set.describe(o.target)
		b.j.add(stateRecord{Key: job.key, Path: job.path, Size: r.Size, MtimeNS: mtimeNS, MD5: sums.md5,
			Target: o.target, Provider: o.provider, Endpoint: d.Endpoint, Bucket: d.Bucket,
			Time: b.a.now().UTC().Format("2006-01-02T15:04:05.000Z07:00")})
	}
	return true, nil
}
