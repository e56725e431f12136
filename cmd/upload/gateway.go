package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/spf13/cobra"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/internal/netem"
)

const gatewayHelp = `upload gateway runs, on this machine, one emulator each of Volcengine TOS,
Aliyun OSS, Huawei OBS and Tencent COS in front of a MinIO server, so that an
application using those vendors' SDKs (in any language) can be tested without
a cloud: each emulator checks the vendor's signature and signed time, and
answers in the vendor's error dialect. An HTTP control API injects faults
(errors with vendor codes, SlowDown, resets, stalls, latency, truncated
replies), moves each emulator's clock (or makes it drift), slows the network
to it, issues and expires temporary credentials (keys with a security token)
and reads its request counters.

--delay-up, --delay-down, --bandwidth-up and --bandwidth-down put an emulated
network between the clients and every emulator: a one-way delay each way
and a bandwidth cap each way (up: towards the emulator) shared by all
connections to that emulator, like "--delay-up 20ms --delay-down 20ms
--bandwidth-up 20MB" for 40 ms of round trip and 20 MB/s of upload. Rates are
bytes per second with an optional unit: kB, MB, GB, KiB, MiB, GiB, or kbit,
Mbit, Gbit. The control API changes the link later (PUT /v1/{dialect}/link).
--clock-drift makes every emulator's clock gain that much per second
(negative: lose), as a server whose clock runs fast.

It starts the pinned MinIO (installing it with "go install" when missing, a
few minutes once) with a temporary data directory, or uses one already
running with --minio URL and its keys in MINIO_ROOT_USER and
MINIO_ROOT_PASSWORD. The buckets of --bucket (default upload-test) are
created. Then it prints the endpoints, regions, bucket and the test
credentials as shell "export" lines (with --json, as one JSON object on one
line) and runs until interrupted (Ctrl-C, SIGTERM), when it stops MinIO and
removes its data.

  upload gateway --bucket photos > gateway.env &
  . ./gateway.env        # once the file has UPLOAD_GATEWAY_PID
  curl -X POST $UPLOAD_GATEWAY_CONTROL/v1/tos/faults -d '{"action":"slowdown","times":2}'

Everything listens on 127.0.0.1 (free ports) unless --listen says otherwise;
a control API reachable beyond loopback requires a token: UPLOAD_GATEWAY_TOKEN,
or a random one printed with the endpoints. The control API and what each
emulator does and does not emulate are in the README ("Test your own
application against TOS, OSS, OBS and COS without a cloud").

Exit status: 0 stopped by an interrupt; 1 MinIO or a port could not be
started; 2 usage error.`

// gatewayFlags are the flags of upload gateway.
type gatewayFlags struct {
	minio       string
	minioRegion string
	buckets     []string
	listen      string
	verbose     bool

	delayUp, delayDown         time.Duration
	bandwidthUp, bandwidthDown string
	clockDrift                 time.Duration
}

// link is the emulated network of the flags.
func (gf *gatewayFlags) link() (gateway.Link, error) {
	l := gateway.Link{UpDelay: gf.delayUp, DownDelay: gf.delayDown}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--delay-up", gf.delayUp}, {"--delay-down", gf.delayDown}} {
		if d.v < 0 {
			return l, &usageError{fmt.Sprintf("%s %v: a delay cannot be negative", d.name, d.v)}
		}
	}
	var err error
	if l.UpBytesPerSecond, err = netem.ParseRate(gf.bandwidthUp); err != nil {
		return l, &usageError{"--bandwidth-up: " + err.Error()}
	}
	if l.DownBytesPerSecond, err = netem.ParseRate(gf.bandwidthDown); err != nil {
		return l, &usageError{"--bandwidth-down: " + err.Error()}
	}
	return l, nil
}

// gatewayRegions are the regions printed for each dialect: the SDKs need
// one; the emulators accept any.
var gatewayRegions = map[gateway.Dialect]string{
	gateway.TOS: "cn-beijing",
	gateway.OSS: "cn-hangzhou",
	gateway.OBS: "cn-north-4",
	gateway.COS: "ap-guangzhou",
}

