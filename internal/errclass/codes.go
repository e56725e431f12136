package errclass

import (
	"strings"

	"github.com/resilient-upload/upload/uploader"
)

// Code is one error code of a vendor's published list: the status it comes
// with, what it means, and the Kind it is classified as.
type Code struct {
	// Vendor is tos, oss, obs, cos or s3 (the codes MinIO adds are listed
	// under s3).
	Vendor string
	// Status is the HTTP status the vendor documents for the code.
	Status int
	// Code is the vendor's error code, as sent in the error body.
	Code string
	// Kind is the code's classification.
	Kind uploader.Kind
	// Meaning is what the vendor's documentation says it means, in short.
	Meaning string
	// Hint, if set, tells the user what to change; it is added to the
	// error's hints.
	Hint string
}

// Sources names, per vendor, the published error-code page the entries of
// [Codes] come from.
var Sources = map[string]string{
	"tos": "https://www.volcengine.com/docs/6349/74874 (TOS 错误码; the code set of ve-tos-golang-sdk tos/codes)",
	"oss": "https://www.alibabacloud.com/help/en/oss/user-guide/error-codes (and the EC pages, e.g. 0048-00000401)",
	"obs": "https://support.huaweicloud.com/intl/en-us/api-obs/obs_04_0115.html (OBS error codes)",
	"cos": "https://www.tencentcloud.com/document/product/436/7730 (COS error codes)",
	"s3":  "https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (S3 error codes), and MinIO's cmd/api-errors.go",
}

const (
	hintRegion = "the endpoint and the region do not match: use the bucket's own region in both"
	// OSS EC 0048-00000401.
	hintPublicEndpoint = "since 2025-03-20 OSS refuses data requests of newly activated accounts on the default public endpoint of mainland-China regions (EC 0048-00000401): use the internal endpoint (oss-<region>-internal.aliyuncs.com) from an Alibaba Cloud VPC, the accelerate endpoint, or bind a custom domain to the bucket and use it as the endpoint"
	hintRedirect       = "the bucket is served at another endpoint: use the endpoint of the bucket's region"
	hintKMS            = "the bucket's default encryption names a KMS key that is missing, disabled or not usable by these credentials: fix the key or the bucket's encryption setting"
)

