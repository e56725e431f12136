package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// app is the command with its surroundings injected: standard streams,
// environment, signals, terminal detection, clock and network, so that
// tests run it in-process.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
	// signals delivers interrupts (SIGINT, SIGTERM): the first stops
	// starting new files, the second aborts those in flight.
	signals <-chan os.Signal
	// stderrTerminal and stdoutTerminal say whether those streams are
	// terminals (live progress bars go to a terminal).
	stderrTerminal, stdoutTerminal bool
	// lineEvery is the interval of the plain progress line.
	lineEvery time.Duration
	now       func() time.Time
	// lookupHost and dial are doctor's network: DNS, and connections for
	// its HEAD and TLS checks.
	lookupHost func(ctx context.Context, host string) ([]string, error)
	dial       func(ctx context.Context, network, addr string) (net.Conn, error)
	// strictPerms (--strict-perms) makes a configuration file with
	// literal secrets that group or others can read an error.
	strictPerms bool
}

// newApp returns an app over the process's streams and environment, with
// no signals and no terminal.
func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	var d net.Dialer
	return &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.LookupEnv,
		lineEvery: 5 * time.Second, now: time.Now,
		lookupHost: net.DefaultResolver.LookupHost, dial: d.DialContext}
}

// commonFlags are the flags of every command.
type commonFlags struct {
	config   string
	json     bool
	progress string
	quiet    bool
}

func (f *commonFlags) checkProgress() error {
	switch f.progress {
	case "auto", "always", "never":
		return nil
	}
	return &usageError{fmt.Sprintf("--progress %q: one of auto, always, never", f.progress)}
}

// newDisplay picks the progress display: none with --quiet or --progress
// never; live bars on a terminal (auto) or always; else a plain line every
// lineEvery.
func (a *app) newDisplay(f commonFlags, m *meter, what string, names []string, states func() []targetState) display {
	switch {
	case f.quiet || f.progress == "never":
		return nopDisplay{a.stderr}
	case f.progress == "always" || a.stderrTerminal:
		return newBarDisplay(a.stderr, m, what, names, states, !a.stderrTerminal)
	}
	return newLineDisplay(a.stderr, m, what, a.lineEvery, states, a.now)
}

// loadConfig finds and reads the configuration (see configLookup).
func (a *app) loadConfig(explicit string) (*config, error) {
	path, err := configLookup(explicit, a.getenv)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return defaultConfig(a.getenv), nil
	}
	cfg, err := loadConfig(path, a.getenv)
	if err != nil {
		return nil, err
	}
	if err := a.checkConfigPerms(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// run runs the command line args and returns the exit status.
func (a *app) run(ctx context.Context, args []string) int {
	root := a.commands(ctx)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	var ee *exitError
	var ue *usageError
	var ce *configError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ce):
		for _, m := range ce.msgs {
			fmt.Fprintf(a.stderr, "upload: %s\n", safeText(m))
		}
		fmt.Fprintln(a.stderr, configErrorTrailer(cmd))
		return exitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "upload: %s\nRun 'upload --help' for usage.\n", safeText(ue.msg))
		return exitUsage
	default:
		fmt.Fprintf(a.stderr, "upload: %s\nRun 'upload --help' for usage.\n", safeText(err.Error()))
		return exitUsage
	}
}

// configErrorTrailer is the line after the messages of a configuration
// error of cmd: what the command did not do, and where the configuration
// is described.
func configErrorTrailer(cmd *cobra.Command) string {
	var undone string
	if cmd != nil && cmd.HasParent() {
		undone = map[string]string{"doctor": "nothing was checked", "drain": "nothing was moved"}[cmd.Name()]
	}
	if undone == "" {
		return "upload: configuration error: nothing was uploaded (see upload --help for the configuration)"
	}
	return fmt.Sprintf("upload %s: configuration error: %s (see upload %[1]s --help and upload --help for the configuration)", cmd.Name(), undone)
}