// gatewayEnv names the variables each dialect's endpoint, region, bucket
// and keys are exported in: the ones the upload command and the vendors'
// tools read.
var gatewayEnv = map[gateway.Dialect][5]string{
	gateway.TOS: {"TOS_ENDPOINT", "TOS_REGION", "TOS_BUCKET", "TOS_ACCESS_KEY", "TOS_SECRET_KEY"},
	gateway.OSS: {"OSS_ENDPOINT", "OSS_REGION", "OSS_BUCKET", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET"},
	gateway.OBS: {"OBS_ENDPOINT", "OBS_REGION", "OBS_BUCKET", "OBS_ACCESS_KEY_ID", "OBS_SECRET_ACCESS_KEY"},
	gateway.COS: {"COS_ENDPOINT", "COS_REGION", "COS_BUCKET", "COS_SECRETID", "COS_SECRETKEY"},
}

// gatewayDialect is one emulator in the output.
type gatewayDialect struct {
	Endpoint  string `json:"endpoint"`
	Host      string `json:"host"`
	Region    string `json:"region"`
	Bucket    string `json:"bucket"`
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
}

// gatewayInfo is what upload gateway prints, and what GET /v1/info
// answers (without the token).
type gatewayInfo struct {
	Control string `json:"control"`
	Token   string `json:"token,omitempty"`
	MinIO   string `json:"minio"`
	// MinIOAccessKey and MinIOSecretKey are the fixed fake root keys of a
	// MinIO the command started (never those of --minio), to check what it
	// holds.
	MinIOAccessKey string                             `json:"minio_access_key,omitempty"`
	MinIOSecretKey string                             `json:"minio_secret_key,omitempty"`
	Buckets        []string                           `json:"buckets"`
	PID            int                                `json:"pid"`
	Dialects       map[gateway.Dialect]gatewayDialect `json:"dialects"`
}

func (a *app) gatewayCommand(ctx context.Context, common *commonFlags) *cobra.Command {
	gf := &gatewayFlags{}
	cmd := &cobra.Command{
		Use:   "gateway [flags]",
		Short: "Run TOS, OSS, OBS and COS emulators over MinIO on this machine, with an HTTP control API for faults, clocks and counters",
		Long:  gatewayHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runGateway(ctx, *common, gf)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&gf.minio, "minio", "", "use the MinIO (or S3 server) at `URL`, keys in MINIO_ROOT_USER and MINIO_ROOT_PASSWORD, instead of starting one")
	fl.StringVar(&gf.minioRegion, "minio-region", miniotest.Region, "the `REGION` requests to --minio are signed for")
	fl.StringArrayVar(&gf.buckets, "bucket", nil, "create bucket `NAME` (repeatable; the first is the one exported; default upload-test)")
	fl.StringVar(&gf.listen, "listen", "127.0.0.1", "listen on `HOST` or HOST:PORT: the control API on PORT, the TOS, OSS, OBS and COS emulators on the next four ports (default: free ports); beyond loopback a control token is required")
	fl.DurationVar(&gf.delayUp, "delay-up", 0, "delay every byte from the clients to the emulators by `D` (one way)")
	fl.DurationVar(&gf.delayDown, "delay-down", 0, "delay every byte from the emulators to the clients by `D` (one way)")
	fl.StringVar(&gf.bandwidthUp, "bandwidth-up", "", "cap the bytes per second from the clients to each emulator, all connections together, at `RATE` (like 20MB, 100Mbit; default unlimited)")
	fl.StringVar(&gf.bandwidthDown, "bandwidth-down", "", "cap the bytes per second from each emulator to the clients at `RATE` (default unlimited)")
	fl.DurationVar(&gf.clockDrift, "clock-drift", 0, "make each emulator's clock gain `D` per second (negative: lose)")
	fl.BoolVar(&gf.verbose, "verbose", false, "log every request the emulators answer on standard error (method, path, operation, outcome, status)")
	return cmd
}

// gatewayListen is the parsed --listen.
type gatewayListen struct {
	host string
	port int // 0: free ports
}

func parseGatewayListen(s string) (gatewayListen, error) {
	var l gatewayListen
	host := s
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535-4 {
			return l, &usageError{fmt.Sprintf("--listen %q: the port must be a number from 0 to 65531 (the emulators take the next four)", s)}
		}
		host, l.port = h, n
	}
	if host == "" {
		return l, &usageError{fmt.Sprintf("--listen %q: give a host, like 127.0.0.1 or 0.0.0.0", s)}
	}
	if host != "localhost" && net.ParseIP(host) == nil {
		return l, &usageError{fmt.Sprintf("--listen %q: the host must be an IP address or localhost", s)}
	}
	l.host = host
	return l, nil
}

