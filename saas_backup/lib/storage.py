"""Where backups are kept: one small interface, two implementations.

Plain Python (no Odoo): an S3-compatible bucket on boto3 (AWS S3, MinIO,
Backblaze B2, moto's server) and a local directory.  Both upload from a file
object in parts (never the whole file in memory), compute the sha256 of what
they sent, and make the object visible only once it is complete: an upload
that fails leaves nothing under its key.
"""
import hashlib
import os
import shutil
import uuid

CHUNK_SIZE = 8 * 2**20  # S3's minimum part is 5 MiB (except the last)


class StorageError(Exception):
    """The storage refused or could not be reached; usually worth a retry."""


class ObjectMissingError(StorageError):
    """No object under that key."""


class ChecksumMismatchError(StorageError):
    """The bytes read back do not have the sha256 recorded at upload."""


def _check_key(key):
    if not isinstance(key, str) or not key or key.startswith("/") or ".." in key.split("/") \
            or "\\" in key or "\x00" in key:
        raise ValueError(f"invalid object key: {key!r}")
    return key


class Storage:
    """Interface.  Keys are relative ('tenant_db/2026-11-30T01-00-00-42.zip');
    the implementation adds its own prefix."""

    def put(self, key, fileobj):
        """Upload ``fileobj`` (read in chunks) under ``key``.
        Returns (size, sha256 hex)."""
        raise NotImplementedError

    def download(self, key, fileobj, expected_sha256=None):
        """Write the object into ``fileobj``; when ``expected_sha256`` is
        given, raise ChecksumMismatchError if the bytes differ from it.
        Returns (size, sha256 hex)."""
        raise NotImplementedError

    def delete(self, key):
        """Remove the object (no error when absent)."""
        raise NotImplementedError

    def exists(self, key):
        raise NotImplementedError

    def list(self, prefix=""):
        """Keys under ``prefix`` (relative, as given to put)."""
        raise NotImplementedError

    def download_url(self, key, expires_in=300, filename=None):
        """A short-lived URL the customer's browser can fetch, or None when
        the storage cannot make one (a local directory)."""
        return None

    def check(self):
        """Raise StorageError when the storage cannot be used."""
        self.list("")


def _check_sha256(key, sha, expected_sha256):
    """Every download ends here: bytes that are not those recorded at
    backup time are never restored."""
    if expected_sha256 and sha != expected_sha256:
        raise ChecksumMismatchError(f"{key}: sha256 {sha} != recorded {expected_sha256}")


def _copy_hashing(src, write, chunk_size=CHUNK_SIZE):
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = src.read(chunk_size)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
        write(chunk)
    return size, digest.hexdigest()


