package main

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// sink is a benchmark-only S3 endpoint on loopback that accepts object
// PUTs and stores nothing: it reads each body, answers 200 with the body's
// MD5 as ETag (what S3 answers for a single PUT), and counts. It exists so
// that the scale runs (a million files) measure the client — its walk,
// report, journal and memory — rather than MinIO's metadata writes on a
// 2-core machine. It checks no signature and keeps no object: nothing
// measured against it says anything about a server.
type sink struct {
	ln  net.Listener
	srv *http.Server
	// Puts counts the object PUTs answered 200; Bytes their bodies.
	Puts, Bytes atomic.Int64
	// Other counts requests that were not object PUTs (a HEAD of an object
	// is answered 404 NoSuchKey, anything else 200 with an empty body).
	Other atomic.Int64
}

// startSink listens on a free 127.0.0.1 port.
func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{ln: ln}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: time.Minute}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logf("sink: %v", err)
		}
	}()
	return s, nil
}

// URL is the sink's http://127.0.0.1:PORT.
func (s *sink) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the sink.
func (s *sink) Close() error { return s.srv.Close() }

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Path style: /BUCKET/KEY...
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPut && key != "" && r.URL.RawQuery == "":
		h := md5.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.Puts.Add(1)
		s.Bytes.Add(n)
		w.Header().Set("ETag", `"`+hex.EncodeToString(h.Sum(nil))+`"`)
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodHead && key != "":
		s.Other.Add(1)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
	case r.URL.Query().Has("location"):
		s.Other.Add(1)
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">us-east-1</LocationConstraint>`)
	default:
		s.Other.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}
}