// loopback reports whether only this machine can reach the host.
func (l gatewayListen) loopback() bool {
	if l.host == "localhost" {
		return true
	}
	ip := net.ParseIP(l.host)
	return ip != nil && ip.IsLoopback()
}

// urlHost is the host clients use: an unspecified address (0.0.0.0, ::)
// is reached through loopback on this machine.
func (l gatewayListen) urlHost(port int) string {
	h := l.host
	if ip := net.ParseIP(h); ip != nil && ip.IsUnspecified() {
		h = "127.0.0.1"
	}
	return net.JoinHostPort(h, strconv.Itoa(port))
}

func (l gatewayListen) listen(i int) (net.Listener, error) {
	port := 0
	if l.port != 0 {
		port = l.port + i
	}
	return net.Listen("tcp", net.JoinHostPort(l.host, strconv.Itoa(port)))
}

func (a *app) runGateway(ctx context.Context, common commonFlags, gf *gatewayFlags) error {
	lis, err := parseGatewayListen(gf.listen)
	if err != nil {
		return err
	}
	buckets, err := gatewayBuckets(gf.buckets)
	if err != nil {
		return err
	}
	link, err := gf.link()
	if err != nil {
		return err
	}
	token, printToken, err := controlToken(lis, a.getenv)
	if err != nil {
		return err
	}
	var up gateway.Upstream
	if gf.minio != "" {
		if up, err = a.gatewayUpstream(gf); err != nil {
			return err
		}
	}
	// Everything started from here is stopped by stop, in reverse order.
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	defer stop()
	failStart := func(format string, args ...any) error {
		fmt.Fprintf(a.stderr, "upload gateway: "+format+"\n", args...)
		return &exitError{code: exitFailed}
	}

	if gf.minio == "" {
		srv, err := a.startGatewayMinIO(ctx)
		if err != nil {
			return failStart("%v", err)
		}
		stops = append(stops, func() { _ = srv.Stop() })
		up = gateway.MinIO(srv)
	}
	mc, err := minio.New(strings.TrimPrefix(strings.TrimPrefix(up.URL, "http://"), "https://"), &minio.Options{
		Creds: credentials.NewStaticV4(up.AccessKey, up.SecretKey, ""), Secure: strings.HasPrefix(up.URL, "https://"), Region: up.Region,
	})
	if err != nil {
		return failStart("MinIO client for %s: %v", up.URL, err)
	}
	makeBucket := func(ctx context.Context, name string) error {
		err := mc.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: up.Region})
		if err == nil {
			return nil
		}
		switch minio.ToErrorResponse(err).Code {
		case "BucketAlreadyOwnedByYou", "BucketAlreadyExists":
			if ok, e := mc.BucketExists(ctx, name); e == nil && ok {
				return nil
			}
		}
		return err
	}
	for _, b := range buckets {
		bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := makeBucket(bctx, b)
		cancel()
		if err != nil {
			return failStart("creating bucket %q on %s: %v", b, up.URL, err)
		}
	}

	ctlLn, err := lis.listen(0)
	if err != nil {
		return failStart("control API: %v", err)
	}
	stops = append(stops, func() { _ = ctlLn.Close() })
	info := gatewayInfo{MinIO: up.URL, Buckets: buckets, PID: os.Getpid(), Dialects: map[gateway.Dialect]gatewayDialect{}}
	if gf.minio == "" {
		info.MinIOAccessKey, info.MinIOSecretKey = up.AccessKey, up.SecretKey
	}
	info.Control = "http://" + lis.urlHost(ctlLn.Addr().(*net.TCPAddr).Port)
	var gws []*gateway.Gateway
	for i, d := range gateway.Dialects {
		opts := gateway.Options{Dialect: d, Upstream: up, Link: link, ClockDrift: gf.clockDrift}
		if gf.verbose {
			opts.Logf = a.gatewayLog()
		}
		gw, err := gateway.New(opts)
		if err != nil {
			return failStart("%s emulator: %v", d, err)
		}
		ln, err := lis.listen(i + 1)
		if err != nil {
			_ = gw.Close()
			return failStart("%s emulator: %v", d, err)
		}
		hs := &http.Server{Handler: gw, ReadHeaderTimeout: 30 * time.Second}
		eln := gw.Listener(ln) // the link, even while it is loopback: the control API may slow it
		go func() { _ = hs.Serve(eln) }()
		stops = append(stops, func() {
			_ = gw.Close() // wakes stalled requests first
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if hs.Shutdown(sctx) != nil {
				_ = hs.Close()
			}
		})
		gws = append(gws, gw)
		host := lis.urlHost(ln.Addr().(*net.TCPAddr).Port)
		ak, sk := gw.Credentials()
		info.Dialects[d] = gatewayDialect{Endpoint: "http://" + host, Host: host, Region: gatewayRegions[d], Bucket: buckets[0], AccessKey: ak, SecretKey: sk}
	}
	ctl, err := gateway.NewControl(gateway.ControlOptions{Gateways: gws, Token: token, Info: info, MakeBucket: makeBucket})
	if err != nil {
		return failStart("control API: %v", err)
	}
	cs := &http.Server{Handler: ctl, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = cs.Serve(ctlLn) }()
	stops = append(stops, func() { _ = cs.Close() })

	if printToken {
		info.Token = token
	}
	if common.json {
		b, _ := json.Marshal(info)
		fmt.Fprintf(a.stdout, "%s\n", b)
	} else {
		writeGatewayEnv(a.stdout, info, token != "" && !printToken)
	}
	if !common.quiet {
		fmt.Fprintf(a.stderr, "upload gateway: TOS %s, OSS %s, OBS %s, COS %s over MinIO %s; control API %s; bucket %s. Ctrl-C stops.\n",
			info.Dialects[gateway.TOS].Endpoint, info.Dialects[gateway.OSS].Endpoint, info.Dialects[gateway.OBS].Endpoint,
			info.Dialects[gateway.COS].Endpoint, up.URL, info.Control, strings.Join(buckets, ", "))
	}

	select {
	case <-ctx.Done():
	case s := <-a.signals:
		if !common.quiet {
			fmt.Fprintf(a.stderr, "upload gateway: %v: stopping the emulators and MinIO\n", s)
		}
	}
	stop()
	stops = nil
	return nil
}

