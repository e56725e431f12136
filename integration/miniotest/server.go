package miniotest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The fixed, fake root credentials of every server this package starts. They
// are test values, valid only for a loopback server with a temporary data
// dir.
const (
	RootUser     = "miniotestroot"
	RootPassword = "miniotest-fake-secret"
)

// Region is the region minio-go uses for the servers (MinIO's default).
const Region = "us-east-1"

// Options configures [Start]. The zero value works.
type Options struct {
	// Binary is the MinIO executable. Default: [EnsureBinary].
	Binary string
	// DataDir is the server's data directory; it must be empty or absent and
	// is left in place by Stop. Default: a new temporary directory, removed
	// by Stop.
	DataDir string
	// Tmpfs puts the default data directory on /dev/shm when it exists (for
	// benchmarks: no disk I/O). Ignored when DataDir is set.
	Tmpfs bool
	// StartTimeout bounds the start, from exec to a healthy server.
	// Default: 60s.
	StartTimeout time.Duration
}

// Server is a running MinIO on 127.0.0.1, started by [Start] and stopped by
// [Server.Stop]. Its methods are safe for concurrent use.
type Server struct {
	// Endpoint is "127.0.0.1:PORT", as minio-go wants it.
	Endpoint string
	// URL is "http://127.0.0.1:PORT".
	URL string
	// AccessKey and SecretKey are the root credentials ([RootUser],
	// [RootPassword]).
	AccessKey, SecretKey string
	// DataDir is the server's data directory.
	DataDir string

	cmd        *exec.Cmd
	exited     chan struct{} // closed when the process has been reaped
	removeData bool
	logs       *ringBuffer
	client     *minio.Client

	stopOnce sync.Once
	stopErr  error
}

var apiLine = regexp.MustCompile(`API:\s+http://127\.0\.0\.1:(\d+)`)

// Start runs a MinIO server on a free 127.0.0.1 port (it binds port 0 and
// reads the port from the banner), with the root credentials [RootUser] and
// [RootPassword], the browser off and the console on another free loopback
// port, and waits until /minio/health/ready answers 200. On error nothing is
// left running. The caller must call Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()

	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = EnsureBinary(ctx); err != nil {
			return nil, err
		}
	}
	s := &Server{AccessKey: RootUser, SecretKey: RootPassword, logs: newRingBuffer(200), exited: make(chan struct{})}
	if opts.DataDir != "" {
		s.DataDir = opts.DataDir
	} else {
		base := ""
		if opts.Tmpfs {
			if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
				base = "/dev/shm"
			}
		}
		dir, err := os.MkdirTemp(base, "miniotest-")
		if err != nil {
			return nil, fmt.Errorf("miniotest: data dir: %w", err)
		}
		s.DataDir, s.removeData = dir, true
	}

	// Not CommandContext: the server must outlive ctx (which only bounds
	// the start); Stop ends it.
	cmd := exec.Command(bin, "server",
		"--address", "127.0.0.1:0",
		"--console-address", "127.0.0.1:0",
		s.DataDir)
	cmd.Env = append(cleanEnv(),
		"MINIO_ROOT_USER="+RootUser,
		"MINIO_ROOT_PASSWORD="+RootPassword,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CI_CD=on",
	)
	setProcAttr(cmd)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		s.cleanupData()
		return nil, fmt.Errorf("miniotest: start %s: %w", bin, err)
	}
	s.cmd = cmd
	go func() {
		_ = cmd.Wait()
		_ = pw.Close()
		close(s.exited)
	}()
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			s.logs.add(line)
			if !found {
				if m := apiLine.FindStringSubmatch(line); m != nil {
					found = true
					port <- m[1]
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()

	fail := func(err error) (*Server, error) {
		_ = s.Stop()
		return nil, fmt.Errorf("miniotest: %w\nMinIO output:\n%s", err, s.Logs())
	}
	select {
	case p := <-port:
		s.Endpoint = "127.0.0.1:" + p
		s.URL = "http://" + s.Endpoint
	case <-s.exited:
		return fail(errors.New("server exited before announcing its address"))
	case <-ctx.Done():
		return fail(fmt.Errorf("no address announced within %v", opts.StartTimeout))
	}
	if err := s.waitReady(ctx); err != nil {
		return fail(err)
	}
	c, err := minio.New(s.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Region: Region,
	})
	if err != nil {
		return fail(err)
	}
	s.client = c
	return s, nil
}

