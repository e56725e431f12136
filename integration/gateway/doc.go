// Package gateway answers like Volcengine TOS, Aliyun OSS, Huawei OBS or
// Tencent COS in front of an S3 server (the test MinIO), so that the real
// vendor SDKs meet real failures in tests: signature mismatches, unknown
// keys, clock skew, throttling, resets and stalls. MinIO alone answers every
// TOS, OSS and COS request with 400 InvalidRequest: those SDKs sign with
// their vendors' schemes (TOS4-HMAC-SHA256, OSS V1 and V4, COS q-sign),
// which MinIO does not know, and address buckets in ways it does not serve.
//
// It does not import "testing"; benchmark harnesses run it in-process.
//
// # Use
//
//	srv := miniotest.Shared(t)
//	bucket := srv.NewBucket(t, "tos")
//	gw, err := gateway.Start(gateway.Options{Dialect: gateway.TOS, Upstream: gateway.MinIO(srv)})
//	...
//	defer gw.Close()
//	ak, sk := gw.Credentials()                  // the fake keys the gateway accepts
//	cli, _ := tos.NewClientV2(gw.URL(), tos.WithRegion("cn-beijing"),
//		tos.WithCredentials(tos.NewStaticCredentials(ak, sk)), tos.WithMaxRetryCount(0))
//
//	gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.SlowDown(), Times: 1})
//	gw.SetClockOffset(31 * time.Minute)         // the gateway's clock runs 31 min ahead
//	n := gw.Count(gateway.OpPut)                // PUTs that reached the gateway
//
// [Start] serves on a free 127.0.0.1 port ([Gateway.URL], [Gateway.Endpoint]);
// [New] returns the bare [http.Handler]. [Gateway.Close] stops serving, wakes
// stalled and delayed requests and waits for every handler.
//
// Addressing: path-style "/bucket/key" always; virtual-host
// "<bucket>.<Options.Domain>" when Domain is set. The endpoint must be an IP
// literal for TOS, OSS and OBS to use path-style; COS drops the path of its
// BucketURL, so a client either puts a bucket-path RoundTripper under the
// signer (the gateway accepts a COS signature over "/key" as well as over
// "/bucket/key") or uses the virtual-host form with Domain and a dialer.
//
// # Authentication
//
// The gateway holds one test key pair (Options.AccessKey/SecretKey,
// default [DefaultAccessKey]/[DefaultSecretKey]), besides any temporary
// credentials given to [Gateway.AddTemporary] or made by
// [Gateway.IssueTemporary] (accepted with their security token until they
// expire, or [Gateway.ExpireToken] and [Gateway.ExpireTokens] expire them),
// and verifies each request with the vendor's algorithm, as the vendor's
// SDK computes it:
//
//   - TOS: TOS4-HMAC-SHA256 (Authorization header, X-Tos-Date).
//   - OSS: V1 "OSS ak:sig" (HMAC-SHA1 over the string to sign of the OSS troubleshooting guide,
//     Date) and OSS4-HMAC-SHA256 (x-oss-date or Date). OSS2 is refused.
//   - OBS: AWS V2 "AWS ak:sig", native "OBS ak:sig" (V2 with x-obs- headers)
//     and AWS4-HMAC-SHA256 (X-Amz-Date, or Date as the OBS SDK allows).
//   - COS: q-sign-algorithm=sha1 (q-sign-time, q-key-time, header and
//     parameter lists).
//
// Checks run in this order: a malformed header gets 400
// AuthorizationHeaderMalformed; an unknown key 403 InvalidAccessKeyId; a
// signed time outside Options.SkewWindow (15 min) of the gateway's clock 403
// RequestTimeTooSkewed; a wrong signature 403 SignatureDoesNotMatch.
// Requests without Authorization are forwarded unsigned (the bucket policy
// decides); presigned query-string authentication is refused with 403
// AccessDenied rather than forwarded unchecked.
//
// The gateway verifies OBS's AWS signatures itself instead of passing them
// to MinIO: MinIO judges the signed time by the real clock, so a client that
// corrected its clock to the gateway's skewed Date would be refused there.
//
// Valid requests are re-signed for MinIO with AWS V4 (UNSIGNED-PAYLOAD) and
// the Upstream credentials, so buckets stay private. A streaming-signed body
// (aws-chunked, as minio-go, mc and the AWS SDKs send over plain http) is
// decoded on the way: MinIO gets the object's bytes, not the chunk framing
// (the chunk signatures are not checked; the seed signature is).
//
// # Replies in the vendor's dialect
//
// Every reply carries a Date from the gateway's clock and the vendor's
// request-id header (x-tos-request-id, x-oss-request-id, x-cos-request-id;
// for OBS only x-amz-request-id, since the OBS SDK strips both prefixes and
// would pick one at random). Errors, the gateway's own and MinIO's
// re-rendered with their status and code, are:
//
//   - TOS: JSON {Code, Message, RequestId, HostId, EC, Key}, x-tos-ec.
//   - OSS: XML {Code, Message, RequestId, HostId, EC}, plus OSSAccessKeyId,
//     SignatureProvided, StringToSign and StringToSignBytes on
//     SignatureDoesNotMatch (and CanonicalRequest for V4), and RequestTime,
//     ServerTime, MaxAllowedSkewMilliseconds on RequestTimeTooSkewed; x-oss-ec;
//     on HEAD the error travels base64-encoded in x-oss-err, as OSS does.
//   - OBS: S3 XML {Code, Message, Resource, RequestId, HostId}, with
//     RequestTime and ServerTime on skew ("Request is not yet valid." /
//     "Request is no longer valid.", OBS's wording). MinIO's own errors pass
//     through unchanged.
//   - COS: XML {Code, Message, Resource, RequestId, TraceId}.
//
// Detailed codes (EC) are sent only where the vendor documents them: TOS
// 0002-00000024 (SignatureDoesNotMatch) and 0002-00000018
// (RequestTimeTooSkewed); OSS 0002-00000040 (V1 SignatureDoesNotMatch, seed
// 001) and 0002-00000504 (RequestTimeTooSkewed).
//
// COS and time: a q-sign-time whose end has passed gets 403 AccessDenied
// "Request has expired"; one whose start is more than the skew window from
// the gateway's clock gets 403 RequestTimeTooSkewed. COS documents both
// answers for a wrong local clock ("403 Error for COS Access": COS returns
// "RequestTimeTooSkewed" or "Request has expired"); the start-time rule is
// what makes a +31 min gateway clock fail against the SDK's default one-hour
// signature.
//
// # Translation
//
// Standard headers (Content-Type, Content-MD5, Range, conditionals...) pass;
// x-tos-meta-*, x-oss-meta-*, x-cos-meta-* and x-obs-meta-* become
// x-amz-meta-* and come back in the vendor's prefix, with x-amz-version-id;
// other vendor headers are dropped (OBS's x-amz-* headers pass). Object data
// is streamed in both directions. While streaming a PUT or an upload part the
// gateway computes the CRC-64/ECMA of the body and answers it in
// x-tos-hash-crc64ecma, x-oss-hash-crc64ecma or x-cos-hash-crc64ecma, so the
// SDKs' CRC checks run (COS fails without it); a multipart complete gets the
// combined CRC of its parts (GF(2) combination of the part CRCs remembered per
// upload ID, bounded to 10000 uploads), which TOS UploadFile and COS Upload
// check. GET replies carry no CRC header (the SDKs then skip the check).
//
// TOS speaks JSON: the complete request body is translated to XML (and its
// Content-MD5 dropped), the initiate, complete, list-parts,
// list-multipart-uploads and ListObjectsType2 (list-type=2) results to JSON
// (listed objects carry no HashCrc64Ecma: the gateway keeps no object's
// CRC-64); upload part and abort need no translation. TOS's other JSON APIs
// (the V1 object listing, batch delete, bucket subresources, complete-all) and copies in
// any dialect but OBS are answered 501 NotImplemented rather than passed on
// for the SDK to misparse. Chunked (unknown-length) bodies are forwarded as
// they are; MinIO answers 411 MissingContentLength, as S3 does.
//
// # Faults
//
// [Gateway.Inject] adds a [Fault]: which requests (Ops, Methods, Bucket,
// KeyPrefix), what they meet (an [Action]) and for how long (Times requests,
// a Probability drawn from the seeded Options.Seed source, a From/Until
// window of Options.Clock). A request meets the first matching fault with
// budget left; faults apply before authentication. Actions: [Respond] (any
// status and vendor code: SignatureDoesNotMatch, InvalidAccessKeyId,
// RequestTimeTooSkewed, AccessDenied, NoSuchBucket...), [InternalError],
// [SlowDown] (503 with Retry-After), [TooManyRequests] (429 with
// Retry-After), [Reset] (TCP RST after reading the body), [Stall] (read the
// body, answer nothing until the client gives up, at most Options.MaxStall,
// 30 s), [Latency], [Truncate] (MinIO does the work, the reply is cut),
// [Hold] (MinIO does the work, the reply is held until the client gives up),
// [HoldBody] (only the first bytes of the body are read, then nothing until
// the client gives up) and [Bandwidth] (body and reply paced to a rate each
// way). Hold and HoldBody signal a channel when they start holding, so a
// test cancels the client at that point, not after a sleep. [RespondCode]
// answers any code of the vendors' published error-code table
// (internal/errclass Codes) with the status the table gives it in the
// gateway's dialect, e.g. 400 PublicEndpointForbidden (EC 0048-00000401)
// from OSS; [NamedAction] knows those codes by name too. Crafted replies
// drain the request body first.
//
// The conformance suite's faults map by name:
//
//	a, err := gateway.NamedAction(f.Type.String()) // "500", "503-slowdown", "429", "reset", "stall"
//	gw.Inject(gateway.Fault{Action: a})            // until gw.ClearFaults()
//
// Go's HTTP client re-sends an idempotent request (GET, HEAD) once when a
// reused connection is reset before any reply, so such a request can consume
// two units of a Times budget; a PUT or POST whose body was sent is not
// re-sent.
//
// # The network: a slow link and a drifting clock
//
// Options.Link (or [Gateway.SetLink]) puts an emulated network between the
// clients and the gateway: a one-way delay and a bandwidth cap each way
// ([Link]: UpDelay, DownDelay, UpBytesPerSecond, DownBytesPerSecond; up
// is towards the gateway), the cap shared by every connection, as one slow
// or distant network is. Bytes are released their delay after they passed
// the cap, pipelined, so a long transfer is limited by the bandwidth and a
// request/response exchange costs one round trip, as on a real network
// with a large TCP window. [Start] serves every connection through the
// emulator when Options.Link is set, or Options.EmulateLink asks for it so
// that SetLink can change a link that starts as loopback; a gateway made
// by [New] wraps its listener with [Gateway.Listener]. [Gateway.LinkBytes]
// counts what crossed. The [Bandwidth] fault is different: one request
// paced on its own.
//
//	gw, _ := gateway.Start(gateway.Options{Dialect: gateway.TOS, Upstream: up,
//		Link: gateway.SymmetricLink(40*time.Millisecond, 20_000_000)}) // 40 ms RTT, 20 MB/s each way
//
// The clock may drift: [Gateway.SetClockDrift] (or Options.ClockDrift)
// makes its offset grow by a set amount per second of real time (negative:
// fall behind), from the offset it has, as a server whose clock runs fast;
// the signature checks and every Date follow it, so a client's skew
// estimate goes stale and must be measured again.
//
// # Policies and encryption
//
// Options.Policy (or [Gateway.SetPolicy]) says what the key may do:
// [WriteOnly] is a key that may upload but not read, as least-privilege
// upload policies grant (COS's sample upload policy): HEAD and GET of an
// object are refused with 403 AccessDenied in the vendor's dialect, after
// the signature is checked; every write passes. Options.KMSEncryption (or
// [Gateway.SetKMSEncryption]) answers as a bucket encrypted by default with
// a KMS key: the vendor's server-side-encryption header
// (x-tos-server-side-encryption: kms, x-oss-server-side-encryption: KMS,
// x-cos-server-side-encryption: cos/kms, OBS's x-amz-...: aws:kms or, for
// the native signature, x-obs-...: kms) on the replies to PUT, parts,
// initiate, complete, HEAD and GET, and ETags that are not MD5s (each hex
// digit XOR 8, in the Etag header and a complete result); the part ETags a
// client sends back in a complete request are changed back for MinIO.
//
// Object attributes: the vendor's storage-class, canned-ACL,
// server-side-encryption (and KMS key) and tagging headers of a PUT or a
// multipart initiate are kept as reserved user metadata, since MinIO
// refuses most vendors' storage classes and encrypts only with a KMS; a
// HEAD or GET reply gives them back as the vendor's storage-class,
// server-side-encryption, KMS key and tagging-count headers (attrs.go).
//
// # Counters
//
// [Gateway.Count] counts requests per [Op] as they arrive; [Gateway.CountOutcome]
// splits them by [Outcome] (forwarded, rejected by the gateway, faulted);
// [Gateway.Records] lists the last 1000 with their request IDs, status and
// code. Both are final by the time the client has its answer.
//
// # Control over HTTP
//
// [NewControl] serves the same operations as JSON over HTTP (clock offset
// and drift, link, faults, counters, records, buckets, temporary credentials), a thin layer over the methods
// above, so that tests in any language drive the gateways; `upload
// gateway` runs the four dialects over MinIO with it. Its routes and the
// JSON form of a fault ([FaultSpec]) are documented on [NewControl].
package gateway
