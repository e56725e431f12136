package gateway

import (
	"bytes"
	"hash/crc64"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestPartCRCsCombinesInListedOrder(t *testing.T) {
	var p partCRCs
	p.init()
	parts := [][]byte{[]byte("first part "), []byte("second "), []byte("third")}
	for i, b := range parts {
		p.put("u1", i+1, partCRC{crc: crc64.Checksum(b, crcTable), size: int64(len(b))})
	}
	got, ok := p.combined("u1", []int{1, 2, 3})
	if want := crc64.Checksum(bytes.Join(parts, nil), crcTable); !ok || got != want {
		t.Fatalf("combined = %d, %v; want %d", got, ok, want)
	}
	if _, ok := p.combined("u1", []int{1, 4}); ok {
		t.Fatal("combined with an unknown part reported a CRC")
	}
	p.forget("u1")
	if _, ok := p.combined("u1", []int{1}); ok {
		t.Fatal("combined after forget reported a CRC")
	}
}

func TestClassify(t *testing.T) {
	g, err := New(Options{Dialect: OSS, Upstream: Upstream{URL: "http://127.0.0.1:1"}, Domain: "gw.test"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		method, target, host, copySrc string
		want                          Op
		bucket, key, upstream         string
	}{
		{"PUT", "/b/k", "", "", OpPut, "b", "k", "/b/k"},
		{"PUT", "/b/dir%2Fk%20x", "", "", OpPut, "b", "dir/k x", "/b/dir%2Fk%20x"},
		{"PUT", "/b/k?partNumber=2&uploadId=u", "", "", OpUploadPart, "b", "k", "/b/k"},
		{"PUT", "/b/k", "", "/b/src", OpCopy, "b", "k", "/b/k"},
		{"POST", "/b/k?uploads", "", "", OpInitiate, "b", "k", "/b/k"},
		{"POST", "/b/k?uploadId=u", "", "", OpComplete, "b", "k", "/b/k"},
		{"DELETE", "/b/k?uploadId=u", "", "", OpAbort, "b", "k", "/b/k"},
		{"GET", "/b/k?uploadId=u", "", "", OpListParts, "b", "k", "/b/k"},
		{"GET", "/b/k", "", "", OpGet, "b", "k", "/b/k"},
		{"HEAD", "/b/k", "", "", OpHead, "b", "k", "/b/k"},
		{"DELETE", "/b/k", "", "", OpDelete, "b", "k", "/b/k"},
		{"PUT", "/b/k?acl", "", "", OpOther, "b", "k", "/b/k"},
		{"GET", "/b?list-type=2&prefix=x", "", "", OpList, "b", "", "/b"},
		{"GET", "/b/?location", "", "", OpBucket, "b", "", "/b/"},
		{"GET", "/b?uploads", "", "", OpListUploads, "b", "", "/b"},
		{"POST", "/b?delete", "", "", OpDeleteMulti, "b", "", "/b"},
		{"PUT", "/b", "", "", OpCreateBucket, "b", "", "/b"},
		{"HEAD", "/b", "", "", OpHeadBucket, "b", "", "/b"},
		{"DELETE", "/b", "", "", OpDeleteBucket, "b", "", "/b"},
		{"GET", "/", "", "", OpService, "", "", "/"},
		// virtual-host addressing
		{"PUT", "/dir/k", "vb.gw.test:9000", "", OpPut, "vb", "dir/k", "/vb/dir/k"},
		{"GET", "/", "vb.gw.test", "", OpList, "vb", "", "/vb/"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, c.target, nil)
		if c.host != "" {
			r.Host = c.host
		}
		if c.copySrc != "" {
			r.Header.Set("X-Oss-Copy-Source", c.copySrc)
		}
		ri := g.parseRequest(r)
		if ri.op != c.want || ri.bucket != c.bucket || ri.key != c.key || ri.upstreamPath != c.upstream {
			t.Errorf("%s %s host=%q: op=%s bucket=%q key=%q upstream=%q; want %s %q %q %q",
				c.method, c.target, c.host, ri.op, ri.bucket, ri.key, ri.upstreamPath, c.want, c.bucket, c.key, c.upstream)
		}
	}
}

func TestFaultBounds(t *testing.T) {
	put := reqInfo{op: OpPut, bucket: "b", key: "dir/k"}
	get := reqInfo{op: OpGet, bucket: "b", key: "dir/k"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	t.Run("times", func(t *testing.T) {
		var fs faultSet
		fs.init(1)
		fs.list = append(fs.list, &faultEntry{id: 1, f: Fault{Ops: []Op{OpPut}, Action: SlowDown(), Times: 2}})
		if _, ok := fs.match(get, "GET", now); ok {
			t.Fatal("a put fault matched a get")
		}
		for i := 0; i < 2; i++ {
			if a, ok := fs.match(put, "PUT", now); !ok || a.Code != "SlowDown" {
				t.Fatalf("request %d: %v %v, want SlowDown", i, a, ok)
			}
		}
		if _, ok := fs.match(put, "PUT", now); ok {
			t.Fatal("the fault outlived Times")
		}
		if fs.hits[1] != 2 {
			t.Fatalf("hits = %d, want 2", fs.hits[1])
		}
	})
	t.Run("window", func(t *testing.T) {
		var fs faultSet
		fs.init(1)
		fs.list = append(fs.list, &faultEntry{id: 1, f: Fault{Action: Reset(), From: now.Add(time.Minute), Until: now.Add(2 * time.Minute)}})
		if _, ok := fs.match(put, "PUT", now); ok {
			t.Fatal("matched before From")
		}
		if _, ok := fs.match(put, "PUT", now.Add(90*time.Second)); !ok {
			t.Fatal("did not match inside the window")
		}
		if _, ok := fs.match(put, "PUT", now.Add(2*time.Minute)); ok {
			t.Fatal("matched at Until")
		}
		if len(fs.list) != 0 {
			t.Fatal("an expired fault was kept")
		}
	})
	t.Run("filters", func(t *testing.T) {
		var fs faultSet
		fs.init(1)
		fs.list = append(fs.list, &faultEntry{id: 1, f: Fault{Methods: []string{"get"}, Bucket: "b", KeyPrefix: "dir/", Action: Reset()}})
		if _, ok := fs.match(put, "PUT", now); ok {
			t.Fatal("method filter ignored")
		}
		if _, ok := fs.match(get, "GET", now); !ok {
			t.Fatal("matching get not faulted")
		}
		other := get
		other.key = "elsewhere"
		if _, ok := fs.match(other, "GET", now); ok {
			t.Fatal("key prefix filter ignored")
		}
	})
	t.Run("probability is seeded", func(t *testing.T) {
		run := func(seed int64) []bool {
			var fs faultSet
			fs.init(seed)
			fs.list = append(fs.list, &faultEntry{id: 1, f: Fault{Action: Reset(), Probability: 0.3}})
			out := make([]bool, 200)
			for i := range out {
				_, out[i] = fs.match(put, "PUT", now)
			}
			return out
		}
		a, b := run(7), run(7)
		hits := 0
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("same seed, different decision at request %d", i)
			}
			if a[i] {
				hits++
			}
		}
		if hits < 30 || hits > 90 {
			t.Fatalf("%d of 200 requests faulted at p=0.3", hits)
		}
	})
}

func TestNamedAction(t *testing.T) {
	// The names of backendtest.FaultType.String().
	want := map[string]Action{
		"500":          InternalError(),
		"503-slowdown": SlowDown(),
		"429":          TooManyRequests(),
		"reset":        Reset(),
		"stall":        Stall(),
	}
	for name, w := range want {
		a, err := NamedAction(name)
		if err != nil || a != w {
			t.Errorf("NamedAction(%q) = %+v, %v; want %+v", name, a, err, w)
		}
	}
	if a, err := NamedAction("SignatureDoesNotMatch"); err != nil || a.Status != 403 {
		t.Errorf("NamedAction(SignatureDoesNotMatch) = %+v, %v", a, err)
	}
	if _, err := NamedAction("nonsense"); err == nil {
		t.Error("NamedAction(nonsense) succeeded")
	}
}

func TestHexBytes(t *testing.T) {
	// The StringToSignBytes form of the OSS troubleshooting guide: upper-case hex, space after each.
	if got := hexBytes("PUT\n"); got != "50 55 54 0A " {
		t.Fatalf("hexBytes = %q", got)
	}
}

var _ = http.StatusOK
