package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/internal/skew"
	"github.com/resilient-upload/upload/uploader"
)

const doctorHelp = `upload doctor checks every target of the configuration, in failover order,
or with --to the destinations given as upload --to takes them (the same
grammar: SCHEME://BUCKET[/PATH][?region=R&endpoint=E&profile=P], a local
directory or a configured target's NAME; see upload --help, Destinations),
and prints one line per finding with what to do about it. The checks follow
the causes of signature failures, most likely first:

  clock       this machine's clock against the Date of the endpoint's reply
              (a HEAD, measured at the midpoint of the round trip); beyond
              the vendors' ±15 minutes every signed request is refused
  dns         the endpoint's host resolves
  tls         the TLS handshake and certificate (https endpoints)
  endpoint    the endpoint's form: a bucket domain where the endpoint goes
              (the OBS trap: bucket.obs.<region>.myhuaweicloud.com answers
              SignatureDoesNotMatch), TOS's S3-compatible tos-s3-* endpoint
  access_key  the key's form: AKLT (TOS), LTAI (OSS), AKID (COS) prefixes and
  secret      lengths (only where the vendor defines a format); whitespace; a
              secret that looks already base64-decoded
  region      the region against the one the endpoint names
  bucket      the bucket exists and may be listed: a one-key LIST (oss,
              obs, cos, s3); on tos a LIST of at most one incomplete
              multipart upload (its SDK signs that one, not an object LIST,
              at the corrected time); a missing bucket fails NoSuchBucket
  put_delete  a tiny object is put and deleted
  secret      (a warning) the configuration file holds a literal secret and
              group or others can read it: chmod 600
` + doctorIncompleteHelp + `
A local target gets: path (the directory is the user's own, 0700-like, not
a symbolic link), a put and delete in it, and copies (how many it holds and
which are damaged). Secrets are never printed: only an access key's first
four characters and lengths.

Lines start with ok, WARN (worth a look) or FAIL (uploads to this target will
fail); --quiet prints only WARN and FAIL lines. With --json each finding is a
JSON object {"target", "check", "status", "message", "remedy"} on standard
output, then {"summary": {...}}.

Exit status:
  0    every target passes (no FAIL)
  1    some target fails a check
  2    usage or configuration error
  130  interrupted`

// doctorFlags are the flags of upload doctor.
type doctorFlags struct {
	timeout time.Duration
	target  string
	// to are the --to destinations: checked instead of the configuration's
	// targets, as upload --to would use them.
	to  []string
	inc incompleteFlags
}

func (a *app) doctorCommand(ctx context.Context, common *commonFlags) *cobra.Command {
	df := &doctorFlags{}
	cmd := &cobra.Command{
		Use:   "doctor [flags]",
		Short: "Check every target: clock, DNS, TLS, endpoint, keys, region, bucket, a put and a delete, incomplete uploads",
		Long:  doctorHelp + "\n\n" + configHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDoctor(ctx, *common, df)
		},
	}
	cmd.Flags().DurationVar(&df.timeout, "timeout", 10*time.Second, "bound each network check to `D`")
	cmd.Flags().StringVar(&df.target, "target", "", "check only the target named `NAME`")
	cmd.Flags().StringArrayVar(&df.to, "to", nil, "check `DEST` instead of the configuration's targets, written as for upload --to: SCHEME://BUCKET[/PATH][?region=R&endpoint=E&profile=P], a local directory or a configured target's NAME (repeatable)")
	df.inc.register(cmd)
	return cmd
}

// finding is one line of doctor's output.
// Its JSON is the target's name and the diagnosis's fields (check, status,
// message, remedy).
type finding struct {
	Target string `json:"target"`
	diag.Finding
	// more are further remedies, printed on their own lines.
	more []string
}

func fromDiag(target string, f diag.Finding) finding {
	return finding{Target: target, Finding: f}
}

