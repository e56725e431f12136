package failover

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// settleTimeout bounds the check a canceled upload makes, with a context of
// its own, of what its last attempt left under the key.
const settleTimeout = 10 * time.Second

// sentCounter counts the bytes read from the bodies an attempt opened: the
// server cannot have received more. Re-reads count again, so it errs on the
// side of "sent".
type sentCounter struct{ n atomic.Int64 }

// watchSent returns obj with an Open whose bodies count what is read from
// them in c.
func watchSent(obj uploader.Object) (uploader.Object, *sentCounter) {
	c := &sentCounter{}
	open := obj.Open
	if open == nil {
		return obj, c
	}
	obj.Open = func() (uploader.Body, error) {
		b, err := open()
		if err != nil {
			return b, err
		}
		return countingBody{b, c}, nil
	}
	return obj, c
}

type countingBody struct {
	uploader.Body
	c *sentCounter
}

func (b countingBody) ReadAt(p []byte, off int64) (int, error) {
	n, err := b.Body.ReadAt(p, off)
	b.c.n.Add(int64(n))
	return n, err
}

// whole reports whether the whole body may have been sent.
func (c *sentCounter) whole(size int64) bool { return c.n.Load() >= size }

// settleCanceled decides what an attempt on t that the caller canceled
// (r.ctx is done; err is its failure) left under the key, so that the
// upload ends clean or honest, never silent:
//
//   - if the body was not read whole, the server cannot hold the object
//     (an unfinished multipart upload is aborted by the backend): err;
//   - else a Stat, with a context of its own bounded by settleTimeout,
//     finds no object, or one whose content is not the object's ([match]),
//     for a multipart upload (which the backend aborts): nothing of the
//     upload is there: err; for a single PUT that is no proof (the server
//     may commit the body it has after the Stat), so the error says
//     MayHaveLanded;
//   - the object is there, proved by its content: the attempt stored it
//     after all, and the upload succeeds, as after an ambiguous failure
//     ([EventLanded]);
//   - else (no Stater, the Stat failed, nothing proves the content) the
//     object may be there: err, and the upload's error will say
//     MayHaveLanded with t as its Target.
//
// It does not delete what it finds: an object with the object's very bytes
// may have been there before the upload, and deleting it would lose it.
func (r *run) settleCanceled(t *target, sent *sentCounter, end time.Time, err error) (uploader.Result, error) {
	u := r.u
	if !sent.whole(r.obj.Size) {
		return uploader.Result{}, err
	}
	if t.stater == nil {
		r.unsure = t
		return uploader.Result{}, err
	}
	sctx, cancel := withTimeout(context.WithoutCancel(r.ctx), u.clock, settleTimeout)
	defer cancel()
	info, serr := t.stater.Stat(sctx, r.obj.Key)
	if serr != nil {
		if !uploader.IsNotFound(serr) || !aborted(t, r.obj.Size) {
			r.unsure = t
		} else if r.unsure == t {
			r.unsure = nil
		}
		return uploader.Result{}, err
	}
	m, sum := match(sctx, t.b, r.obj, info)
	switch m {
	case matchSame:
		now := u.clock.Now()
		r.record(t, nil, end, now, nil)
		u.c.landed.Add(1)
		u.emit(Event{Type: EventLanded, Time: now, Target: t.name, Key: r.obj.Key})
		return uploader.Result{Provider: t.provider, ETag: info.ETag, MD5: sum, Size: info.Size}, nil
	case matchDiffers:
		if !aborted(t, r.obj.Size) {
			r.unsure = t
		} else if r.unsure == t {
			r.unsure = nil
		}
	default:
		r.unsure = t
	}
	return uploader.Result{}, err
}

// aborted reports whether an object of size bytes goes to t in a multipart
// upload, which the backend aborts when its context ends, so that a Stat
// that does not find the object proves it absent. A single PUT whose body
// was sent whole is not such proof: the server may still commit it after
// the Stat (the cancel closes the connection, not the server's work).
func aborted(t *target, size int64) bool {
	ps, ok := t.b.(uploader.PartSizer)
	return ok && ps.PartSize(size) > 0
}

// honest returns err, the failure that ends a run, marked MayHaveLanded
// when the caller canceled and an attempt left the object perhaps stored
// on r.unsure.
func (r *run) honest(err error) error {
	if err == nil || r.unsure == nil || (r.ctx.Err() == nil && uploader.KindOf(err) != uploader.Canceled) {
		return err
	}
	e := uploader.AsError(err)
	if e == nil {
		e = &uploader.Error{Kind: uploader.Canceled, Op: "upload", Key: r.obj.Key, Message: err.Error(), Err: err}
	} else {
		c := *e
		e = &c
	}
	t := r.unsure
	e.MayHaveLanded = true
	if e.Target != t.name {
		e.Message += "; an attempt on " + t.name + " may have stored the object"
	}
	e.Target, e.Provider, e.Key = t.name, t.provider, r.obj.Key
	return e
}
