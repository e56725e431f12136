// Package integration holds the end-to-end tests of upload against a real
// MinIO and the vendor gateway in front of it. Its subpackages are the
// harness the other packages' tests build on:
//
//   - [github.com/resilient-upload/upload/integration/miniotest] finds or
//     installs the pinned MinIO, starts it on a free loopback port, creates
//     buckets and stops it by its own process id.
//   - [github.com/resilient-upload/upload/integration/gateway] answers like
//     TOS, OSS, OBS or COS in front of that MinIO: it verifies each vendor's
//     signature, keeps a clock that can be skewed, speaks each vendor's
//     error dialect, translates TOS's JSON multipart calls and injects
//     faults.
//
// Tests that need MinIO skip without it and fail with UPLOAD_REQUIRE_MINIO=1.
//
// # What the raw SDKs return
//
// TestSDKMatrix drives each vendor SDK directly (no product code) through a
// gateway of its dialect in front of the real MinIO, with the SDK's own
// retries off (TOS and OBS WithMaxRetryCount(0), COS RetryOpt.Count=1, OSS
// v1 has none) and a response-header timeout on its transport (500 ms in
// the stall scenario).
// Every cell below is an assertion of that test; `UPLOAD_PRINT_MATRIX=1 go
// test -run TestSDKMatrix -v ./integration/` prints the table as observed.
//
// Server errors have the same type in every row of a column:
// *tos.TosServerError (StatusCode, Code, EC, RequestID, Header),
// oss.ServiceError, a value (StatusCode, Code, Ec, RequestID; the Date only
// through the oss.GetResponseHeader option), obs.ObsError, a value
// (StatusCode, Code, RequestId, ResponseHeaders["date"]), *cos.ErrorResponse
// (Response.StatusCode, Code, RequestID, Response.Header). Each carries the
// gateway's request ID and its Date. Network errors are *tos.TosClientError
// (Cause *url.Error, no Unwrap), *url.Error for OSS and OBS, and
// *cos.RetryError (Errs holding the *url.Error, no Unwrap).
//
//	scenario      | TOS                     | OSS V1                 | OSS V4                 | OBS V2 and V4          | COS
//	--------------+-------------------------+------------------------+------------------------+------------------------+-------------------------
//	valid put     | nil; MinIO holds the    | nil; same              | nil; same              | nil; same              | nil; same (the SDK's
//	              | same bytes              |                        |                        |                        | CRC-64 check passes)
//	multipart     | nil (initiate, 2 parts, | nil; same              | nil; same              | nil; same              | nil; same
//	              | list parts, complete    |                        |                        |                        |
//	              | via JSON); same bytes   |                        |                        |                        |
//	wrong secret  | 403 SignatureDoesNot-   | 403 SignatureDoesNot-  | 403 SignatureDoesNot-  | 403 SignatureDoesNot-  | 403 SignatureDoesNot-
//	              | Match, EC 0002-00000024 | Match, EC 0002-00000040| Match                  | Match                  | Match
//	unknown key   | 403 InvalidAccessKeyId  | 403 InvalidAccessKeyId | 403 InvalidAccessKeyId | 403 InvalidAccessKeyId | 403 InvalidAccessKeyId
//	skew +31 min  | 403 RequestTimeTooSkewed| 403 RequestTimeToo-    | 403 RequestTimeToo-    | 403 RequestTimeToo-    | 403 RequestTimeToo-
//	              | EC 0002-00000018;       | Skewed EC 0002-00000504| Skewed EC 0002-00000504| Skewed; Date = +31 min | Skewed; Date = +31 min
//	              | Date = local +31 min    | Date = +31 min         | Date = +31 min         |                        |
//	503 SlowDown  | 503 SlowDown,           | 503 SlowDown,          | 503 SlowDown,          | 503 SlowDown,          | 503 SlowDown,
//	              | Retry-After 1; 1 request| Retry-After 1; 1 req.  | Retry-After 1; 1 req.  | Retry-After 1; 1 req.  | Retry-After 1; 1 req.
//	reset         | *tos.TosClientError:    | *url.Error: connection | *url.Error: connection | *url.Error: connection | *cos.RetryError:
//	              | connection reset by peer| reset by peer          | reset by peer          | reset by peer          | connection reset by peer
//	stall         | *tos.TosClientError:    | *url.Error: timeout    | *url.Error: timeout    | *url.Error: timeout    | *cos.RetryError: timeout
//	              | timeout awaiting        | awaiting response      | awaiting response      | awaiting response      | awaiting response
//	              | response headers,       | headers, Timeout()     | headers, Timeout()     | headers, Timeout()     | headers, Timeout()
//	              | Timeout() true          | true                   | true                   | true                   | true
//
// In every failing cell exactly one PUT reached the gateway and nothing was
// stored. The same test also asserts, for every SDK:
//
//   - skew corrected: with the gateway at +31 min, a PUT signed at local +31
//     min through the SDK's signing-time knob (TOS RequestDate, OSS Date
//     header, OBS Date header, COS AddAuthorizationHeader with a shifted
//     AuthTime) succeeds;
//   - missing bucket: MinIO's 404 NoSuchBucket arrives in the vendor's
//     format and type;
//   - 500 InternalError and 429 TooManyRequests (Retry-After 1) arrive as
//     server errors of the column's type;
//   - truncate: the network error "unexpected EOF" of the column's type,
//     while MinIO holds the object;
//   - upload helper (TOS UploadFile, COS Upload): the helpers accept the
//     gateway's combined CRC-64 of a three-part upload.
//
// TestVirtualHostAddressing puts through OSS and COS in their default
// virtual-host form ("<bucket>.<domain>").
//
// # Failover scenarios
//
// The TestScenario tests run the failover package over the real backends
// (TOS, OSS, OBS, COS and the local backup) through gateways of their
// dialects, and assert counts, never timings:
//
//   - TestScenarioSignatureMismatch: the primary TOS region answers
//     SignatureDoesNotMatch; the first upload lands on the secondary after
//     exactly one request to the primary, the breaker opens once, and the
//     next 100 uploads never reach the primary (its gateway's counters).
//   - TestScenarioClockSkew: the primary's gateway clock at +31 minutes, for
//     TOS, OSS, COS and OBS; with correction off ClockSkew opens the breaker
//     and the upload fails over; with it on the upload stays, signed with
//     the corrected time after one refusal, and the skew is reported.
//   - TestScenarioThrottleBurst: a burst of 503 SlowDown: retries honouring
//     Retry-After, then failover; after the burst a half-open trial, or a
//     health probe, brings the primary back.
//   - TestScenarioAllCloudsDown: every cloud down for a while: uploads go to
//     the local backup; after recovery Drain empties it and every object is
//     in MinIO, byte-identical.
//   - TestScenarioTargetRefused: OSS answers 400 PublicEndpointForbidden
//     (EC 0048-00000401); the upload fails over to the secondary after one
//     PUT, with the endpoint hint, the breaker opens (target_refused), and
//     with no cloud left the file goes to the backup.
//   - TestScenarioSlowLink: a 20 MiB PUT through a 2 MB/s link (about 10
//     s), for TOS and OBS, with a 2 s stall timeout: stored by the first
//     attempt, and the skew measured against the gateway's correct clock
//     is under a second (a run measured +0.43 s and -0.18 s; measured from
//     the request's start it read +5 s, from the end of the body +1.4 s).
//   - TestScenarioStall: the primary reads the body and never answers; the
//     2 s stall watchdog ends the attempt (timeout, "stalled") long before
//     the 30 s response timeout, and the secondary stores the object.
//   - TestScenarioRandomFaults: 1,000 uploads, 16 at a time, meeting random
//     503s, 500s, resets, cut replies (the object stored, the reply lost)
//     and signature refusals: every object is exactly where its Result
//     says, verified by checksum, and none is lost or stored twice.
//
// # A real network: slow links and drifting clocks
//
// The gateway's emulated link ([gateway.Link]: a one-way delay and a
// bandwidth cap each way, the cap shared by every connection of the
// backend, bytes pipelined as on a real network) and its drifting clock
// ([gateway.Gateway.SetClockDrift]) run the failover Uploader over each
// vendor's backend. Only counts and the measured skew are asserted, never
// a time; the figures are what a run logged (2 cores, under load).
//
//	scenario              | TOS                   | OSS                   | OBS                   | COS
//	----------------------+-----------------------+-----------------------+-----------------------+----------------------
//	2 GiB, 20 MB/s each   | first attempt: 1      | (TOS only: one 2 GiB  |                       |
//	way, 40 ms RTT        | initiate, 128 parts   | run keeps the suite   |                       |
//	(TestScenarioLarge-   | of 16 MiB each sent   | short)                |                       |
//	FileSlowLink)         | once, 1 complete, no  |                       |                       |
//	                      | abort; the stall      |                       |                       |
//	                      | watchdog quiet; bytes |                       |                       |
//	                      | equal; 113 s (19.0    |                       |                       |
//	                      | MB/s of the 20); 152  |                       |                       |
//	                      | s under -race at load |                       |                       |
//	                      | average 11            |                       |                       |
//	skew on a slow link:  | 45.22 s               | 45.42 s               | 45.40 s               | 45.31 s
//	20 MiB, 2 MB/s each   |                       |                       |                       |
//	way, 40 ms RTT, clock |                       |                       |                       |
//	+45 s (TestScenario-  |                       |                       |                       |
//	SkewSlowLink; < 1 s   |                       |                       |                       |
//	off asserted)         |                       |                       |                       |
//	drifting clock: 10    | refused once          | same                  | same                  | same
//	min/s to +16 min,     | (clock_skew), stored  |                       |                       |
//	then 1 s/s (TestSce-  | by the corrected      |                       |                       |
//	narioClockDrift)      | retry; the next       |                       |                       |
//	                      | upload corrected from |                       |                       |
//	                      | the start, 1 PUT; the |                       |                       |
//	                      | estimate follows the  |                       |                       |
//	                      | drift; breaker closed |                       |                       |
//
// TestScenarioSlowLink, above, paces one request with the [gateway.Bandwidth]
// fault instead; the link paces every connection together.
//
// # Real clouds: least privilege and KMS-encrypted buckets
//
// TestScenarioLeastPrivilege and TestScenarioKMSBucket run the failover
// Uploader over a primary and a secondary of each vendor (5 MiB parts), a
// single PUT of 64 KiB and a three-part upload each; the backends' own
// TestLeastPrivilegeThroughGateway and TestKMSEncryptedBucketThroughGateway
// do the same for one backend, the s3 backend included (through the OBS
// dialect, which speaks AWS V4). The primary's gateway answers with
// [gateway.WriteOnly] (HEAD and GET refused with the vendor's 403
// AccessDenied, as a key that may write but not read gets) or with
// SetKMSEncryption (the vendor's server-side-encryption header, ETags that
// are not MD5s).
//
//	scenario        | TOS                 | OSS                 | OBS                 | COS                 | S3
//	----------------+---------------------+---------------------+---------------------+---------------------+---------------------
//	least privilege | stays on primary;   | stays on primary;   | stays on primary;   | stays on primary;   | stored; composite
//	(write-only)    | complete's CRC-64   | complete's CRC-64   | composite ETag      | complete's CRC-64   | CRC-32C verified;
//	                | verified; HEAD 403: | verified, no HEAD   | verified; HEAD 403: | verified; HEAD 403: | HEAD 403:
//	                | unverified, no      | sent                | unverified, no      | unverified, nothing | unverified, no
//	                | DELETE, breaker     |                     | DELETE, breaker     | deleted, breaker    | DELETE
//	                | closed              |                     | closed              | closed              |
//	KMS bucket      | stays on primary    | stays on primary    | stays on primary    | stays on primary    | stored (no
//	(SSE-KMS)       | (x-tos-server-side- | (x-oss-server-side- | (aws:kms; x-obs-:   | (cos/kms): no ETag- | aws:kms): no ETag-
//	                | encryption: kms)    | encryption: KMS):   | kms): no ETag-      | equals-MD5 check,   | equals-MD5 check,
//	                |                     | no ETag-equals-MD5  | equals-MD5 check    | single or part      | composite ETag
//	                |                     | check               | (any SSE)           |                     | skipped, composite
//	                |                     |                     |                     |                     | CRC-32C checked
//
//	drain to a      | copy moved and      | same                | same                | same                | (not run)
//	write-only key  | removed: verified   |                     |                     |                     |
//	(SkipStaleCheck)| by the upload's MD5 |                     |                     |                     |
//
//	resume after    | upload kept; the    | same (V1 and V4)    | same (V2, V4 and    | same                | same
//	a cut (5 parts, | next Put lists the  |                     | native)             |                     |
//	cut after 2)    | parts, sends the 3  |                     |                     |                     |
//	                | missing, initiates  |                     |                     |                     |
//	                | none; CRC-64 of the |                     |                     |                     |
//	                | object checked      |                     |                     |                     |
//	  ... data      | old upload aborted, | same                | same                | same                | same
//	  changed since | all 5 parts sent    |                     |                     |                     |
//
// The last row is TestScenarioLeastPrivilegeDrain: a multipart upload backed
// up while the cloud answered 503, then drained to it with a write-only key.
// Drain's stale-overwrite check needs a Stat, so it must be skipped
// (DrainOptions.SkipStaleCheck); its verification takes the MD5 the backend
// returns, checked before the parts were sent (before, COS and OSS
// returned none and Drain's HEAD was refused).
//
// The resume rows are the backends' TestResume (gatewayharness.CheckResume):
// a multipart upload with an [uploader.Resumer], one part at a time, cut
// after two parts by the gateway's 503 (Kind Unavailable: the upload is
// kept), then put again: the UploadPart requests the gateway counts are
// exactly the parts MinIO lacked, and the object is the data byte for
// byte; with a byte changed in a stored part the old upload is aborted
// and every part sent; a Put given the ID of that aborted upload
// (NoSuchUpload in every dialect) starts anew; and an initiate whose reply
// the gateway cuts (MinIO started the upload) leaves no upload behind (the
// backend lists the key's uploads started since and aborts them; before,
// every vendor left one, as TestSoakFilesChangingUnderFaults found).
// Through a real process, cmd/upload's
// TestKillMidMultipartAndResume kills the CLI (SIGKILL) with --state at
// 5 of 8 parts and the rerun sends the 3 missing. By hand, 1 GiB in 64
// parts of 16 MiB through the TOS emulator, killed after 38 part requests:
// the rerun listed 42 parts stored, re-hashed them, sent the other 22 and
// no initiate, in 20.6 s against 37.6 s for the whole upload on the same
// (loaded: load average 18 on 2 cores) machine; MD5 identical.
//
// "Unverified" is [uploader.Result.Unverified]: "not verified by reading",
// never a failure. Before these changes the HEAD's 403 was access_denied
// (TOS, OBS, COS, S3: the breaker opened and the file went to the
// secondary; COS deleted what it had stored), and OBS, OSS and COS (and S3
// without SkipETagCheck) failed every single PUT to a KMS bucket with
// integrity.
package integration
