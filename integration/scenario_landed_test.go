package integration_test

import (
	"testing"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// Objects of landedSize bytes go in two parts of landedPart (the smallest
// part size) once above landedThreshold.
const (
	landedThreshold = 1 << 20
	landedPart      = 5 << 20
	landedSize      = landedPart + 1<<20
)

// multipartBackend returns a backend for c's gateway and bucket that sends
// objects above landedThreshold in parts of landedPart bytes; it replaces
// c.b and is closed in t.Cleanup.
func multipartBackend(t testing.TB, c *cloud) uploader.Backend {
	c.b = partedBackend(t, c, c.spec.name, landedThreshold, landedPart, 0)
	return c.b
}

// landedSpecs are the clouds the landed scenarios run on, one per dialect.
var landedSpecs = []cloudSpec{
	{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing"},
	{dialect: gateway.OSS, name: "oss-hangzhou", region: "cn-hangzhou"},
	{dialect: gateway.OBS, name: "obs-beijing"},
	{dialect: gateway.COS, name: "cos-guangzhou"},
}

// TestScenarioLandedComparesContent (issue 10, item 7): after a cut reply,
// the failover layer takes the object under the key for the upload only
// when its content proves it, through each vendor's gateway and MinIO.
//
//   - initiate-cut-older-object: an older object of the same size, stored
//     moments before by a multipart upload, is under the key; the reply to
//     the new upload's initiate call is cut, so nothing of it is stored.
//     The older object must not be counted as the upload (no EventLanded):
//     the upload is retried and MinIO holds the new bytes.
//   - complete-cut: the reply to the complete call is cut after MinIO
//     assembled the object: the multipart ETag proves it is the upload's,
//     so it counts as stored (EventLanded) without a second upload.
func TestScenarioLandedComparesContent(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, spec := range landedSpecs {
		t.Run(string(spec.dialect), func(t *testing.T) {
			c := newCloud(t, srv, spec)
			b := multipartBackend(t, c)
			t.Run("initiate-cut-older-object", func(t *testing.T) {
				key := "landed/initiate-cut"
				old, oldData := object(key, landedSize, 1)
				if _, err := uploader.New(b).Upload(t.Context(), old); err != nil {
					t.Fatalf("storing the older object: %v", err)
				}
				wantStored(t, c, key, oldData)
				obj, data := object(key, landedSize, 2)
				log := newEventLog()
				u := newFailover(t, []*cloud{c}, nil, failover.Options{Retry: failover.RetryOptions{MaxAttempts: 2}}, log)
				f := c.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpInitiate}, KeyPrefix: key, Action: gateway.Truncate(), Times: 1})
				res := mustUpload(t, u, obj)
				if c.gw.FaultHits(f) != 1 {
					t.Fatalf("the cut-reply fault met %d requests, want 1", c.gw.FaultHits(f))
				}
				if n := len(log.find(failover.EventLanded, "", nil)); n != 0 {
					t.Errorf("the older object was taken for the upload (%d landed events; attempts %v)", n, kinds(res.Attempts))
				}
				wantStored(t, c, key, data)
			})
			t.Run("complete-cut", func(t *testing.T) {
				key := "landed/complete-cut"
				obj, data := object(key, landedSize, 3)
				log := newEventLog()
				u := newFailover(t, []*cloud{c}, nil, failover.Options{Retry: failover.RetryOptions{MaxAttempts: 2}}, log)
				initiates := c.gw.Count(gateway.OpInitiate)
				f := c.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpComplete}, KeyPrefix: key, Action: gateway.Truncate(), Times: 1})
				res := mustUpload(t, u, obj)
				if c.gw.FaultHits(f) != 1 {
					t.Fatalf("the cut-reply fault met %d requests, want 1", c.gw.FaultHits(f))
				}
				if n := len(log.find(failover.EventLanded, spec.name, nil)); n != 1 {
					t.Errorf("%d landed events, want 1 (attempts %v)", n, kinds(res.Attempts))
				}
				if n := c.gw.Count(gateway.OpInitiate) - initiates; n != 1 {
					t.Errorf("%d multipart uploads, want 1: the landed object was sent again", n)
				}
				if res.MD5 != md5hex(data) {
					t.Errorf("result MD5 %q, want %q", res.MD5, md5hex(data))
				}
				wantStored(t, c, key, data)
			})
		})
	}
}
