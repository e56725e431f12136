package main

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// Multipart uploads in the resume journal. A file uploaded in parts gets,
// besides its record once stored, lines of its own while it is uploaded:
//
//	{"multipart":"started","of":KEY,"target":T,"upload_id":ID,"size":…,"mtime_ns":…,"part_size":…,"time":…}
//	{"multipart":"part","of":KEY,"target":T,"upload_id":ID,"part":{"number":…,"offset":…,"size":…,"etag":…,"elapsed_ms":…},"time":…}
//	{"multipart":"ended","of":KEY,"target":T,"upload_id":ID,"time":…}
//
// "started" is written and fsync'ed before the first part is sent, so that
// a process killed at any point leaves the ID of every upload it started;
// "part" and "ended" go with the journal's group commit. These lines have
// no "key", so a version of upload that does not know them counts them as
// unreadable instead of taking them for stored files. A later record of
// the file stored replaces them: the upload is over.
//
// A rerun hands the ID of a started and not ended upload to the backend
// (uploader.Resumer): the backend lists the parts the server holds, keeps
// those whose size and ETag match the file's bytes now, and sends only the
// missing ones; if the file changed, or the upload is gone, it aborts the
// old upload and starts anew. Once a file is stored, the uploads of it left
// open on other targets (by an attempt that failed over) are aborted.

// mpRecord is one journal line about a multipart upload.
type mpRecord struct {
	Multipart string      `json:"multipart"` // started, part or ended
	Of        string      `json:"of"`        // the object key
	Target    string      `json:"target"`
	UploadID  string      `json:"upload_id"`
	Size      int64       `json:"size,omitempty"`
	MtimeNS   int64       `json:"mtime_ns,omitempty"`
	PartSize  int64       `json:"part_size,omitempty"`
	Part      *partRecord `json:"part,omitempty"`
	Time      string      `json:"time"`
}

// partRecord is one part of a multipart upload, in the journal and in the
// --json report.
type partRecord struct {
	Number    int     `json:"number"`
	Offset    int64   `json:"offset"`
	Size      int64   `json:"size"`
	ETag      string  `json:"etag,omitempty"`
	ElapsedMS float64 `json:"elapsed_ms"`
	Resumed   bool    `json:"resumed,omitempty"`
}

func newPartRecord(p uploader.Part) *partRecord {
	return &partRecord{Number: p.Number, Offset: p.Offset, Size: p.Size, ETag: p.ETag,
		ElapsedMS: float64(p.Elapsed.Microseconds()) / 1000, Resumed: p.Resumed}
}

// partsReport returns the parts of a multipart upload for the report, nil
// for a single PUT.
func partsReport(ps []uploader.Part) []partRecord {
	if len(ps) == 0 {
		return nil
	}
	out := make([]partRecord, len(ps))
	for i, p := range ps {
		out[i] = *newPartRecord(p)
	}
	return out
}

// uploads is the journal's view of multipart uploads started and not
// ended: key -> target -> upload ID.
type uploads struct {
	mu   sync.Mutex
	open map[string]map[string]string
}

func (u *uploads) set(key, target, id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.open == nil {
		u.open = map[string]map[string]string{}
	}
	if u.open[key] == nil {
		u.open[key] = map[string]string{}
	}
	u.open[key][target] = id
}

func (u *uploads) end(key, target, id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.open[key][target] == id {
		delete(u.open[key], target)
		if len(u.open[key]) == 0 {
			delete(u.open, key)
		}
	}
}

func (u *uploads) forget(key string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.open, key)
}

func (u *uploads) get(key, target string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.open[key][target]
}

// of returns the open uploads of key, by target.
func (u *uploads) of(key string) map[string]string {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := map[string]string{}
	for t, id := range u.open[key] {
		out[t] = id
	}
	return out
}

// loadMultipart applies a journal line about a multipart upload, and
// reports whether line was one.
func (j *journal) loadMultipart(line []byte) bool {
	if !bytes.Contains(line, []byte(`"multipart"`)) {
		return false
	}
	var r mpRecord
	if json.Unmarshal(line, &r) != nil || r.Multipart == "" || r.Of == "" || r.Target == "" || r.UploadID == "" {
		return false
	}
	switch r.Multipart {
	case "started":
		j.mp.set(r.Of, r.Target, r.UploadID)
	case "ended":
		j.mp.end(r.Of, r.Target, r.UploadID)
	}
	return true
}

// addMultipart appends r; with sync it returns once r is on disk
// (fsync'ed), or the journal failed.
func (j *journal) addMultipart(r mpRecord, sync bool) {
	b, err := json.Marshal(r)
	if err != nil {
		return
	}
	j.mu.Lock()
	j.pending.Write(append(b, '\n'))
	j.queued++
	seq := j.queued
	j.mu.Unlock()
	select {
	case j.kick <- struct{}{}:
	default:
	}
	if !sync {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.flushed < seq && j.err == nil && !j.closing {
		j.cond.Wait()
	}
}

// resumer returns the uploader.Resumer of a file stored under key, whose
// size and modification time the upload saw.
func (j *journal) resumer(key string, size, mtimeNS int64, now func() time.Time) uploader.Resumer {
	return &fileResumer{j: j, key: key, size: size, mtimeNS: mtimeNS, now: now}
}

// fileResumer records one file's multipart uploads in the journal.
type fileResumer struct {
	j             *journal
	key           string
	size, mtimeNS int64
	now           func() time.Time
}

func (r *fileResumer) stamp() string { return r.now().UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func (r *fileResumer) UploadID(target string) string { return r.j.mp.get(r.key, target) }

func (r *fileResumer) Started(target, id string, partSize int64) {
	r.j.mp.set(r.key, target, id)
	r.j.addMultipart(mpRecord{Multipart: "started", Of: r.key, Target: target, UploadID: id,
		Size: r.size, MtimeNS: r.mtimeNS, PartSize: partSize, Time: r.stamp()}, true)
}

func (r *fileResumer) PartDone(target, id string, p uploader.Part) {
	r.j.addMultipart(mpRecord{Multipart: "part", Of: r.key, Target: target, UploadID: id, Part: newPartRecord(p), Time: r.stamp()}, false)
}

func (r *fileResumer) Ended(target, id string) {
	r.j.mp.end(r.key, target, id)
	r.j.addMultipart(mpRecord{Multipart: "ended", Of: r.key, Target: target, UploadID: id, Time: r.stamp()}, false)
}

// abortOrphans aborts the multipart uploads of key that the journal holds
// open on targets other than stored (an attempt that failed over left
// them), once the file is stored: nothing else would resume them. A target
// no longer configured, or that cannot abort, keeps its upload (upload
// doctor lists it).
func (b *batch) abortOrphans(ctx context.Context, key, stored string) {
	for target, id := range b.j.mp.of(key) {
		if target == stored {
			continue
		}
		for _, be := range b.set.backends {
			ab, ok := be.(uploader.MultipartAborter)
			if be.Name() != target || !ok {
				continue
			}
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			err := ab.AbortIncomplete(actx, key, id)
			cancel()
			if err != nil {
				b.say("%s: aborting its unfinished multipart upload on %s: %s (upload doctor --abort-incomplete removes it)", shown(key), target, safeText(errText(err)))
				continue
			}
			b.j.mp.end(key, target, id)
			b.j.addMultipart(mpRecord{Multipart: "ended", Of: key, Target: target, UploadID: id,
				Time: b.a.now().UTC().Format("2006-01-02T15:04:05.000Z07:00")}, false)
		}
	}
}