func (a *app) runDoctor(ctx context.Context, common commonFlags, df *doctorFlags) error {
	if err := df.inc.check(); err != nil {
		return err
	}
	df.inc.config, df.inc.to = common.config, df.to
	cfg, path, err := a.destinationConfig(common.config, df.to)
	if err != nil {
		return err
	}
	df.inc.path = path
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watch := a.watchInterrupts(ctx, cancel, nil)
	defer watch.stop()
	targets := cfg.AllTargets()
	if df.target != "" {
		var only []*targetConfig
		for _, t := range targets {
			if t.Name == df.target {
				only = append(only, t)
			}
		}
		if only == nil {
			var names []string
			for _, t := range targets {
				names = append(names, t.Name)
			}
			return &usageError{fmt.Sprintf("--target %q: no such target (the targets are %s)", df.target, strings.Join(names, ", "))}
		}
		targets = only
	}
	var jw *jsonWriter
	if common.json {
		jw = &jsonWriter{w: a.stdout}
	}
	out := a.stdout
	if common.json {
		out = a.stderr
	}
	if !common.quiet {
		fmt.Fprintf(out, "upload doctor: %d targets, from %s\n", len(targets), safeText(cfg.Source))
	}
	var failed []string
	for _, t := range targets {
		fs := a.diagnoseIncomplete(ctx, cfg, t, df, a.diagnose(ctx, cfg, t, df.timeout))
		bad := 0
		var badChecks []string
		for _, f := range fs {
			if f.Status == "fail" {
				bad++
				badChecks = append(badChecks, f.Check)
			}
		}
		if bad > 0 {
			failed = append(failed, t.Name)
		}
		if jw != nil {
			for _, f := range fs {
				jw.write(f)
			}
		}
		if common.json && common.quiet {
			continue
		}
		fmt.Fprintf(out, "%s (%s):\n", t.Name, describeTarget(t))
		for _, f := range fs {
			if common.quiet && f.Status == "ok" {
				continue
			}
			writeFinding(out, f)
		}
		if bad > 0 {
			fmt.Fprintf(out, "  => %s: FAIL (%s)\n", t.Name, strings.Join(dedupe(badChecks), ", "))
		} else {
			fmt.Fprintf(out, "  => %s: passes\n", t.Name)
		}
	}
	if jw != nil {
		jw.write(map[string]any{"summary": map[string]any{"targets": len(targets), "passed": len(targets) - len(failed), "failed": nonNil(failed)}})
	}
	if !common.quiet {
		if len(failed) == 0 {
			fmt.Fprintf(out, "upload doctor: every target passes\n")
		} else {
			fmt.Fprintf(out, "upload doctor: %d of %d targets fail: %s\n", len(failed), len(targets), strings.Join(failed, ", "))
		}
	}
	switch {
	case watch.stop():
		fmt.Fprintln(a.stderr, "upload doctor: interrupted")
		return &exitError{exitInterrupted}
	case len(failed) > 0:
		return &exitError{exitFailed}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func writeFinding(w io.Writer, f finding) {
	tag := map[diag.Status]string{diag.StatusOK: "ok  ", diag.StatusWarn: "WARN", diag.StatusFail: "FAIL"}[f.Status]
	line := fmt.Sprintf("  %s %s: %s", tag, f.Check, f.Message)
	if f.Remedy != "" {
		line += " — " + f.Remedy
	}
	fmt.Fprintln(w, safeText(line))
	for _, m := range f.more {
		fmt.Fprintf(w, "         also: %s\n", safeText(m))
	}
}

func describeTarget(t *targetConfig) string {
	if t.Provider == "local" {
		return "local, " + shown(t.Path)
	}
	s := t.Provider
	if t.Endpoint != "" {
		s += ", " + t.Endpoint
	}
	if t.Region != "" {
		s += ", region " + t.Region
	}
	return s + ", bucket " + t.Bucket
}

// endpointURL is the URL doctor sends its HEAD to: the endpoint with its
// scheme (https by default), or for COS without an endpoint the bucket's
// own host.
func endpointURL(t *targetConfig) (*url.URL, error) {
	e := strings.TrimSpace(t.Endpoint)
	if e == "" && t.Provider == "cos" && t.Bucket != "" && t.Region != "" {
		e = fmt.Sprintf("https://%s.cos.%s.myqcloud.com", t.Bucket, t.Region)
	}
	if e == "" {
		return nil, errors.New("no endpoint is set")
	}
	if !strings.Contains(e, "://") {
		e = "https://" + e
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not a host or URL", t.Endpoint)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}, nil
}

// diagnose runs every check of one target, in the order of the help.
func (a *app) diagnose(ctx context.Context, cfg *config, t *targetConfig, timeout time.Duration) []finding {
	if t.Provider == "local" {
		return a.diagnoseLocal(ctx, cfg, t, timeout)
	}
	name := t.Name
	dc := diag.Config{Provider: t.Provider, Endpoint: t.Endpoint, Region: t.Region, Bucket: t.Bucket,
		AccessKeyID: t.AccessKeyID, Secret: t.SecretAccessKey}
	dc.CustomDomain = t.CNAME
	var fs []finding
	add := func(f finding) { f.Target = name; fs = append(fs, f) }

	// The network checks run first (the clock needs a reply), and are
	// printed in the order of the help.
	u, uerr := endpointURL(t)
	var dnsF, tlsF, clockF finding
	if uerr != nil {
		dnsF = finding{Finding: diag.Finding{Check: "dns", Status: "fail", Message: "not checked: " + uerr.Error(), Remedy: "set the endpoint"}}
		tlsF = finding{Finding: diag.Finding{Check: "tls", Status: "fail", Message: "not checked: " + uerr.Error()}}
		clockF = finding{Finding: diag.Finding{Check: "clock", Status: "warn", Message: "not checked: " + uerr.Error()}}
	} else {
		host := u.Hostname()
		resolves := true
		dnsF, resolves = a.checkDNS(ctx, host, timeout)
		tlsF = a.checkTLS(ctx, u, resolves, timeout)
		clockF = a.checkClock(ctx, u, resolves, timeout)
	}
	add(clockF)
	add(dnsF)
	add(tlsF)
	for _, f := range diag.CheckEndpoint(dc) {
		if f.Check != "region" {
			add(fromDiag(name, f))
		}
	}
	credSource, keyFindings := t.CredSource, diag.CheckKeys
	if v, cf := doctorCredentials(ctx, t, timeout); cf != nil {
		add(*cf)
		keyFindings = func(diag.Config) []diag.Finding { return nil }
	} else if t.CredProvider != nil {
		dc.AccessKeyID, dc.Secret, credSource = v.AccessKeyID, v.SecretAccessKey, v.Source
	}
	for i, f := range keyFindings(dc) {
		df := fromDiag(name, f)
		if i == 0 && credSource != "" {
			df.Message += " (credentials from " + credSource + ")"
		}
		add(df)
	}
	if t.LiteralSecret != "" {
		if msg := secretPermsProblem(cfg); msg != "" {
			add(finding{Finding: diag.Finding{Check: "secret", Status: "warn", Message: msg, Remedy: "upload --strict-perms refuses such a file"}})
		}
	}
	regionChecked := false
	for _, f := range diag.CheckEndpoint(dc) {
		if f.Check == "region" {
			add(fromDiag(name, f))
			regionChecked = true
		}
	}
	if !regionChecked {
		r, named := diag.EndpointRegion(t.Provider, t.Endpoint)
		switch {
		case named && t.Region == "":
			add(finding{Finding: diag.Finding{Check: "region", Status: "ok", Message: fmt.Sprintf("no region set; the endpoint's %q is used", r)}})
		case named:
			add(finding{Finding: diag.Finding{Check: "region", Status: "ok", Message: fmt.Sprintf("region %q matches the endpoint", r)}})
		case t.Region != "":
			add(finding{Finding: diag.Finding{Check: "region", Status: "ok", Message: fmt.Sprintf("region %q (the endpoint names none, so it is not cross-checked)", t.Region)}})
		default:
			add(finding{Finding: diag.Finding{Check: "region", Status: "ok", Message: "no region set and the endpoint names none; the provider's default is used"}})
		}
	}
	b, berr := newBackend(t, cfg, overrides{})
	if berr != nil {
		msg := "not checked: the configuration is refused: " + oneLine(berr)
		add(finding{Finding: diag.Finding{Check: "bucket", Status: "fail", Message: msg, Remedy: "fix the findings above"}})
		add(finding{Finding: diag.Finding{Check: "put_delete", Status: "fail", Message: "not tried: the configuration is refused", Remedy: "fix the findings above"}})
		return fs
	}
	defer b.Close()
	for _, f := range diag.CheckBucket(dc) {
		if !f.OK() {
			add(fromDiag(name, f))
		}
	}
	add(a.checkBucket(ctx, b, t, timeout))
	add(a.checkPut(ctx, b, timeout))
	return fs
}

func (a *app) checkDNS(ctx context.Context, host string, timeout time.Duration) (finding, bool) {
	if ip := net.ParseIP(host); ip != nil {
		return finding{Finding: diag.Finding{Check: "dns", Status: "ok", Message: host + " is an IP address: no lookup needed"}}, true
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addrs, err := a.lookupHost(ctx, host)
	if err != nil {
		return finding{Finding: diag.Finding{Check: "dns", Status: "fail", Message: fmt.Sprintf("%s does not resolve: %v", host, dnsReason(err)), Remedy: "check the endpoint's spelling, then the DNS servers and any proxy (nslookup " + host + ")"}}, false
	}
	if len(addrs) > 4 {
		addrs = append(addrs[:4], "…")
	}
	return finding{Finding: diag.Finding{Check: "dns", Status: "ok", Message: fmt.Sprintf("%s resolves to %s", host, strings.Join(addrs, ", "))}}, true
}

func dnsReason(err error) string {
	var de *net.DNSError
	if errors.As(err, &de) {
		switch {
		case de.IsNotFound:
			return "no such host"
		case de.IsTimeout:
			return "the lookup timed out"
		}
		return de.Err
	}
	return err.Error()
}

func (a *app) checkTLS(ctx context.Context, u *url.URL, resolves bool, timeout time.Duration) finding {
	if u.Scheme != "https" {
		if diag.IsLocal(u.Host) {
			return finding{Finding: diag.Finding{Check: "tls", Status: "ok", Message: "plain http to a local endpoint: no TLS"}}
		}
		return finding{Finding: diag.Finding{Check: "tls", Status: "warn", Message: "plain http: requests and data travel unencrypted", Remedy: "use https:// in the endpoint unless this network is trusted"}}
	}
	if !resolves {
		return finding{Finding: diag.Finding{Check: "tls", Status: "fail", Message: "not checked: the host does not resolve", Remedy: "see dns"}}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	port := u.Port()
	if port == "" {
		port = "443"
	}
	conn, err := a.dial(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return finding{Finding: diag.Finding{Check: "tls", Status: "fail", Message: fmt.Sprintf("cannot connect to %s: %v", net.JoinHostPort(u.Hostname(), port), err), Remedy: "check the firewall, an HTTPS proxy, and the endpoint's port"}}
	}
	defer conn.Close()
	tc := tls.Client(conn, &tls.Config{ServerName: u.Hostname()})
	if err := tc.HandshakeContext(ctx); err != nil {
		return finding{Finding: diag.Finding{Check: "tls", Status: "fail", Message: "the TLS handshake failed: " + err.Error(), Remedy: "a proxy intercepting TLS, missing CA certificates (install ca-certificates), or a clock far off (certificates look expired or not yet valid)"}}
	}
	st := tc.ConnectionState()
	msg := "TLS " + tlsVersion(st.Version)
	if len(st.PeerCertificates) > 0 {
		c := st.PeerCertificates[0]
		left := c.NotAfter.Sub(a.now())
		msg += fmt.Sprintf(", certificate for %s valid until %s", u.Hostname(), c.NotAfter.UTC().Format("2006-01-02"))
		if left < 14*24*time.Hour {
			return finding{Finding: diag.Finding{Check: "tls", Status: "warn", Message: msg + ", which is soon", Remedy: "the provider renews it; if not, tell them"}}
		}
	}
	return finding{Finding: diag.Finding{Check: "tls", Status: "ok", Message: msg}}
}

func tlsVersion(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "1.3"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS11:
		return "1.1"
	}
	return fmt.Sprintf("0x%04x", v)
}

// checkClock sends a HEAD to the endpoint and compares its Date with the
// local clock at the midpoint of the round trip (internal/skew).
func (a *app) checkClock(ctx context.Context, u *url.URL, resolves bool, timeout time.Duration) finding {
	if !resolves {
		return finding{Finding: diag.Finding{Check: "clock", Status: "warn", Message: "not checked: the host does not resolve", Remedy: "see dns"}}
	}
	clk := skew.New(skew.Options{Now: a.now})
	tr := &http.Transport{DialContext: a.dial, Proxy: http.ProxyFromEnvironment, TLSHandshakeTimeout: timeout}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: &skew.Transport{Base: tr, Clock: clk}, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		return finding{Finding: diag.Finding{Check: "clock", Status: "warn", Message: "not checked: " + err.Error()}}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return finding{Finding: diag.Finding{Check: "clock", Status: "warn", Message: "could not read the server's clock: " + err.Error(), Remedy: "see dns and tls; check the endpoint"}}
	}
	resp.Body.Close()
	off, known := clk.Offset()
	f := diag.CheckClock(off, known)
	out := finding{Finding: diag.Finding{Check: "clock", Status: "ok", Message: f.Message, Remedy: f.Remedy}}
	switch {
	case !known:
		out.Status = "warn"
	case absDur(off) >= diag.Tolerance:
		out.Status = "fail"
	case !f.OK():
		out.Status = "warn"
	}
	out.Message += fmt.Sprintf(" (the Date of %s, at the midpoint of the round trip)", u.Host)
	return out
}

func randomKey(what string) string {
	var b [8]byte
	rand.Read(b[:])
	return ".upload-doctor/" + what + "-" + hex.EncodeToString(b[:])
}

// checkBucket lists one entry of the bucket where the backend can
// (uploader.BucketChecker): a missing bucket fails with NoSuchBucket. Else
// it Stats a random missing key: a 404 says the endpoint and credentials
// answer, though a HEAD reply (no body) cannot tell a missing bucket.
func (a *app) checkBucket(ctx context.Context, b uploader.Backend, t *targetConfig, timeout time.Duration) finding {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if bc, ok := b.(uploader.BucketChecker); ok {
		if err := bc.CheckBucket(ctx); err != nil {
			return errFinding("bucket", err)
		}
		return finding{Finding: diag.Finding{Check: "bucket", Status: "ok", Message: fmt.Sprintf("bucket %q exists and can be listed (a LIST of at most one entry answered)", t.Bucket)}}
	}
	st, ok := b.(uploader.Stater)
	if !ok {
		return finding{Finding: diag.Finding{Check: "bucket", Status: "warn", Message: "not checked: this backend can neither list the bucket nor stat objects"}}
	}
	_, err := st.Stat(ctx, randomKey("absent"))
	switch {
	case err == nil:
		return finding{Finding: diag.Finding{Check: "bucket", Status: "ok", Message: fmt.Sprintf("bucket %q answers", t.Bucket)}}
	case uploader.IsNotFound(err):
		// A HEAD reply has no body: a missing bucket may answer it the
		// same way as a missing key.
		msg := fmt.Sprintf("bucket %q answers a HEAD of a missing key with 404 (a HEAD cannot tell a missing bucket from a missing key, so the put below decides)", t.Bucket)
		return finding{Finding: diag.Finding{Check: "bucket", Status: "ok", Message: msg}}
	}
	return errFinding("bucket", err)
}

// checkPut puts a tiny object and deletes it, on the backend alone (no
// failover), so the answer is this target's.
func (a *app) checkPut(ctx context.Context, b uploader.Backend, timeout time.Duration) finding {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	key := randomKey("probe")
	body := []byte("upload doctor probe; safe to delete\n")
	start := a.now()
	res, err := b.Put(ctx, uploader.BytesObject(key, body))
	if err != nil {
		return errFinding("put_delete", err)
	}
	msg := fmt.Sprintf("put %d bytes in %s", len(body), formatDuration(a.now().Sub(start)))
	for _, at := range res.Attempts {
		if at.SkewCorrected {
			msg += fmt.Sprintf(" (signed with the server's time, %s %s ours: skew correction works)", absDur(at.Skew).Round(time.Second), aheadBehind(at.Skew))
			break
		}
	}
	if d, ok := b.(uploader.Deleter); ok {
		if err := d.Delete(ctx, key); err != nil {
			f := errFinding("put_delete", err)
			f.Message = msg + ", but the delete failed: " + f.Message
			f.Status = "warn"
			return f
		}
		msg += ", and deleted it"
	}
	return finding{Finding: diag.Finding{Check: "put_delete", Status: "ok", Message: msg}}
}

// errFinding turns a classified error into a failed check whose remedies
// are the error's hints.
func errFinding(check string, err error) finding {
	f := finding{Finding: diag.Finding{Check: check, Status: "fail", Message: oneLineErr(err)}}
	if ue := uploader.AsError(err); ue != nil && len(ue.Hints) > 0 {
		f.Remedy = ue.Hints[0]
		f.more = ue.Hints[1:]
		if ue.StringToSign != "" {
			f.more = append(f.more, fmt.Sprintf("the server's StringToSign: %q", ue.StringToSign))
		}
	}
	return f
}

func oneLineErr(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
}

// diagnoseLocal checks a local target: the directory can be created, and
// an object put and deleted.
func (a *app) diagnoseLocal(ctx context.Context, cfg *config, t *targetConfig, timeout time.Duration) []finding {
	b, err := newBackend(t, cfg, overrides{})
	if err != nil {
		remedy := "make the directory writable, or choose another path"
		if uploader.KindOf(err) == uploader.AccessDenied {
			remedy = "do what the message says, or choose another path"
		}
		return []finding{{Target: t.Name, Finding: diag.Finding{Check: "path", Status: "fail", Message: oneLineErr(err), Remedy: remedy}}}
	}
	defer b.Close()
	dir := t.Path
	if d, ok := b.(interface{ Dir() string }); ok {
		dir = d.Dir()
	}
	fs := []finding{{Target: t.Name, Finding: diag.Finding{Check: "path", Status: "ok", Message: "the directory " + dir + " exists"}}}
	f := a.checkPut(ctx, b, timeout)
	f.Target = t.Name
	if f.Status == "fail" {
		f.Remedy = "make the directory writable, and check free space"
	}
	fs = append(fs, f)
	if sp, ok := b.(uploader.Spool); ok {
		fs = append(fs, checkCopies(ctx, t.Name, sp))
	}
	return fs
}
