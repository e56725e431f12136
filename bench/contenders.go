package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// settings are the concurrency and part knobs every tool that has them gets
// the same values for.
type settings struct {
	// Jobs is the number of files uploaded concurrently.
	Jobs int
	// PartSize is the multipart part size, in bytes (a multiple of 1 MiB).
	PartSize int64
	// PartJobs is the number of parts of one file uploaded concurrently.
	PartJobs int
}

// env is what every contender needs to build its command line.
type env struct {
	// Endpoint is the "127.0.0.1:PORT" the tools talk to; URL is "http://"
	// + Endpoint. It is MinIO's, or the vendor gateway's in front of it.
	Endpoint, URL string
	// AccessKey and SecretKey are the keys Endpoint accepts: MinIO's
	// (fake, loopback-only) root credentials, or the gateway's test keys.
	AccessKey, SecretKey string
	// MinioURL, MinioAccessKey and MinioSecretKey are always MinIO's (for
	// upload's second target).
	MinioURL, MinioAccessKey, MinioSecretKey string
	// Bucket receives the uploads; Second is the bucket of the second
	// target configured for `upload`.
	Bucket, Second string
	// Conf is a directory for generated config files; Home is the
	// children's HOME, so no tool reads or writes the user's configs.
	Conf, Home string
	// Set are the shared knobs.
	Set settings
	// Self is the harness's own executable (for the sdkput baseline).
	Self string
	// MinioPID is the server's process id, for its CPU time; MinioData
	// its data directory, whose trash the harness empties after each run.
	MinioPID  int
	MinioData string
}

// childEnv is the environment of every measured child: the harness's own
// without proxies, credentials or settings any tool would read, plus HOME,
// loopback NO_PROXY and the extra variables.
func (e env) childEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		ku := strings.ToUpper(k)
		switch {
		case strings.HasSuffix(ku, "_PROXY"), ku == "HOME", ku == "XDG_CONFIG_HOME",
			strings.HasPrefix(ku, "AWS_"), strings.HasPrefix(ku, "RCLONE_"), strings.HasPrefix(ku, "MC_"),
			strings.HasPrefix(ku, "S5CMD_"), strings.HasPrefix(ku, "UPLOAD_"), strings.HasPrefix(ku, "BENCH_"),
			strings.HasPrefix(ku, "OBS_"), strings.HasPrefix(ku, "MINIO_"):
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "HOME="+e.Home, "XDG_CONFIG_HOME="+filepath.Join(e.Home, ".config"), "NO_PROXY=127.0.0.1,localhost,::1")
	return append(out, extra...)
}

// contender is one row of the table: a tool with its settings.
type contender struct {
	// ID names the contender in flags and file names (upload-s3, s5cmd).
	ID string
	// Label is the table's row name.
	Label string
	// Upload marks this project's CLI; SDK marks the direct-SDK baseline.
	Upload, SDK bool
	// Version describes the binary.
	Version string
	// Bin is the executable.
	Bin string
	// Unavailable, when set, says why the contender was not run.
	Unavailable string
	// Doc is the command line as documented in BENCHMARKS.md.
	Doc string
	// Buckets are where its uploads land (the first one is the primary).
	Buckets []string
	// cmd builds the invocation that uploads w.Dir to prefix.
	cmd func(e env, w workload, prefix string) invocation
}

func mib(n int64) int64 { return n >> 20 }

// newS5cmd: s5cmd's file workers (--numworkers, global, default 256) and
// per-file part concurrency and size (cp --concurrency 5, --part-size 50
// MiB by default) are set to the shared knobs.
func newS5cmd(bin, version string, e env) contender {
	s := e.Set
	return contender{
		ID: "s5cmd", Label: "s5cmd", Bin: bin, Version: version, Buckets: []string{e.Bucket},
		Doc: fmt.Sprintf("`s5cmd --endpoint-url URL --numworkers %d cp --concurrency %d --part-size %d 'DIR/*' s3://BUCKET/PREFIX/` (AWS_REGION=us-east-1)",
			s.Jobs, s.PartJobs, mib(s.PartSize)),
		cmd: func(e env, w workload, prefix string) invocation {
			return invocation{
				Args: []string{bin, "--endpoint-url", e.URL, "--numworkers", fmt.Sprint(s.Jobs),
					"cp", "--concurrency", fmt.Sprint(s.PartJobs), "--part-size", fmt.Sprint(mib(s.PartSize)),
					w.Dir + "/*", "s3://" + e.Bucket + "/" + prefix},
				Env: e.childEnv("AWS_ACCESS_KEY_ID="+e.AccessKey, "AWS_SECRET_ACCESS_KEY="+e.SecretKey, "AWS_REGION=us-east-1"),
			}
		},
	}
}