class LocalStorage(Storage):
    """A directory (a mounted NAS, another disk).  Written under a temporary
    name and renamed: a key either holds a complete object or nothing."""

    def __init__(self, root):
        if not root:
            raise ValueError("a directory is required")
        self.root = os.path.abspath(os.fspath(root))

    def _path(self, key):
        return os.path.join(self.root, *_check_key(key).split("/"))

    def put(self, key, fileobj):
        path = self._path(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.part-{uuid.uuid4().hex}"
            try:
                with open(tmp, "wb") as out:
                    result = _copy_hashing(fileobj, out.write)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as exc:
            raise StorageError(f"cannot write {key}: {exc}") from exc
        return result

    def download(self, key, fileobj, expected_sha256=None):
        try:
            with open(self._path(key), "rb") as src:
                size, sha = _copy_hashing(src, fileobj.write)
        except FileNotFoundError as exc:
            raise ObjectMissingError(f"no object {key}") from exc
        except OSError as exc:
            raise StorageError(f"cannot read {key}: {exc}") from exc
        _check_sha256(key, sha, expected_sha256)
        return size, sha

    def delete(self, key):
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            pass

    def exists(self, key):
        return os.path.isfile(self._path(key))

    def list(self, prefix=""):
        keys = []
        if not os.path.isdir(self.root):
            return keys
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                if ".part-" in name:
                    continue
                key = os.path.relpath(os.path.join(dirpath, name), self.root).replace(os.sep, "/")
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def check(self):
        try:
            os.makedirs(self.root, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot use {self.root}: {exc}") from exc
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"{self.root} is not writable")

    def remove_all(self):
        """Tests and benchmarks only."""
        shutil.rmtree(self.root, ignore_errors=True)


class S3Storage(Storage):
    """An S3-compatible bucket.

    :param endpoint_url: empty for AWS, else e.g. ``https://s3.eu-central-003.backblazeb2.com``
        or ``http://127.0.0.1:9000`` (MinIO, moto).
    :param sse: '' (none), 'AES256' or 'aws:kms' (server-side encryption).
    """

    def __init__(self, bucket, prefix="", endpoint_url=None, region=None, access_key=None,
                 secret_key=None, sse="", kms_key_id=None, connect_timeout=5, retries=2):
        import boto3  # noqa: PLC0415 -- optional dependency, loaded when used
        from botocore.config import Config  # noqa: PLC0415
        if not bucket:
            raise ValueError("a bucket is required")
        self.bucket = bucket
        self.prefix = (prefix or "").strip("/")
        self.sse = sse or ""
        self.kms_key_id = kms_key_id
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
            config=Config(connect_timeout=connect_timeout, read_timeout=60,
                          retries={"max_attempts": retries, "mode": "standard"},
                          signature_version="s3v4"),
        )

    def _key(self, key):
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _errors(self):
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415
        return (BotoCoreError, ClientError)

    def _sse_args(self):
        if not self.sse:
            return {}
        args = {"ServerSideEncryption": self.sse}
        if self.sse == "aws:kms" and self.kms_key_id:
            args["SSEKMSKeyId"] = self.kms_key_id
        return args

    def put(self, key, fileobj):
        """Multipart upload, part by part from ``fileobj``; aborted on any
        error, so that no incomplete object is ever visible."""
        full = self._key(key)
        try:
            upload = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=full, ContentType="application/zip",
                **self._sse_args())
        except self._errors() as exc:
            raise StorageError(f"cannot start upload of {key}: {exc}") from exc
        upload_id = upload["UploadId"]
        parts = []

        def send(chunk):
            number = len(parts) + 1
            reply = self.client.upload_part(Bucket=self.bucket, Key=full, UploadId=upload_id,
                                            PartNumber=number, Body=chunk)
            parts.append({"ETag": reply["ETag"], "PartNumber": number})

        try:
            size, sha = _copy_hashing(fileobj, send)
            if not parts:  # an empty file still needs one part
                send(b"")
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=full, UploadId=upload_id,
                MultipartUpload={"Parts": parts})
        except BaseException as exc:
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=full,
                                                   UploadId=upload_id)
            except Exception:  # noqa: BLE001 -- the storage may be gone: the first error counts
                pass
            if isinstance(exc, self._errors()):
                raise StorageError(f"upload of {key} failed: {exc}") from exc
            raise
        return size, sha

    def download(self, key, fileobj, expected_sha256=None):
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            size, sha = _copy_hashing(body, fileobj.write)
        except self._errors() as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                raise ObjectMissingError(f"no object {key}") from exc
            raise StorageError(f"download of {key} failed: {exc}") from exc
        _check_sha256(key, sha, expected_sha256)
        return size, sha

    def delete(self, key):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except self._errors() as exc:
            raise StorageError(f"cannot delete {key}: {exc}") from exc

    def exists(self, key):
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except self._errors() as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StorageError(f"cannot check {key}: {exc}") from exc

    def list(self, prefix=""):
        full_prefix = self._key(prefix) if prefix else (f"{self.prefix}/" if self.prefix else "")
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys = []
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
                keys.extend(obj["Key"][strip:] for obj in page.get("Contents", []))
        except self._errors() as exc:
            raise StorageError(f"cannot list {self.bucket}: {exc}") from exc
        return sorted(keys)

    def download_url(self, key, expires_in=300, filename=None):
        params = {"Bucket": self.bucket, "Key": self._key(key)}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        try:
            return self.client.generate_presigned_url("get_object", Params=params,
                                                      ExpiresIn=int(expires_in))
        except self._errors() as exc:
            raise StorageError(f"cannot sign a URL for {key}: {exc}") from exc

    def check(self):
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except self._errors() as exc:
            raise StorageError(f"bucket {self.bucket}: {exc}") from exc

    def create_bucket(self):
        """Tests and first setup: create the bucket when missing."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except self._errors():
            self.client.create_bucket(Bucket=self.bucket)
