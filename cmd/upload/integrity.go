package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/uploader"
)

// maxChangedTries is how many times a file that changes while it is being
// uploaded is read again, from a fresh open, before it is failed.
const maxChangedTries = 3

// uploadFile uploads file, and again from a fresh open when it changed
// while it was read (uploader.File reads one version or fails; File.Check
// says whether the version read is still the file's). After
// maxChangedTries it fails the file with an error that names it; an object
// the last try stored is then deleted, so that nothing of a file reported
// as failed is left as the answer. It returns the File of the last try and
// the attempts of every try.
func (b *batch) uploadFile(ctx context.Context, file *uploader.File, hint []byte, r *fileReport, fp *fileProgress) (uploader.Result, *uploader.File, error) {
	var attempts []uploader.Attempt
	for try := 1; ; try++ {
		obj := file.Object()
		b.f.attrs.apply(&obj)
		obj.MD5 = hint
		if b.j != nil {
			// Multipart uploads are recorded, and resumed by a retry or
			// a rerun (see state_multipart.go).
			obj.Resume = b.j.resumer(obj.Key, file.Size(), file.ModTime().UnixNano(), b.a.now)
		}
		res, err := b.set.u.Upload(uploader.WithProgress(ctx, fp.add), obj)
		attempts = append(attempts, res.Attempts...)
		res.Attempts = attempts
		changed := file.Check()
		if changed == nil && err == nil && res.MD5 != "" && file.MD5() != nil && !strings.EqualFold(res.MD5, hex.EncodeToString(file.MD5())) {
			changed = fmt.Errorf("%s changed while being uploaded (the bytes stored have MD5 %s, the bytes read %x)", file.Path(), res.MD5, file.MD5())
		}
		if changed == nil || ctx.Err() != nil {
			return res, file, err
		}
		if try == maxChangedTries {
			if err == nil {
				b.removeStored(ctx, res)
			}
			return res, file, fmt.Errorf("%w; it was read %d times and changed every time; nothing of it is stored (upload it again once it stops changing)", changed, try)
		}
		next, nerr := b.newFile(file.Object().Key, file.Path(), file.Size())
		if nerr != nil {
			if err == nil {
				b.removeStored(ctx, res)
			}
			return res, file, nerr
		}
		fp.add(-fp.sent.Load())
		if d := next.Size() - file.Size(); d != 0 {
			b.meter.bytesTotal.Add(d)
			fp.size = next.Size()
			r.Size = next.Size()
		}
		file, hint = next, nil
	}
}

// removeStored deletes the object res names: the upload of a file that kept
// changing, which may hold bytes of more than one version.
func (b *batch) removeStored(ctx context.Context, res uploader.Result) {
	for _, be := range b.set.backends {
		if be.Name() != res.Target {
			continue
		}
		d, ok := be.(uploader.Deleter)
		if !ok {
			b.say("%s: the object stored on %s may mix versions of a changing file and this target cannot delete it; delete %s", res.Key, res.Target, res.URL)
			return
		}
		if err := d.Delete(context.WithoutCancel(ctx), res.Key); err != nil {
			b.say("%s: deleting the object stored on %s from a file that kept changing: %v", res.Key, res.Target, errText(err))
		}
		return
	}
}

// claim is where a journal record, once checked, says a file is stored.
type claim struct {
	target, provider, url string
	inBackup              bool
}

// checkClaim decides whether rec, the journal record of key whose file has
// the recorded size, mtime and MD5, still holds. The journal is a claim to
// verify, not the truth:
//
//   - A record of a cloud target holds (as long as the target is configured
//     at the same place, which the caller checked).
//   - A record of the local directory made while it was the only target
//     (not backed_up) never counts as stored on a cloud: with a cloud target
//     configured, the file is uploaded.
//   - Otherwise a record of the local directory holds while its copy is there
//     and verifies (size, SHA-256 and the recorded MD5, read back in full).
//   - A backed-up copy that is gone or damaged holds only if a cloud target
//     has the object with the recorded size and an ETag equal to the recorded
//     MD5 (a drain moved it there); else the file is uploaded again.
//
// Journals of earlier versions hold the same fields and are read the same
// way.
func (b *batch) checkClaim(ctx context.Context, key string, rec stateRecord) (claim, bool) {
	if rec.Provider != local.Provider {
		return claim{target: rec.Target, provider: rec.Provider, url: rec.URL}, true
	}
	if !rec.BackedUp && b.set.clouds > 0 {
		return claim{}, false
	}
	if bk := b.set.backup; bk != nil && bk.Name() == rec.Target && copyVerifies(ctx, bk, key, rec.MD5) {
		return claim{target: rec.Target, provider: rec.Provider, url: rec.URL, inBackup: rec.BackedUp && b.set.isBackup(rec.Target)}, true
	}
	if !rec.BackedUp {
		return claim{}, false
	}
	for i, be := range b.set.backends {
		st, ok := be.(uploader.Stater)
		if _, isLocal := be.(*local.Backend); isLocal || !ok {
			continue
		}
		info, err := st.Stat(ctx, key)
		if err == nil && info.Size == rec.Size && strings.EqualFold(strings.Trim(info.ETag, `"`), rec.MD5) {
			return claim{target: be.Name(), provider: b.set.descs[i].Provider}, true
		}
	}
	return claim{}, false
}

// copyVerifies reports whether the backup holds a copy of key that reads back
// whole (the backend checks its size and SHA-256) with the MD5 want.
func copyVerifies(ctx context.Context, bk *local.Backend, key, want string) bool {
	rc, err := bk.Get(ctx, key)
	if err != nil {
		return false
	}
	defer rc.Close()
	h := md5.New()
	if _, err := io.Copy(h, rc); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == want
}