// Codes is every vendor error code this module knows, from the vendors'
// published lists (see [Sources]): the codes an upload (a PUT, a multipart
// upload, a HEAD, a DELETE) can meet, and the common ones of every request.
// Codes of other operations (CORS, website, lifecycle, inventory settings)
// are left out; a code not listed is classified by its status
// ([StatusKind]).
//
// A code shared by several vendors (most copied S3's) has the same Kind on
// every vendor that lists it.
var Codes = []Code{
	// --- S3 (and MinIO) ---
	{"s3", 301, "PermanentRedirect", uploader.TargetRefused, "the bucket must be addressed at the endpoint given", hintRedirect},
	{"s3", 307, "TemporaryRedirect", uploader.TargetRefused, "you are being redirected to the bucket while DNS updates", hintRedirect},
	{"s3", 400, "AuthorizationHeaderMalformed", uploader.TargetRefused, "the authorization header is malformed; the region is wrong", hintRegion},
	{"s3", 400, "BadDigest", uploader.Integrity, "the Content-MD5 or checksum did not match what was received", ""},
	{"s3", 400, "EntityTooLarge", uploader.Invalid, "the upload exceeds the maximum allowed object size", ""},
	{"s3", 400, "EntityTooSmall", uploader.Invalid, "the upload (a part) is smaller than the minimum allowed size", ""},
	{"s3", 400, "ExpiredToken", uploader.InvalidCredentials, "the provided token has expired", ""},
	{"s3", 400, "IllegalLocationConstraintException", uploader.TargetRefused, "the bucket is in another region than the endpoint", hintRegion},
	{"s3", 400, "IncompleteBody", uploader.Integrity, "fewer bytes were received than Content-Length said", ""},
	{"s3", 400, "InvalidArgument", uploader.Invalid, "an argument of the request is invalid", ""},
	{"s3", 400, "InvalidBucketName", uploader.BucketNotFound, "the bucket name is not valid", ""},
	{"s3", 400, "InvalidDigest", uploader.Integrity, "the Content-MD5 is not valid", ""},
	{"s3", 400, "InvalidEncryptionAlgorithmError", uploader.TargetRefused, "the encryption requested is not valid", ""},
	{"s3", 400, "InvalidPart", uploader.Integrity, "a listed part was not found or its ETag does not match", ""},
	{"s3", 400, "InvalidPartOrder", uploader.Invalid, "the parts were not listed in ascending order", ""},
	{"s3", 400, "InvalidRequest", uploader.TargetRefused, "the request is refused as made to this endpoint (signature version, TLS, transfer acceleration)", ""},
	{"s3", 400, "InvalidToken", uploader.InvalidCredentials, "the token is malformed or otherwise invalid", ""},
	{"s3", 400, "KeyTooLongError", uploader.Invalid, "the key is too long", ""},
	{"s3", 400, "KMS.DisabledException", uploader.TargetRefused, "the KMS key is disabled", hintKMS},
	{"s3", 400, "KMS.NotFoundException", uploader.TargetRefused, "the KMS key does not exist", hintKMS},
	{"s3", 400, "MalformedXML", uploader.Invalid, "the XML sent is not well-formed", ""},
	{"s3", 400, "MetadataTooLarge", uploader.Invalid, "the metadata headers exceed the maximum size", ""},
	{"s3", 400, "RequestTimeout", uploader.Timeout, "the connection was not read from or written to in time", ""},
	{"s3", 400, "TokenRefreshRequired", uploader.InvalidCredentials, "the token must be refreshed", ""},
	{"s3", 400, "TooManyBuckets", uploader.Invalid, "more buckets than allowed", ""},
	{"s3", 400, "XAmzContentSHA256Mismatch", uploader.Integrity, "the body's SHA-256 does not match x-amz-content-sha256", ""},
	{"s3", 400, "XAmzContentChecksumMismatch", uploader.Integrity, "the body's checksum does not match the one sent", ""},
	{"s3", 400, "InvalidChecksum", uploader.Integrity, "the checksum sent is not valid", ""},
	{"s3", 400, "RequestExpired", uploader.ClockSkew, "the request's signed time is past its expiry", ""},
	{"s3", 403, "AccessDenied", uploader.AccessDenied, "access denied", ""},
	{"s3", 403, "AccountProblem", uploader.AccessDenied, "a problem with the account prevents the operation", ""},
	{"s3", 403, "AllAccessDisabled", uploader.AccessDenied, "all access to this resource has been disabled", ""},
	{"s3", 403, "InvalidAccessKeyId", uploader.InvalidCredentials, "the access key ID does not exist", ""},
	{"s3", 403, "InvalidSecurity", uploader.InvalidCredentials, "the security credentials are not valid", ""},
	{"s3", 403, "RequestTimeTooSkewed", uploader.ClockSkew, "the request time is too far from the server's", ""},
	{"s3", 403, "SignatureDoesNotMatch", uploader.SignatureMismatch, "the signature does not match", ""},
	{"s3", 404, "NoSuchBucket", uploader.BucketNotFound, "the bucket does not exist", ""},
	{"s3", 404, "NoSuchKey", uploader.Invalid, "the key does not exist", ""},
	{"s3", 404, "NoSuchUpload", uploader.Unknown, "the multipart upload does not exist: it was aborted or completed", ""},
	{"s3", 405, "MethodNotAllowed", uploader.TargetRefused, "the method is not allowed on this resource", ""},
	{"s3", 409, "OperationAborted", uploader.Unknown, "a conflicting operation is in progress on the resource", ""},
	{"s3", 411, "MissingContentLength", uploader.Invalid, "Content-Length is required", ""},
	{"s3", 412, "PreconditionFailed", uploader.Invalid, "a precondition of the request does not hold", ""},
	{"s3", 429, "TooManyRequests", uploader.Throttled, "too many requests", ""},
	{"s3", 500, "InternalError", uploader.Unavailable, "an internal error; try again", ""},
	{"s3", 501, "NotImplemented", uploader.TargetRefused, "a header of the request implies functionality not implemented", ""},
	{"s3", 503, "ServiceUnavailable", uploader.Unavailable, "the service cannot handle the request; try again", ""},
	{"s3", 503, "SlowDown", uploader.Throttled, "reduce the request rate", ""},
	{"s3", 400, "XMinioInvalidObjectName", uploader.Invalid, "MinIO: the object name is not valid (an empty path segment)", ""},
	{"s3", 503, "XMinioServerNotInitialized", uploader.Unavailable, "MinIO: the server is starting", ""},

	// --- TOS ---
	{"tos", 301, "PermanentRedirect", uploader.TargetRefused, "the bucket must be addressed at the endpoint given", hintRedirect},
	{"tos", 307, "TemporaryRedirect", uploader.TargetRefused, "temporary redirect to the bucket", hintRedirect},
	{"tos", 400, "AuthorizationHeaderMalformed", uploader.TargetRefused, "the Authorization header is malformed (a wrong region in the credential scope)", hintRegion},
	{"tos", 400, "AuthorizationQueryParametersError", uploader.TargetRefused, "the query-string authorization is malformed", ""},
	{"tos", 400, "BadDigest", uploader.Integrity, "the Content-MD5 does not match the body", ""},
	{"tos", 400, "ContentSHA256Mismatch", uploader.Integrity, "the body's SHA-256 does not match the one sent", ""},
	{"tos", 400, "EntityTooLarge", uploader.Invalid, "the object or part is too large", ""},
	{"tos", 400, "EntityTooSmall", uploader.Invalid, "the part is smaller than the minimum", ""},
	{"tos", 400, "ExpiredToken", uploader.InvalidCredentials, "the STS token has expired", ""},
	{"tos", 400, "IncompleteBody", uploader.Integrity, "fewer bytes than Content-Length", ""},
	{"tos", 400, "InvalidArgument", uploader.Invalid, "an argument is invalid", ""},
	{"tos", 400, "InvalidBucketName", uploader.BucketNotFound, "the bucket name is invalid", ""},
	{"tos", 400, "InvalidDigest", uploader.Integrity, "the Content-MD5 is invalid", ""},
	{"tos", 400, "InvalidKey", uploader.Invalid, "the object key is invalid", ""},
	{"tos", 400, "InvalidPart", uploader.Integrity, "a part is missing or its ETag does not match", ""},
	{"tos", 400, "InvalidPartNumber", uploader.Invalid, "the part number is out of range", ""},
	{"tos", 400, "InvalidPartOrder", uploader.Invalid, "the parts are not in ascending order", ""},
	{"tos", 400, "InvalidPathAccess", uploader.TargetRefused, "path-style access is not allowed at this endpoint: use the virtual-host style", ""},
	{"tos", 400, "InvalidRequest", uploader.TargetRefused, "the request is refused as made to this endpoint", ""},
	{"tos", 400, "KeyTooLong", uploader.Invalid, "the object key is too long", ""},
	{"tos", 400, "MalformedBody", uploader.Invalid, "the request body is malformed", ""},
	{"tos", 400, "MalformedError", uploader.Invalid, "the XML of the request is malformed", ""},
	{"tos", 400, "MetadataTooLarge", uploader.Invalid, "the metadata headers are too large", ""},
	{"tos", 400, "MissingRequestBodyError", uploader.Invalid, "the request body is missing", ""},
	{"tos", 400, "PartSizeSmall", uploader.Invalid, "a part is smaller than the minimum", ""},
	{"tos", 400, "TooManyCustomHeaders", uploader.Invalid, "too many user metadata headers", ""},
	{"tos", 400, "UnexpectedEOF", uploader.Integrity, "the body ended before Content-Length", ""},
	{"tos", 400, "UserDataTooLong", uploader.Invalid, "user metadata too long", ""},
	{"tos", 403, "AccessDenied", uploader.AccessDenied, "access denied by a policy or ACL", ""},
	{"tos", 403, "AuthFailed", uploader.InvalidCredentials, "authentication failed", ""},
	{"tos", 403, "CrossRegionAccessError", uploader.TargetRefused, "the bucket is in another region than the endpoint", hintRegion},
	{"tos", 403, "ForbiddenAccess", uploader.AccessDenied, "access is forbidden", ""},
	{"tos", 403, "InvalidAccessKeyId", uploader.InvalidCredentials, "the access key does not exist", ""},
	{"tos", 403, "InvalidSecurityToken", uploader.InvalidCredentials, "the STS token is invalid", ""},
	{"tos", 403, "RequestTimeTooSkewed", uploader.ClockSkew, "the request time differs from the server's by more than 15 minutes", ""},
	{"tos", 403, "SignatureDoesNotMatch", uploader.SignatureMismatch, "the signature does not match", ""},
	{"tos", 404, "NoSuchBucket", uploader.BucketNotFound, "the bucket does not exist", ""},
	{"tos", 404, "NoSuchKey", uploader.Invalid, "the object does not exist", ""},
	{"tos", 404, "NoSuchUpload", uploader.Unknown, "the multipart upload does not exist: it was aborted or completed", ""},
	{"tos", 405, "MethodNotAllowed", uploader.TargetRefused, "the method is not allowed on this resource", ""},
	{"tos", 409, "FileAlreadyExists", uploader.Invalid, "the object exists and may not be overwritten", ""},
	{"tos", 411, "NoContentLength", uploader.Invalid, "Content-Length is missing", ""},
	{"tos", 411, "MissingContentLength", uploader.Invalid, "Content-Length is missing", ""},
	{"tos", 412, "PreconditionFailed", uploader.Invalid, "a precondition does not hold", ""},
	{"tos", 429, "ExceedAccountQPSLimit", uploader.Throttled, "the account's request rate limit is exceeded", ""},
	{"tos", 429, "ExceedAccountRateLimit", uploader.Throttled, "the account's bandwidth limit is exceeded", ""},
	{"tos", 429, "ExceedBucketQPSLimit", uploader.Throttled, "the bucket's request rate limit is exceeded", ""},
	{"tos", 429, "ExceedBucketRateLimit", uploader.Throttled, "the bucket's bandwidth limit is exceeded", ""},
	{"tos", 429, "ExceedClusterQPSLimit", uploader.Throttled, "the cluster's request rate limit is exceeded", ""},
	{"tos", 429, "ExceedClusterRateLimit", uploader.Throttled, "the cluster's bandwidth limit is exceeded", ""},
	{"tos", 429, "ExceedQPSLimit", uploader.Throttled, "the request rate limit is exceeded", ""},
	{"tos", 429, "ExceedRateLimit", uploader.Throttled, "the bandwidth limit is exceeded", ""},
	{"tos", 429, "TooManyRequests", uploader.Throttled, "too many requests", ""},
	{"tos", 429, "ConcurrencyUpdateObjectLimit", uploader.Throttled, "too many concurrent updates of the object", ""},
	{"tos", 500, "InternalError", uploader.Unavailable, "an internal error; try again", ""},
	{"tos", 501, "UnImplemented", uploader.TargetRefused, "the function is not implemented", ""},
	{"tos", 503, "ExceedBackendQosLimit", uploader.Throttled, "the storage backend's QoS limit is exceeded", ""},
	{"tos", 503, "ServiceUnavailable", uploader.Unavailable, "the service is unavailable", ""},
	{"tos", 503, "SlowDown", uploader.Throttled, "reduce the request rate", ""},
	{"tos", 503, "TryAgain", uploader.Unavailable, "a transient server condition; try again", ""},

	// --- OSS ---
	{"oss", 400, "EntityTooLarge", uploader.Invalid, "the object is larger than allowed", ""},
	{"oss", 400, "EntityTooSmall", uploader.Invalid, "a part is smaller than the minimum", ""},
	{"oss", 400, "FileAlreadyExists", uploader.Invalid, "the object exists and x-oss-forbid-overwrite is set", ""},
	{"oss", 400, "InvalidArgument", uploader.Invalid, "an argument is invalid", ""},
	{"oss", 400, "InvalidBucketName", uploader.BucketNotFound, "the bucket name is invalid", ""},
	{"oss", 400, "InvalidDigest", uploader.Integrity, "the Content-MD5 does not match the body", ""},
	{"oss", 400, "InvalidEncryptionAlgorithmError", uploader.TargetRefused, "the server-side encryption algorithm is invalid", ""},
	{"oss", 400, "InvalidObjectName", uploader.Invalid, "the object name is invalid or too long", ""},
	{"oss", 400, "InvalidPart", uploader.Integrity, "a part is missing or its ETag does not match", ""},
	{"oss", 400, "InvalidPartOrder", uploader.Invalid, "the parts are not in ascending order", ""},
	{"oss", 400, "InvalidRequest", uploader.TargetRefused, "the request is refused as made to this endpoint", ""},
	{"oss", 400, "MalformedXML", uploader.Invalid, "the XML is malformed", ""},
	{"oss", 400, "MissingArgument", uploader.Invalid, "a required argument is missing", ""},
	{"oss", 400, "PublicEndpointForbidden", uploader.TargetRefused, "data requests on the default public endpoint are refused for this account (EC 0048-00000401)", hintPublicEndpoint},
	{"oss", 400, "RequestTimeout", uploader.Timeout, "the body was not sent in time", ""},
	{"oss", 400, "SecurityTokenExpired", uploader.InvalidCredentials, "the STS token has expired", ""},
	{"oss", 400, "InvalidSecurityToken", uploader.InvalidCredentials, "the STS token is invalid", ""},
	{"oss", 403, "AbnormalBucketOwnerStatus", uploader.AccessDenied, "the bucket owner's account is not in good standing", ""},
	{"oss", 403, "AccessDenied", uploader.AccessDenied, "access denied by a policy, an ACL or a RAM permission", ""},
	{"oss", 403, "AccessForbidden", uploader.AccessDenied, "the request is forbidden (CORS, a disabled feature)", ""},
	{"oss", 403, "AccessKeyDisabled", uploader.InvalidCredentials, "the access key is disabled", ""},
	{"oss", 403, "AccessKeyIdAndSecurityTokenNotMatch", uploader.InvalidCredentials, "the access key does not belong to the STS token", ""},
	{"oss", 403, "BucketDisable", uploader.AccessDenied, "the bucket is disabled", ""},
	{"oss", 403, "InDebt", uploader.AccessDenied, "the account has overdue payments", ""},
	{"oss", 403, "InDebtOverdue", uploader.AccessDenied, "the account's payments are long overdue", ""},
	{"oss", 403, "InvalidAccessKeyId", uploader.InvalidCredentials, "the access key does not exist or is disabled", ""},
	{"oss", 403, "KmsServiceNotEnabled", uploader.TargetRefused, "KMS is not activated for the bucket's default encryption", hintKMS},
	{"oss", 403, "RequestTimeTooSkewed", uploader.ClockSkew, "the request time differs from the server's by more than 15 minutes", ""},
	{"oss", 403, "SignatureDoesNotMatch", uploader.SignatureMismatch, "the signature does not match", ""},
	{"oss", 403, "UserDisable", uploader.AccessDenied, "the user is disabled", ""},
	{"oss", 404, "NoSuchBucket", uploader.BucketNotFound, "the bucket does not exist", ""},
	{"oss", 404, "NoSuchKey", uploader.Invalid, "the object does not exist", ""},
	{"oss", 404, "NoSuchUpload", uploader.Unknown, "the multipart upload does not exist: it was aborted or completed", ""},
	{"oss", 405, "MethodNotAllowed", uploader.TargetRefused, "the method is not allowed on this resource", ""},
	{"oss", 411, "MissingContentLength", uploader.Invalid, "Content-Length is missing", ""},
	{"oss", 412, "PreconditionFailed", uploader.Invalid, "a precondition does not hold", ""},
	{"oss", 500, "InternalError", uploader.Unavailable, "an internal error; try again", ""},
	{"oss", 501, "NotImplemented", uploader.TargetRefused, "the method is not implemented", ""},
	{"oss", 503, "ActiveRequestLimitExceeded", uploader.Throttled, "too many concurrent requests", ""},
	{"oss", 503, "DownloadTrafficRateLimitExceeded", uploader.Throttled, "the download bandwidth limit is exceeded", ""},
	{"oss", 503, "QpsLimitExceeded", uploader.Throttled, "the request rate limit is exceeded", ""},
	{"oss", 503, "ServiceUnavailable", uploader.Unavailable, "the service is unavailable", ""},
	{"oss", 503, "TotalQpsLimitExceeded", uploader.Throttled, "the account's total request rate limit is exceeded", ""},
	{"oss", 503, "UploadTrafficRateLimitExceeded", uploader.Throttled, "the upload bandwidth limit is exceeded", ""},

	// --- OBS ---
	{"obs", 301, "PermanentRedirect", uploader.TargetRefused, "the bucket must be addressed at the endpoint given", hintRedirect},
	{"obs", 307, "TemporaryRedirect", uploader.TargetRefused, "temporary redirect to the bucket", hintRedirect},
	{"obs", 400, "AuthorizationHeaderMalformed", uploader.TargetRefused, "the Authorization header is malformed (a wrong region)", hintRegion},
	{"obs", 400, "BadDigest", uploader.Integrity, "the Content-MD5 does not match the body", ""},
	{"obs", 400, "EntityTooLarge", uploader.Invalid, "the object is larger than allowed", ""},
	{"obs", 400, "EntityTooSmall", uploader.Invalid, "a part is smaller than the minimum", ""},
	{"obs", 400, "IllegalLocationConstraintException", uploader.TargetRefused, "the bucket's region differs from the endpoint's", hintRegion},
	{"obs", 400, "IncompleteBody", uploader.Integrity, "fewer bytes than Content-Length", ""},
	{"obs", 400, "InvalidArgument", uploader.Invalid, "an argument is invalid", ""},
	{"obs", 400, "InvalidBucketName", uploader.BucketNotFound, "the bucket name is invalid", ""},
	{"obs", 400, "InvalidDigest", uploader.Integrity, "the Content-MD5 is invalid", ""},
	{"obs", 400, "InvalidEncryptionAlgorithmError", uploader.TargetRefused, "the server-side encryption algorithm is invalid", ""},
	{"obs", 400, "InvalidPart", uploader.Integrity, "a part is missing or its ETag does not match", ""},
	{"obs", 400, "InvalidPartOrder", uploader.Invalid, "the parts are not in ascending order", ""},
	{"obs", 400, "InvalidRequest", uploader.TargetRefused, "the request is refused as made to this endpoint", ""},
	{"obs", 400, "KeyTooLong", uploader.Invalid, "the object key is too long", ""},
	{"obs", 400, "MalformedXML", uploader.Invalid, "the XML is malformed", ""},
	{"obs", 400, "MetadataTooLarge", uploader.Invalid, "the metadata headers are too large", ""},
	{"obs", 400, "RequestTimeout", uploader.Timeout, "the body was not sent in time", ""},
	{"obs", 400, "InvalidToken", uploader.InvalidCredentials, "the token is invalid", ""},
	{"obs", 400, "ExpiredToken", uploader.InvalidCredentials, "the token has expired", ""},
	{"obs", 403, "AccessDenied", uploader.AccessDenied, "access denied", ""},
	{"obs", 403, "AccessForbidden", uploader.AccessDenied, "insufficient permission or a frozen account", ""},
	{"obs", 403, "AllAccessDisabled", uploader.AccessDenied, "all access to the resource is disabled", ""},
	{"obs", 403, "InvalidAccessKeyId", uploader.InvalidCredentials, "the access key does not exist", ""},
	{"obs", 403, "RequestTimeTooSkewed", uploader.ClockSkew, "the request time differs from the server's by more than 15 minutes", ""},
	{"obs", 403, "SignatureDoesNotMatch", uploader.SignatureMismatch, "the signature does not match", ""},
	{"obs", 403, "InsufficientStorageSpace", uploader.AccessDenied, "the bucket's quota is used up", ""},
	{"obs", 404, "NoSuchBucket", uploader.BucketNotFound, "the bucket does not exist", ""},
	{"obs", 404, "NoSuchKey", uploader.Invalid, "the object does not exist", ""},
	{"obs", 404, "NoSuchUpload", uploader.Unknown, "the multipart upload does not exist: it was aborted or completed", ""},
	{"obs", 405, "MethodNotAllowed", uploader.TargetRefused, "the method is not allowed on this resource", ""},
	{"obs", 409, "OperationAborted", uploader.Unknown, "a conflicting operation is in progress", ""},
	{"obs", 411, "MissingContentLength", uploader.Invalid, "Content-Length is missing", ""},
	{"obs", 412, "PreconditionFailed", uploader.Invalid, "a precondition does not hold", ""},
	{"obs", 500, "InternalError", uploader.Unavailable, "an internal error; try again", ""},
	{"obs", 501, "NotImplemented", uploader.TargetRefused, "the function is not implemented", ""},
	{"obs", 503, "ServiceUnavailable", uploader.Unavailable, "the service is unavailable", ""},
	{"obs", 503, "SlowDown", uploader.Throttled, "reduce the request rate", ""},

	// --- COS ---
	{"cos", 301, "PermanentRedirect", uploader.TargetRefused, "the resource moved: use the Location given", hintRedirect},
	{"cos", 307, "TemporaryRedirect", uploader.TargetRefused, "the resource moved temporarily", hintRedirect},
	{"cos", 400, "ActionAccelerateNotSupported", uploader.TargetRefused, "the operation is not supported on the accelerate endpoint", ""},
	{"cos", 400, "BadDigest", uploader.Integrity, "the Content-MD5 does not match the body", ""},
	{"cos", 400, "BucketAccelerateNotEnabled", uploader.TargetRefused, "global acceleration is not enabled for the bucket", "enable global acceleration on the bucket, or use its regional endpoint"},
	{"cos", 400, "EntityTooLarge", uploader.Invalid, "the object is larger than allowed", ""},
	{"cos", 400, "EntityTooSmall", uploader.Invalid, "a part is smaller than the minimum", ""},
	{"cos", 400, "ExpiredToken", uploader.InvalidCredentials, "the temporary key has expired", ""},
	{"cos", 400, "IncompleteBody", uploader.Integrity, "fewer bytes than Content-Length", ""},
	{"cos", 400, "InvalidArgument", uploader.Invalid, "an argument is invalid", ""},
	{"cos", 400, "InvalidBucketName", uploader.BucketNotFound, "the bucket name is invalid", ""},
	{"cos", 400, "InvalidDigest", uploader.Integrity, "the Content-MD5 is invalid", ""},
	{"cos", 400, "InvalidObjectName", uploader.Invalid, "the object key is invalid", ""},
	{"cos", 400, "InvalidPart", uploader.Integrity, "a part is missing or its ETag does not match", ""},
	{"cos", 400, "InvalidPartOrder", uploader.Invalid, "the parts are not in ascending order", ""},
	{"cos", 400, "InvalidRegionName", uploader.TargetRefused, "the region is not valid for this endpoint", hintRegion},
	{"cos", 400, "InvalidRequest", uploader.TargetRefused, "the request is refused as made to this endpoint", ""},
	{"cos", 400, "InvalidURI", uploader.TargetRefused, "the URI is invalid for this endpoint", ""},
	{"cos", 400, "KeyTooLong", uploader.Invalid, "the object key is too long", ""},
	{"cos", 400, "MalformedXML", uploader.Invalid, "the XML is malformed", ""},
	{"cos", 400, "MetadataTooLarge", uploader.Invalid, "the metadata headers are too large", ""},
	{"cos", 400, "RequestTimeout", uploader.Timeout, "the body was not sent in time", ""},
	{"cos", 400, "InvalidSHA1Digest", uploader.Integrity, "the SHA-1 digest does not match", ""},
	{"cos", 403, "AccessDenied", uploader.AccessDenied, "access denied (or an expired or not-yet-valid signature, see the message)", ""},
	{"cos", 403, "InvalidAccessKeyId", uploader.InvalidCredentials, "the SecretId does not exist", ""},
	{"cos", 403, "RequestTimeTooSkewed", uploader.ClockSkew, "the request time differs too much from the server's", ""},
	{"cos", 403, "SignatureDoesNotMatch", uploader.SignatureMismatch, "the signature does not match", ""},
	{"cos", 403, "UserNetworkTooSlow", uploader.Timeout, "the client's network is too slow", ""},
	{"cos", 403, "InvalidSecurity", uploader.InvalidCredentials, "the security credentials are invalid", ""},
	{"cos", 403, "KmsKeyNotExist", uploader.TargetRefused, "the KMS key of the bucket's encryption does not exist", hintKMS},
	{"cos", 404, "NoSuchBucket", uploader.BucketNotFound, "the bucket does not exist", ""},
	{"cos", 404, "NoSuchKey", uploader.Invalid, "the object does not exist", ""},
	{"cos", 404, "NoSuchUpload", uploader.Unknown, "the multipart upload does not exist: it was aborted or completed", ""},
	{"cos", 405, "MethodNotAllowed", uploader.TargetRefused, "the method is not allowed on this resource", ""},
	{"cos", 409, "OperationAborted", uploader.Unknown, "a conflicting operation is in progress", ""},
	{"cos", 411, "MissingContentLength", uploader.Invalid, "Content-Length is missing", ""},
	{"cos", 412, "PreconditionFailed", uploader.Invalid, "a precondition does not hold", ""},
	{"cos", 429, "TooManyRequests", uploader.Throttled, "too many requests", ""},
	{"cos", 500, "InternalError", uploader.Unavailable, "an internal error; try again", ""},
	{"cos", 501, "NotImplemented", uploader.TargetRefused, "the function is not implemented", ""},
	{"cos", 503, "ServiceUnavailable", uploader.Unavailable, "the service is unavailable", ""},
	{"cos", 503, "SlowDown", uploader.Throttled, "reduce the request rate", ""},
}