// newMc: mc cp has no flag for file concurrency (its parallel manager
// scales workers itself, up to 128); part size and part threads come from
// MC_UPLOAD_MULTIPART_SIZE and MC_UPLOAD_MULTIPART_THREADS (default: minio-go's
// optimal part size, 4 threads).
func newMc(bin, version string, e env) contender {
	s := e.Set
	return contender{
		ID: "mc", Label: "mc", Bin: bin, Version: version, Buckets: []string{e.Bucket},
		Doc: fmt.Sprintf("`mc --config-dir TMP --quiet --no-color cp --recursive DIR/ bench/BUCKET/PREFIX/` (alias from MC_HOST_bench; MC_UPLOAD_MULTIPART_SIZE=%dMiB, MC_UPLOAD_MULTIPART_THREADS=%d; file concurrency is mc's own, up to 128)",
			mib(s.PartSize), s.PartJobs),
		cmd: func(e env, w workload, prefix string) invocation {
			return invocation{
				Args: []string{bin, "--config-dir", filepath.Join(e.Conf, "mc"), "--quiet", "--no-color",
					"cp", "--recursive", w.Dir + "/", "bench/" + e.Bucket + "/" + prefix},
				Env: e.childEnv(
					fmt.Sprintf("MC_HOST_bench=http://%s:%s@%s", e.AccessKey, e.SecretKey, e.Endpoint),
					fmt.Sprintf("MC_UPLOAD_MULTIPART_SIZE=%dMiB", mib(s.PartSize)),
					fmt.Sprintf("MC_UPLOAD_MULTIPART_THREADS=%d", s.PartJobs)),
			}
		},
	}
}

// newRclone: the remote is defined by RCLONE_CONFIG_BENCH_* variables
// (type s3, provider Minio); --transfers is the file concurrency,
// --s3-chunk-size and --s3-upload-concurrency the part knobs (the upload
// cutoff stays at its 200 MiB default); --no-check-dest and
// --s3-no-check-bucket skip the listing and bucket probe the other tools do
// not do either.
func newRclone(bin, version string, e env) contender {
	s := e.Set
	return contender{
		ID: "rclone", Label: "rclone", Bin: bin, Version: version, Buckets: []string{e.Bucket},
		Doc: fmt.Sprintf("`rclone copy DIR bench:BUCKET/PREFIX --transfers %d --checkers %d --s3-chunk-size %dMi --s3-upload-concurrency %d --no-check-dest --s3-no-check-bucket -q` (remote: type s3, provider Minio, from RCLONE_CONFIG_BENCH_*)",
			s.Jobs, s.Jobs, mib(s.PartSize), s.PartJobs),
		cmd: func(e env, w workload, prefix string) invocation {
			return invocation{
				Args: []string{bin, "--config", filepath.Join(e.Conf, "rclone.conf"),
					"copy", w.Dir, "bench:" + e.Bucket + "/" + prefix,
					"--transfers", fmt.Sprint(s.Jobs), "--checkers", fmt.Sprint(s.Jobs),
					"--s3-chunk-size", fmt.Sprintf("%dMi", mib(s.PartSize)),
					"--s3-upload-concurrency", fmt.Sprint(s.PartJobs),
					"--no-check-dest", "--s3-no-check-bucket", "-q"},
				Env: e.childEnv(
					"RCLONE_CONFIG_BENCH_TYPE=s3",
					"RCLONE_CONFIG_BENCH_PROVIDER=Minio",
					"RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="+e.AccessKey,
					"RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="+e.SecretKey,
					"RCLONE_CONFIG_BENCH_ENDPOINT="+e.URL,
					"RCLONE_CONFIG_BENCH_REGION=us-east-1"),
			}
		},
	}
}

// newSDK is the minio-go baseline (the harness's own sdkput subcommand).
func newSDK(e env) contender {
	s := e.Set
	return contender{
		ID: "sdk-s3", Label: "minio-go direct", SDK: true, Bin: e.Self, Version: "minio-go v7.4.1 (this module's go.mod)",
		Buckets: []string{e.Bucket},
		Doc: fmt.Sprintf("`go run ./bench sdkput -jobs %d -part-size %d -part-jobs %d DIR`: minio-go PutObject per file from %d goroutines, no failover layer",
			s.Jobs, s.PartSize, s.PartJobs, s.Jobs),
		cmd: func(e env, w workload, prefix string) invocation {
			return invocation{
				Args: []string{e.Self, "sdkput", "-endpoint", e.Endpoint, "-bucket", e.Bucket, "-prefix", prefix,
					"-jobs", fmt.Sprint(s.Jobs), "-part-size", fmt.Sprint(s.PartSize), "-part-jobs", fmt.Sprint(s.PartJobs), w.Dir},
				Env: e.childEnv("BENCH_ACCESS_KEY="+e.AccessKey, "BENCH_SECRET_KEY="+e.SecretKey),
			}
		},
	}
}
