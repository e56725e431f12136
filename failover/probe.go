package failover

import (
	"context"

	"github.com/resilient-upload/upload/uploader"
)

// probeBody is the body of a health probe's object.
var probeBody = []byte("upload health probe\n")

// probeKey is the key of a health probe's object, after Probe.KeyPrefix.
const probeKey = "probe"

func (u *Uploader) startProbes() {
	ctx, cancel := context.WithCancel(context.Background())
	u.probeStop = cancel
	u.probeWG.Add(1)
	go func() {
		defer u.probeWG.Done()
		for u.clock.Sleep(ctx, u.opts.Probe.Interval) == nil {
			u.probeRound(ctx)
		}
	}()
}

// probeRound probes, one after the other, the cloud targets whose breaker
// is open and whose backend is a Deleter.
func (u *Uploader) probeRound(ctx context.Context) {
	for _, t := range u.clouds {
		if ctx.Err() != nil {
			return
		}
		if t.deleter == nil || !t.br.gated() {
			continue
		}
		ok, err := u.probe(ctx, t)
		if ctx.Err() != nil {
			return
		}
		t.c.probes.Add(1)
		if !ok {
			t.c.probeFailures.Add(1)
		} else {
			t.br.lift()
		}
		u.emit(Event{Type: EventProbe, Time: u.clock.Now(), Target: t.name, Key: u.opts.Probe.KeyPrefix + probeKey,
			OK: ok, Err: err, Kind: uploader.KindOf(err)})
	}
}

// probe puts the probe object on t and deletes it. ok reports that the put
// succeeded; err is the put's failure, or, if ok, the delete's (a probe
// object was left behind).
func (u *Uploader) probe(ctx context.Context, t *target) (ok bool, err error) {
	key := u.opts.Probe.KeyPrefix + probeKey
	pctx, cancel := withTimeout(ctx, u.clock, u.opts.Probe.Timeout)
	_, err = t.b.Put(pctx, uploader.BytesObject(key, probeBody))
	cancel()
	if err != nil {
		return false, uploader.Classify(ctx, t.b, err)
	}
	dctx, cancel := withTimeout(ctx, u.clock, u.opts.Probe.Timeout)
	defer cancel()
	if err := t.deleter.Delete(dctx, key); err != nil {
		return true, uploader.Classify(ctx, t.b, err)
	}
	return true, nil
}