// cleanEnv is the process environment without MINIO_* variables, so a
// developer's MinIO settings cannot leak into the test server.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINIO_") {
			env = append(env, kv)
		}
	}
	return env
}

func (s *Server) waitReady(ctx context.Context) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/minio/health/ready", nil)
		resp, err := hc.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("health: %s", resp.Status)
		}
		last = err
		select {
		case <-s.exited:
			return errors.New("server exited while starting")
		case <-ctx.Done():
			return fmt.Errorf("not ready: %v (last: %v)", ctx.Err(), last)
		case <-t.C:
		}
	}
}

// Client returns a minio-go client with the root credentials.
func (s *Server) Client() *minio.Client { return s.client }

// Logs returns the last lines the server printed.
func (s *Server) Logs() string { return s.logs.String() }

// PID returns the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop ends the server: SIGTERM to its process group, SIGKILL after 10 s,
// then removes the data directory if Start created it. It is idempotent and
// returns the first result on later calls.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			select {
			case <-s.exited:
			default:
				signalGroup(s.cmd.Process.Pid, syscall.SIGTERM)
				select {
				case <-s.exited:
				case <-time.After(10 * time.Second):
					signalGroup(s.cmd.Process.Pid, syscall.SIGKILL)
					<-s.exited
				}
			}
		}
		s.stopErr = s.cleanupData()
	})
	return s.stopErr
}

func (s *Server) cleanupData() error {
	if !s.removeData {
		return nil
	}
	if err := os.RemoveAll(s.DataDir); err != nil {
		return fmt.Errorf("miniotest: remove data dir: %w", err)
	}
	return nil
}

// MakeBucket creates a private bucket.
func (s *Server) MakeBucket(ctx context.Context, name string) error {
	return s.client.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: Region})
}

// MakePublicBucket creates a bucket that anonymous callers may read and
// write: get, put, delete and multipart on its objects, list on the bucket.
func (s *Server) MakePublicBucket(ctx context.Context, name string) error {
	if err := s.MakeBucket(ctx, name); err != nil {
		return err
	}
	return s.client.SetBucketPolicy(ctx, name, publicPolicy(name))
}

func publicPolicy(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetBucketLocation","s3:ListBucket","s3:ListBucketMultipartUploads"],"Resource":["arn:aws:s3:::` + bucket + `"]},` +
		`{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject","s3:PutObject","s3:DeleteObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":["arn:aws:s3:::` + bucket + `/*"]}]}`
}

// RemoveBucket deletes a bucket with everything in it.
func (s *Server) RemoveBucket(ctx context.Context, name string) error {
	return s.client.RemoveBucketWithOptions(ctx, name, minio.RemoveBucketOptions{ForceDelete: true})
}

// UniqueBucketName returns a valid, unused-looking bucket name that starts
// with prefix (lower-cased; invalid characters become '-').
func UniqueBucketName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	p := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, prefix)
	p = strings.Trim(p, "-")
	if p == "" {
		p = "b"
	}
	if len(p) > 40 {
		p = p[:40]
	}
	return p + "-" + hex.EncodeToString(b[:])
}

// ringBuffer keeps the last n lines.
type ringBuffer struct {
	mu    sync.Mutex
	n     int
	lines []string
}

func newRingBuffer(n int) *ringBuffer { return &ringBuffer{n: n} }

func (r *ringBuffer) add(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, line)
	if len(r.lines) > r.n {
		r.lines = r.lines[len(r.lines)-r.n:]
	}
}

func (r *ringBuffer) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}