// controlToken is the control API's token: UPLOAD_GATEWAY_TOKEN, else,
// beyond loopback, a random one to print (generated true); on loopback
// without the variable, none.
func controlToken(lis gatewayListen, getenv func(string) (string, bool)) (token string, generated bool, err error) {
	if token, _ = getenv("UPLOAD_GATEWAY_TOKEN"); token != "" || lis.loopback() {
		return token, false, nil
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", false, fmt.Errorf("making a control token: %w", err)
	}
	return hex.EncodeToString(b[:]), true, nil
}

// gatewayBuckets checks the --bucket names; default upload-test.
func gatewayBuckets(names []string) ([]string, error) {
	if len(names) == 0 {
		return []string{"upload-test"}, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if !gateway.ValidBucketName(n) {
			return nil, &usageError{fmt.Sprintf("--bucket %q: a bucket name every vendor accepts has 3 to 63 lower-case letters, digits and hyphens, and starts and ends with a letter or digit", n)}
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// gatewayUpstream is the --minio server and its keys from the environment.
func (a *app) gatewayUpstream(gf *gatewayFlags) (gateway.Upstream, error) {
	u, err := url.Parse(gf.minio)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return gateway.Upstream{}, &usageError{fmt.Sprintf("--minio %q: want the server's base URL, like http://127.0.0.1:9000", gf.minio)}
	}
	ak, _ := a.getenv("MINIO_ROOT_USER")
	sk, _ := a.getenv("MINIO_ROOT_PASSWORD")
	if ak == "" || sk == "" {
		return gateway.Upstream{}, &usageError{"--minio: set MINIO_ROOT_USER and MINIO_ROOT_PASSWORD to the server's keys (the emulators sign what they forward with them)"}
	}
	return gateway.Upstream{URL: u.Scheme + "://" + u.Host, AccessKey: ak, SecretKey: sk, Region: gf.minioRegion}, nil
}

// startGatewayMinIO starts the pinned MinIO, installing it first when it
// is missing, as make test does.
func (a *app) startGatewayMinIO(ctx context.Context) (*miniotest.Server, error) {
	bin, err := miniotest.FindBinary()
	if errors.Is(err, miniotest.ErrNoBinary) {
		if _, set := os.LookupEnv(miniotest.EnvBin); !set {
			fmt.Fprintf(a.stderr, "upload gateway: installing MinIO with `%s` (a few minutes, once)\n", miniotest.InstallCommand)
			_ = os.Setenv(miniotest.EnvInstall, "1")
			ictx, cancel := context.WithTimeout(ctx, 20*time.Minute)
			bin, err = miniotest.EnsureBinary(ictx)
			cancel()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("no MinIO to start: %v", err)
	}
	return miniotest.Start(ctx, miniotest.Options{Binary: bin})
}

func (a *app) gatewayLog() func(string, ...any) {
	return func(format string, args ...any) {
		fmt.Fprintf(a.stderr, format+"\n", args...)
	}
}

// writeGatewayEnv prints the shell export lines; UPLOAD_GATEWAY_PID comes
// last, so a script that waits for it has every other line.
func writeGatewayEnv(w io.Writer, info gatewayInfo, tokenFromEnv bool) {
	fmt.Fprintf(w, "# upload gateway: TOS, OSS, OBS and COS emulators over MinIO (fake test keys; stop: kill %d)\n", info.PID)
	export := func(k, v string) { fmt.Fprintf(w, "export %s=%s\n", k, shellQuote(v)) }
	export("UPLOAD_GATEWAY_CONTROL", info.Control)
	if info.Token != "" {
		export("UPLOAD_GATEWAY_TOKEN", info.Token)
	} else if tokenFromEnv {
		fmt.Fprintln(w, "# the control API wants the token of UPLOAD_GATEWAY_TOKEN")
	}
	export("UPLOAD_GATEWAY_MINIO", info.MinIO)
	if info.MinIOAccessKey != "" {
		export("UPLOAD_GATEWAY_MINIO_ACCESS_KEY", info.MinIOAccessKey)
		export("UPLOAD_GATEWAY_MINIO_SECRET_KEY", info.MinIOSecretKey)
	}
	export("UPLOAD_GATEWAY_BUCKETS", strings.Join(info.Buckets, " "))
	for _, d := range gateway.Dialects {
		x, names := info.Dialects[d], gatewayEnv[d]
		for i, v := range []string{x.Endpoint, x.Region, x.Bucket, x.AccessKey, x.SecretKey} {
			export(names[i], v)
		}
	}
	export("UPLOAD_GATEWAY_PID", strconv.Itoa(info.PID))
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:,=@+", r)) {
			safe = false
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