// extraCodes are codes some SDK, proxy or older service version sends that
// the published lists above do not name; they are classified as shown.
var extraCodes = map[string]uploader.Kind{
	"RequestTimeExpired":       uploader.ClockSkew,
	"InvalidAccessKeyID":       uploader.InvalidCredentials,
	"AccessKeyIdNotFound":      uploader.InvalidCredentials,
	"InvalidAccessKeyState":    uploader.InvalidCredentials,
	"AccountFrozen":            uploader.AccessDenied,
	"InsufficientQuota":        uploader.AccessDenied,
	"AccountNotVerified":       uploader.AccessDenied,
	"BucketNotFound":           uploader.BucketNotFound,
	"SlowDownWrite":            uploader.Throttled,
	"Throttling":               uploader.Throttled,
	"ThrottlingException":      uploader.Throttled,
	"RequestLimitExceeded":     uploader.Throttled,
	"RequestThrottled":         uploader.Throttled,
	"ServerBusy":               uploader.Throttled,
	"ServerTooBusy":            uploader.Throttled,
	"RequestRateLimitExceeded": uploader.Throttled,
	"BandwidthLimitExceeded":   uploader.Throttled,
	"ConcurrencyLimitExceeded": uploader.Throttled,
	// The names of OSS's traffic limits without "Exceeded", as some
	// write-ups spell them.
	"DownloadTrafficRateLimit": uploader.Throttled,
	"UploadTrafficRateLimit":   uploader.Throttled,
	"ServiceNotAvailable":      uploader.Unavailable,
	"InternalServerError":      uploader.Unavailable,
	"BadGateway":               uploader.Unavailable,
	"GatewayTimeout":           uploader.Timeout,
	"InvalidDigestValue":       uploader.Integrity,
	"ContentMD5Mismatch":       uploader.Integrity,
	"CRCCheckFailed":           uploader.Integrity,
}

// byVendor and byCode index Codes.
var (
	byVendor = map[string]map[string]Code{}
	byCode   = map[string]Code{}
)

func init() {
	for _, c := range Codes {
		m := byVendor[c.Vendor]
		if m == nil {
			m = map[string]Code{}
			byVendor[c.Vendor] = m
		}
		m[c.Code] = c
		if _, ok := byCode[c.Code]; !ok {
			byCode[c.Code] = c
		}
	}
}

// Lookup returns the entry of [Codes] for a vendor's code: the vendor's own
// if it lists the code, else another vendor's (most codes are S3's, which
// every vendor copied). vendor may be empty.
func Lookup(vendor, code string) (Code, bool) {
	if c, ok := byVendor[strings.ToLower(vendor)][code]; ok {
		return c, true
	}
	c, ok := byCode[code]
	return c, ok
}

// codeKind returns the Kind of a code, from [Codes] or extraCodes.
func codeKind(vendor, code string) (uploader.Kind, bool) {
	if c, ok := Lookup(vendor, code); ok {
		return c.Kind, true
	}
	k, ok := extraCodes[code]
	return k, ok
}
