package tos

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

// TestListObjectsPagesAndCRC64: ListObjects follows the continuation token
// page by page (one request each) and reports the CRC-64 TOS keeps.
func TestListObjectsPagesAndCRC64(t *testing.T) {
	f := newFakeTOS(t)
	var calls atomic.Int64
	f.handle(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		q := r.URL.Query()
		if q.Get("list-type") != "2" || q.Get("prefix") != "d/" || q.Get("max-keys") != "1000" {
			http.Error(w, "unexpected query "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		page := map[string]any{"Name": "bkt", "Prefix": "d/"}
		if q.Get("continuation-token") == "" {
			page["IsTruncated"], page["NextContinuationToken"] = true, "t2"
			page["Contents"] = []map[string]any{
				{"Key": "d/a", "Size": 3, "ETag": `"900150983cd24fb0d6963f7d28e17f72"`, "HashCrc64Ecma": "12345", "LastModified": "2026-12-01T10:00:00Z"},
			}
		} else {
			page["Contents"] = []map[string]any{
				{"Key": "d/b", "Size": 9, "ETag": `"abc-2"`, "HashCrc64Ecma": "678", "LastModified": "2026-12-01T10:00:00Z"},
			}
		}
		w.Header().Set("x-tos-request-id", "req-list")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(page)
	})
	b := newTestBackend(t, f.endpoint(), nil)
	var got []uploader.ObjectInfo
	if err := b.ListObjects(context.Background(), "d/", func(o uploader.ObjectInfo) bool { got = append(got, o); return true }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || calls.Load() != 2 {
		t.Fatalf("listed %+v in %d requests; want d/a and d/b in 2", got, calls.Load())
	}
	if got[0].Key != "d/a" || got[0].Size != 3 || got[0].ETag != "900150983cd24fb0d6963f7d28e17f72" || got[0].CRC64 != "12345" {
		t.Errorf("first object %+v", got[0])
	}
	if got[1].Key != "d/b" || got[1].CRC64 != "678" || !strings.HasSuffix(got[1].ETag, "-2") {
		t.Errorf("second object %+v", got[1])
	}
	// fn returning false stops at once: no second page.
	calls.Store(0)
	n := 0
	must := b.ListObjects(context.Background(), "d/", func(uploader.ObjectInfo) bool { n++; return false })
	if must != nil || n != 1 || calls.Load() != 1 {
		t.Errorf("stopping early: err %v, %d objects, %d requests; want 1 and 1", must, n, calls.Load())
	}
}

// TestListObjectsThroughGateway: the SDK's ListObjectsType2 request,
// translated by the gateway to MinIO and its XML result back to TOS's
// JSON, lists the keys under the prefix with their sizes and MD5 ETags.
func TestListObjectsThroughGateway(t *testing.T) {
	e := newGatewayEnv(t)
	b := gwBackend(t, e, nil)
	ctx := context.Background()
	for _, k := range []string{"d/a", "d/sub/b", "other"} {
		if _, err := b.Put(ctx, uploader.BytesObject(k, []byte("abc"))); err != nil {
			t.Fatal(err)
		}
	}
	var got []uploader.ObjectInfo
	if err := b.ListObjects(ctx, "d/", func(o uploader.ObjectInfo) bool { got = append(got, o); return true }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Key != "d/a" || got[1].Key != "d/sub/b" {
		t.Fatalf("listed %+v; want d/a and d/sub/b", got)
	}
	for _, o := range got {
		if o.Size != 3 || o.ETag != "900150983cd24fb0d6963f7d28e17f72" || o.LastModified.IsZero() {
			t.Errorf("listed %+v; want size 3, the MD5 ETag of \"abc\" and a time", o)
		}
	}
}

// TestListObjectsSkewThroughGateway: with the server 31 minutes ahead, a
// listing (a call without the SDK's RequestDate hook) is refused once for
// the clock, signed again at the server's time by the backend's signer, and
// succeeds; the next listing is signed at the corrected time from the start.
func TestListObjectsSkewThroughGateway(t *testing.T) {
	e := newGatewayEnv(t)
	e.Gateway.SetClockOffset(31 * time.Minute)
	t.Cleanup(func() { e.Gateway.SetClockOffset(0) })
	b := gwBackend(t, e, nil)
	before := e.Gateway.Count(gateway.OpList)
	for i, want := range []int{2, 1} {
		if err := b.ListObjects(context.Background(), "d/", func(uploader.ObjectInfo) bool { return true }); err != nil {
			t.Fatalf("listing %d with the server 31m ahead: %v", i+1, err)
		}
		n := e.Gateway.Count(gateway.OpList) - before
		if n != want {
			t.Errorf("listing %d: %d requests; want %d", i+1, n, want)
		}
		before += n
	}
}
