package tos

import (
	"context"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// TestCheckBucketThroughGateway: CheckBucket passes on the bucket, fails a
// missing one with 404 NoSuchBucket (Kind bucket_not_found), still passes
// when the server's clock is 31 minutes ahead (the LIST is signed at the
// corrected time), and refuses after Close.
func TestCheckBucketThroughGateway(t *testing.T) {
	e := newGatewayEnv(t)
	ctx := context.Background()
	b := gwBackend(t, e, nil)
	if err := b.CheckBucket(ctx); err != nil {
		t.Fatalf("the bucket: %v", err)
	}
	missing := gwBackend(t, e, func(o *Options) { o.Bucket = e.MissingBucket() })
	err := missing.CheckBucket(ctx)
	if ue := uploader.AsError(err); ue == nil || ue.Kind != uploader.BucketNotFound || ue.Code != "NoSuchBucket" || ue.Status != 404 {
		t.Errorf("a missing bucket: %v; want bucket_not_found (404 NoSuchBucket)", err)
	}

	e.Gateway.SetClockOffset(31 * time.Minute)
	t.Cleanup(func() { e.Gateway.SetClockOffset(0) })
	skewed := gwBackend(t, e, nil)
	if err := skewed.CheckBucket(ctx); err != nil {
		t.Errorf("server clock 31m ahead: %v; want the LIST signed at the corrected time to pass", err)
	}
	if off, ok := skewed.Skew(); !ok || off < 30*time.Minute {
		t.Errorf("measured offset %v (known %v); want ≈31m", off, ok)
	}
	uncorrected := gwBackend(t, e, func(o *Options) { o.DisableSkewCorrection = true })
	if err := uncorrected.CheckBucket(ctx); uploader.KindOf(err) != uploader.ClockSkew {
		t.Errorf("skew correction off: %v; want Kind clock_skew", err)
	}

	b.Close()
	if err := b.CheckBucket(ctx); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("after Close: %v; want Kind invalid", err)
	}
}
