package main

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

func TestSinkAnswersPutsWithTheMD5AndCounts(t *testing.T) {
	s, err := startSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(path, body string) *http.Response {
		req, err := http.NewRequest(http.MethodPut, s.URL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	sum := md5.Sum([]byte("hello"))
	resp := put("/bucket/a/b.txt", "hello")
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Fatalf("PUT: %d, ETag %s", resp.StatusCode, resp.Header.Get("ETag"))
	}
	put("/bucket/empty", "")
	put("/bucket", "") // a bucket, not an object
	if s.Puts.Load() != 2 || s.Bytes.Load() != 5 || s.Other.Load() != 1 {
		t.Fatalf("puts %d bytes %d other %d, want 2, 5, 1", s.Puts.Load(), s.Bytes.Load(), s.Other.Load())
	}
	head, err := http.Head(s.URL() + "/bucket/a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.StatusCode != 404 {
		t.Fatalf("HEAD of an object: %d, want 404 (the sink stores nothing)", head.StatusCode)
	}
}