func (a *app) commands(ctx context.Context) *cobra.Command {
	var common commonFlags
	uf := &uploadFlags{}
	root := &cobra.Command{
		Use:   "upload [flags] PATH...",
		Short: "Upload files to object storage, failing over between targets, with a local backup",
		Long:  rootHelp,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := commandSuggestion(cmd, args); err != nil {
				return err
			}
			uf.commonFlags = common
			return a.runUpload(ctx, uf, args)
		},
		Version:               readBuildInfo().short(),
		SilenceErrors:         true,
		SilenceUsage:          true,
		DisableFlagsInUseLine: true,
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err.Error()} })

	pf := root.PersistentFlags()
	pf.StringVar(&common.config, "config", "", "configuration `FILE` (default ./upload.yaml, then $XDG_CONFIG_HOME/upload/config.yaml)")
	pf.BoolVar(&common.json, "json", false, "write an NDJSON report on standard output")
	pf.StringVar(&common.progress, "progress", "auto", "progress on standard error, `MODE` auto (bars on a terminal, else a line every 5s), always (bars) or never")
	pf.BoolVar(&common.quiet, "quiet", false, "no progress and no summary; errors still go to standard error")
	pf.BoolVar(&a.strictPerms, "strict-perms", false, "refuse (exit 2) a configuration file that holds literal secrets and that group or others can read")

	fl := root.Flags()
	fl.StringArrayVar(&uf.to, "to", nil, "upload to `DEST` instead of the configuration's targets: SCHEME://BUCKET[/PATH][?region=R&endpoint=E&profile=P] (tos, oss, obs, cos, s3), a local directory (./DIR, /DIR, file://DIR) or a configured target's NAME; repeat for failover order (see Destinations)")
	fl.StringVar(&uf.prefix, "prefix", "", "put every key under `P`, joined like a directory: --prefix backups/2026 index.html is backups/2026/index.html")
	fl.StringVar(&uf.jobs, "jobs", "auto", "upload `N` files at once, or auto: up to 256, as many as each target's adaptive limit lets run (it grows while throughput rises with it, backs off on throttling, timeouts and rising latency)")
	fl.StringVar(&uf.partSize, "part-size", "", "multipart part `SIZE`, e.g. 16MiB or 8M, 5MiB to 5GiB (default: each target's part_size, else 16MiB)")
	fl.IntVar(&uf.partJobs, "part-jobs", 0, "send `N` parts of one file at once (default: each target's part_jobs, else 4)")
	fl.StringVar(&uf.state, "state", "", "resume journal `FILE`: a rerun skips files stored already (same size, mtime and MD5, or CRC-32C for a file sent in parts)")
	fl.StringVar(&uf.skipExisting, "skip-existing", "", "skip a file a target already holds, `MODE` size (same key and size) or checksum (same key and MD5 ETag, or CRC-64 where the provider lists one), compared with one LIST per 1,000 keys under the prefix, on any machine")
	fl.BoolVar(&uf.dryRun, "dry-run", false, "check the configuration and the files, and list each file that would be uploaded (PATH -> TARGET KEY SIZE); write nothing anywhere")
	fl.DurationVar(&uf.stallTimeout, "stall-timeout", 0, "give up an attempt when no byte moved for `D`, e.g. 2m (default: retry.stall_timeout, else 2m); a slow upload that moves is never cut")
	fl.StringVar(&uf.shard, "shard", "", "upload only shard `I/N` of the files (I from 0 to N-1), by the FNV-1a hash of the key")
	fl.StringArrayVar(&uf.include, "include", nil, "upload only files matching `GLOB` (repeatable; ** crosses directories; see Filters)")
	fl.StringArrayVar(&uf.exclude, "exclude", nil, "leave out files matching `GLOB` (repeatable; wins over --include)")
	fl.StringArrayVar(&uf.excludeFrom, "exclude-from", nil, "leave out files matching the globs in `FILE`, one a line (repeatable)")
	fl.StringVar(&uf.minSize, "min-size", "", "leave out files smaller than `SIZE` (e.g. 1KiB, 10M)")
	fl.StringVar(&uf.maxSize, "max-size", "", "leave out files larger than `SIZE` (e.g. 5GiB, 100MB)")
	fl.StringVar(&uf.contentType, "content-type", "", "store every file with Content-Type `TYPE` (default: from the file's extension, e.g. text/html for .html; none for an unknown one)")
	fl.StringArrayVar(&uf.metadata, "metadata", nil, "store user metadata `KEY=VALUE` with every file (repeatable; x-amz-meta-KEY, x-oss-meta-KEY...)")
	fl.StringVar(&uf.cacheControl, "cache-control", "", "store every file with Cache-Control `VALUE`, e.g. max-age=3600")
	fl.StringVar(&uf.contentDisposition, "content-disposition", "", "store every file with Content-Disposition `VALUE`, e.g. attachment")
	fl.StringVar(&uf.contentEncoding, "content-encoding", "", "store every file with Content-Encoding `VALUE`, e.g. gzip (the bytes are sent as they are)")
	fl.StringVar(&uf.storageClass, "storage-class", "", "portable storage `CLASS`: STANDARD, INFREQUENT, ARCHIVE or COLD (see Object attributes)")
	fl.StringVar(&uf.acl, "acl", "", "canned `ACL`: private, public-read, public-read-write, authenticated-read, bucket-owner-read, bucket-owner-full-control")
	fl.StringVar(&uf.sse, "sse", "", "server-side encryption `MODE`: AES256, kms or kms:KEYID")
	fl.StringArrayVar(&uf.tags, "tags", nil, "tag every file with `K=V,...` (repeatable; at most 10 tags)")
	root.Flags().SortFlags = false

	root.AddCommand(a.doctorCommand(ctx, &common), a.drainCommand(ctx, &common))
	root.AddCommand(a.gatewayCommand(ctx, &common))
	root.AddCommand(a.versionCommand())
	root.SetVersionTemplate("{{.Version}}\n")
	root.SuggestionsMinimumDistance = 2
	return root
}

// configHelp is the part of every command's help about finding the
// configuration and the credentials.
const configHelp = `Configuration and environment:
  --config FILE; else ./upload.yaml; else $XDG_CONFIG_HOME/upload/config.yaml
  (~/.config/upload/config.yaml when XDG_CONFIG_HOME is unset). Credentials
  come from ${NAME} references in the file, or else from the provider's usual
  variables: TOS_ACCESS_KEY/TOS_SECRET_KEY (or VOLC_ACCESSKEY/VOLC_SECRETKEY),
  OSS_ACCESS_KEY_ID/OSS_ACCESS_KEY_SECRET (or ALIBABA_CLOUD_ACCESS_KEY_ID/
  ALIBABA_CLOUD_ACCESS_KEY_SECRET), OBS_ACCESS_KEY_ID/OBS_SECRET_ACCESS_KEY,
  COS_SECRETID/COS_SECRETKEY (or TENCENTCLOUD_SECRET_ID/
  TENCENTCLOUD_SECRET_KEY), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (each with
  its security-token variable), or else from the CLI's profile file; or a
  target's credentials: {source: instance, role: NAME} (instance role). The
  file's format is in upload --help.`

const rootHelp = `upload sends files and directories to object storage (Volcengine TOS, Aliyun
OSS, Huawei OBS, Tencent COS, any S3) through the targets of a configuration
file, in failover order. A target that refuses signatures, has a skewed clock
or keeps failing gets its circuit breaker opened, and the files go to the next
target; when every cloud target fails they go to the local backup, if one is
configured, for "upload drain" to move later.

Paths:
  Each PATH is a file or a directory, walked recursively. Symbolic links are
  followed; a link that leads back to a directory above it is reported and
  not followed. Named pipes, sockets and devices are reported, not read.
  Empty files are uploaded. The same directory or file given twice (d d/
  ./d) is walked once. "-" reads paths from standard input, one per
  line; each must be a file. A file named like a command (doctor, drain,
  gateway, version, completion, help) is given as ./doctor; a first PATH
  that does not exist but is close to a command name ("upload docter") is a
  usage error that suggests the command. Flags may come before or after the
  paths; "--" ends them.

Keys:
  --prefix joined like a directory (exactly one "/" between it and the rest,
  whether or not it ends with "/"), then the path relative to the PATH
  argument, with "/" on
  every system (a file argument's key is its base name; a path from standard
  input is used as written, cleaned, without a leading "./" or "/"). A key a
  provider would refuse (empty, "..", control characters, over 1024 bytes) or
  a key two files share is an error for that file.

Destinations (--to DEST, repeatable, in failover order):
  SCHEME://BUCKET[/PATH][?KEY=VALUE&...] is a bucket: tos://, oss://,
  obs://, cos:// or s3://. The query sets target keys (region, endpoint,
  name, anonymous, part_size, path_style, signature, ...; a key alone is
  true); profile=NAME reads the keys from that profile of the provider's
  CLI profile file, credentials=env|profile|instance picks one link of the
  chain, role=NAME names the instance role. Access keys never go in a URL:
  they come from the environment, as for a target without credentials (see
  Environment). Without region= or endpoint=, TOS_REGION/TOS_ENDPOINT,
  OSS_..., OBS_..., COS_..., AWS_REGION (or AWS_DEFAULT_REGION) and
  AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) give them, then the profile
  (profile= or the default one) of ossutil, tosutil, obsutil or the AWS
  config file (region, endpoint, endpoint_url); a region without an
  endpoint gives the provider's public one (tos-R.volces.com,
  oss-R.aliyuncs.com, obs.R.myhuaweicloud.com, cos.R.myqcloud.com,
  s3.R.amazonaws.com).
  ./DIR, /DIR, DIR/, ~/DIR or file://DIR is a local directory (with cloud
  destinations, the backup). NAME is the configuration file's target of
  that name. --to replaces the file's targets; its breaker, retry,
  throttle and skew settings and its backup: still apply.
  A single file sent to a PATH not ending in "/" gets exactly that key
  (upload report.csv --to s3://b/daily/r.csv stores daily/r.csv); otherwise
  PATH is a directory before --prefix and the relative path. Every bucket
  destination names the same PATH (failover stores one key).

` + filterHelp + `

` + attributesHelp + `

Configuration:
  --config FILE; else ./upload.yaml; else $XDG_CONFIG_HOME/upload/config.yaml
  (~/.config/upload/config.yaml). With none (and no --to), the run says so
  on standard error and stores each file at its key's path under
  ./uploads (key sub/b.txt is ./uploads/sub/b.txt), as a local --to
  directory does; a key that would leave the directory (through a symbolic
  link) or that names an existing directory fails for that file. A local
  target beside cloud targets is the backup and keeps its own layout
  (objects/, for "upload drain"); so does a configured local target.
  Every mistake in the file is reported with its line, and nothing
  is uploaded until the whole configuration is right.

    targets:                      # failover order
      - name: tos-beijing          # default: the provider's name
        provider: tos              # tos | oss | obs | cos | s3 | local
        endpoint: tos-cn-beijing.volces.com
        region: cn-beijing
        bucket: my-bucket
        access_key_id: ${TOS_ACCESS_KEY}   # ${ENV} references; $$ is a literal $
        secret_access_key: ${TOS_SECRET_KEY}
      - name: oss-hangzhou
        provider: oss
        endpoint: oss-cn-hangzhou.aliyuncs.com
        bucket: my-bucket          # credentials omitted: OSS_ACCESS_KEY_ID...
      - name: backup
        provider: local            # the local backup: used when every cloud fails
        path: ./upload-backup
    breaker: {consecutive: 5, ratio: 0.5, window: 60s, open_timeout: 30s, half_open_requests: 1}
    retry: {attempts: 3, budget: 10, base_delay: 200ms, max_delay: 5s}
    skew: {correct: true}

  Target keys: name, provider, endpoint, region, bucket, access_key_id,
  secret_access_key, session_token, anonymous (true: unsigned requests),
  part_size, part_jobs, multipart_threshold, connect_timeout,
  response_timeout, credentials ({source: env|profile|instance|static,
  profile: NAME, role: NAME, metadata_endpoint: URL}: one link of the
  provider's chain); tos: cname; oss: signature (v4, v1), path_style, cname;
  obs: signature (v2, v4, obs), path_style, skip_etag_check, cname; cos:
  path_style, sign_expiry, cname; s3: path_style, skip_etag_check,
  virtual_host; local: path (and name). A cloud target's defaults:
  {cache_control, content_disposition, content_encoding, storage_class, acl,
  sse, tags: {KEY: VALUE}} are its object attributes for files whose flags
  leave them empty (see Object attributes). cname: true says the endpoint is a
  custom domain bound to the bucket. An acceleration endpoint
  (tos-accelerate.volces.com, oss-accelerate(-overseas).aliyuncs.com,
  cos.accelerate.myqcloud.com) needs the region set. Sizes are like 16MiB or
  8M, durations like 500ms, 30s, 10m.
  backup: DIR adds a local backup target named "backup" (instead of a local
  target). A relative path: or backup: is relative to the directory of the
  configuration file (not the working directory), and ~/ is $HOME; the
  directory is created 0700, and one that is a symbolic link, another
  user's, or writable by group or others is refused. Without a local target there is no backup: a file every cloud
  refuses fails (exit 1), and a rerun with --state retries only those.
  breaker: consecutive, failures, ratio, min_requests, window, bucket_period,
  open_timeout, half_open_requests, probe_interval, probe_timeout (default:
  5 failures in a row or half of 10 within a minute open a breaker for 30s).
  retry: attempts, budget, base_delay, first_delay (after a 5xx; 25ms),
  max_delay, max_retry_after, deadline (per file; default none),
  stall_timeout (an attempt in which no byte moved for this long fails;
  default 2m), attempt_timeout (a wall-clock limit per attempt; default
  none), open_wait (with nowhere else to go, how long a file waits for a
  breaker opened by transient failures; default: no limit but the
  deadline), target_retry_ratio, target_retry_rate (each target's retry
  budget, shared by the batch; default 0.2 per first attempt + 10/s).
  throttle: min_concurrency (1), decrease (0.7), unusable_after (60s: a
  target throttling every request that long counts as down), backup
  (always, or outages: files never go to the backup because a target
  throttles). A throttled target (429, 503 SlowDown, QPS limits) gets fewer
  files at once and slower retries, never a failed file.
  skew: correct (sign with the server's time when the clock is off; default
  true), report (smallest offset reported).

Environment:
  ${NAME} in any value is replaced by the variable's value; an unset variable
  is an error naming it and its line, and so is a malformed ${ (values are
  never printed). An access key or secret that comes out empty (a variable
  set to "", or '' in the file) is an error naming the variable or key:
  requests are unsigned only with anonymous: true. A cloud
  target without credentials reads, in order:
    tos  TOS_ACCESS_KEY, TOS_SECRET_KEY (TOS_SECURITY_TOKEN); or
         VOLC_ACCESSKEY, VOLC_SECRETKEY (VOLC_SESSIONTOKEN)
    oss  OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET (OSS_SESSION_TOKEN); or
         ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
         (ALIBABA_CLOUD_SECURITY_TOKEN)
    obs  OBS_ACCESS_KEY_ID, OBS_SECRET_ACCESS_KEY (OBS_SECURITY_TOKEN)
    cos  COS_SECRETID, COS_SECRETKEY (COS_SESSIONTOKEN); or
         TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY
         (TENCENTCLOUD_SECURITY_TOKEN)
    s3   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN)
  then the CLI's profile file (tos ~/.tosutilconfig, ~/.volcengine/config.json;
  oss ~/.ossutilconfig, ~/.aliyun/config.json; obs ~/.obsutilconfig; cos
  ~/.cos.yaml; s3 ~/.aws/credentials, ~/.aws/config, with AWS_PROFILE), and
  is an error when none has keys (write anonymous: true for unsigned
  requests, or credentials: {source: instance} for the instance role).
  Keys that expire are fetched again after an expired-token refusal, and
  the request is retried once ("credentials_refreshed" in the report). XDG_CONFIG_HOME and HOME locate the configuration.

Output:
  Standard output: without --json, "path -> key -> URL" for each file stored
  (with --dry-run, "path -> target key size" for each file that would be
  uploaded, size in bytes, target the first in failover order); with
  --json, one JSON object per file:
    {"path", "key", "size", "status": "uploaded"|"backed_up"|"failed"|"skipped"|
     "would_upload" (--dry-run; skipped is for files already stored),
     "target", "provider", "url", "etag", "md5", "crc32c", "attempts":
     [{"target", "kind", "code", "status", "request_id", "skew_ms",
     "skew_corrected", "start", "elapsed_ms", "credentials_refreshed"}],
     "error": null or {"kind", "code", "status", "message", "request_id",
     "hints"}}
  (md5: of the bytes stored, empty for a file every cloud target sends in
  parts, whose ETag is no MD5; crc32c: of the bytes read, 8 hex digits)
  and, only when they apply, "unverified" (stored, but it could not be read
  back), "may_have_landed": TARGET (interrupted after its bytes were sent:
  it may have been stored on TARGET nonetheless) and, for a multipart
  upload, "parts": [{"number", "offset", "size", "etag", "elapsed_ms",
  "resumed"}] (how long each part took; resumed: stored by an earlier run or
  attempt, checked against the file and not sent again);
  then {"summary": {...}}: counts per status, bytes, duration, and per target
  the attempts by kind, the error codes, breaker opens, files failed over and
  where they went, the measured clock skew and corrected attempts.
  Standard error: each file's error, progress (--progress), and a summary
  that tells what happened on each target and, for the first failure of each
  kind, what to check.

Resume (--state FILE):
  An append-only journal of the files stored: key, size, mtime, target and
  the MD5 of the bytes stored (the CRC-32C for a file sent in parts). A
  rerun skips a file whose key, size, mtime and digest match a record on a
  target still configured, even if it went to
  another target after a failover. A record of the local directory counts
  only while its copy is there and reads back whole; a copy that is gone
  counts only if a cloud holds the object with that MD5 (drained); a
  record made while the local directory was the only target never counts
  once a cloud is configured. Files only in the local backup are skipped
  and counted as such. Interrupting (Ctrl-C, SIGTERM) stops starting new files, lets those
  in flight finish and records them; a second interrupt aborts them.
  A multipart upload is journaled as it goes (its upload ID before the
  first part, then each part stored): a rerun after a kill, or a retry in
  the same run, sends only the parts the server does not hold, each kept
  part checked against the file's bytes (size and ETag); a file changed
  since, or an upload gone, is aborted and sent anew.

Skip existing (--skip-existing size|checksum):
  Before the first file is compared, each target that can list (not the
  backup) is listed under the batch's prefix: one LIST request per 1,000
  keys, never a request per file. A file is skipped (status skipped, the
  target that holds it named) when an object has its key and size (size),
  and also its MD5 as a single-PUT ETag, or its CRC-64 where the provider
  lists one (TOS) (checksum; a local --to directory lists no checksum, so
  its copy is read); an object uploaded in parts without a CRC-64 in the
  listing cannot be compared and is uploaded again. It needs
  no journal, so it works across machines and pods; with --state the
  journal is asked first and the skips are recorded in it (a rerun then
  lists nothing). A target whose listing fails is warned about and its
  files are uploaded.

Sharding (--shard I/N):
  A file belongs to shard FNV-1a-64(key) mod N, so N machines (or the pods
  of a Kubernetes Indexed Job, with --shard $JOB_COMPLETION_INDEX/N) split a
  batch the same way every time, without coordinating.

Exit status:
  0    every file is on a cloud target (or on the only, local, target)
  3    some files are only in the local backup: nothing is lost; run
       "upload drain" later
  1    some files were stored nowhere (each is named on standard error)
  2    usage or configuration error: nothing was uploaded
  130  interrupted: the files in flight were finished or recorded, and the
       state file is consistent
  If standard output is closed early (upload ... | head -1), the report
  stops there and nothing else changes: the files are still uploaded and
  recorded in --state, a note goes to standard error, and the exit status
  is that of the files, as above (never a SIGPIPE death). Any other failure
  to write the --json report turns a 0 into 1.`
