"""S3-compatible storage when S3_BUCKET is set (moto's in-process S3: no network).

A resident's photo goes up to the bucket through the service and comes back through the
access-checked view (file_response reads through the storage API, never a local path); a ledger
import reads its file from the bucket in the task and deletes it; the bucket's objects are
private and any URL the storage makes is signed and expires.
"""

from __future__ import annotations

import urllib.parse

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from moto import mock_aws
from storages.backends.s3 import S3Storage

from xingfuli.requests import services
from xingfuli.requests.models import RequestPhoto
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched
from xingfuli.requests.tests.test_views import PNG

BUCKET = "xingfuli-test"


@pytest.fixture
def s3(settings, monkeypatch):
    for key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="cn-north-1")
        client.create_bucket(Bucket=BUCKET,
                             CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
        # What settings.py makes of S3_BUCKET=xingfuli-test S3_REGION=cn-north-1 (checked below).
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
                "bucket_name": BUCKET, "region_name": "cn-north-1", "querystring_auth": True,
                "querystring_expire": 300, "file_overwrite": False,
                "addressing_style": "path", "signature_version": "s3v4"}},
        }
        settings.MEDIA_ROOT = "/nonexistent-media-root"  # nothing may land on local disk
        yield client


def test_a_photo_goes_to_the_bucket_and_back_through_the_view(world, login, s3):
    cats = make_categories(world)
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    services.request_resolve(actor=world.tom, request_id=req.pk, note="换了灯泡",
                             photos=[("after", SimpleUploadedFile("a.png", PNG, "image/png"))])
    photo = RequestPhoto.objects.get(event__request=req)
    assert isinstance(photo.image.storage._wrapped, S3Storage)
    stored = s3.get_object(Bucket=BUCKET, Key=photo.image.name)["Body"].read()
    assert stored.startswith(b"\xff\xd8\xff")  # re-encoded JPEG, in the bucket
    # The bucket's object is not public.
    acl = s3.get_object_acl(Bucket=BUCKET, Key=photo.image.name)
    assert not [g for g in acl["Grants"]
                if g["Grantee"].get("URI", "").endswith(("AllUsers", "AuthenticatedUsers"))]

    url = f"/requests/photos/{photo.pk}/"
    shown = login(world.alice).get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert int(shown["Content-Length"]) == len(stored)
    assert b"".join(shown.streaming_content) == stored
    assert login(world.oscar).get(url).status_code == 404  # another community: not even there

    # Gone from the bucket: a clear 404, never a 500.
    s3.delete_object(Bucket=BUCKET, Key=photo.image.name)
    assert login(world.alice).get(url).status_code == 404


def test_a_ledger_import_reads_its_file_from_the_bucket_and_deletes_it(world, s3):
    from xingfuli.registry.imports import import_job_create, import_job_run, import_job_start
    from xingfuli.registry.models import Resident
    from xingfuli.registry.tests.test_import import ledger_rows, xlsx

    before = Resident.objects.count()
    upload = SimpleUploadedFile("居民台账.xlsx", xlsx(ledger_rows([world.b1], 3)))
    job = import_job_create(actor=world.carol, community_id=world.community.pk, upload=upload)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [job.file.name]  # the personal data is in the bucket, not on local disk
    import_job_start(actor=world.carol, job_id=job.pk, mapping=job.mapping, dry_run=False)
    import_job_run(job_id=job.pk)  # the task's body: reads the file through the storage API
    job.refresh_from_db()
    assert job.status == "done", job.errors
    assert Resident.objects.count() == before + 3
    # Imported: the ledger file is deleted from the bucket.
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_names_are_never_reused_and_urls_are_signed(s3):
    first = default_storage.save("imports/ledger.xlsx", ContentFile(b"one"))
    second = default_storage.save("imports/ledger.xlsx", ContentFile(b"two"))
    assert first != second  # file_overwrite=False: an upload never replaces another
    with default_storage.open(first, "rb") as handle:
        assert handle.read() == b"one"
    url = urllib.parse.urlsplit(default_storage.url(second))
    query = urllib.parse.parse_qs(url.query)
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["300"]
    default_storage.delete(first)
    assert not default_storage.exists(first) and default_storage.exists(second)


def test_settings_use_s3_only_when_a_bucket_is_named():
    from xingfuli.core.tests.test_db_router import _settings_in_a_fresh_process

    local = _settings_in_a_fresh_process()
    assert local["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert local["storage_class"] == "FileSystemStorage"
    assert local["imported"] == []  # neither django-storages nor boto3 is loaded
    remote = _settings_in_a_fresh_process(
        S3_BUCKET="xfl-files", S3_ENDPOINT_URL="https://oss.example.cn", S3_REGION="cn-east-1",
        S3_ACCESS_KEY_ID="AK", S3_SECRET_ACCESS_KEY="SK",
    )
    assert remote["storage_class"] == "S3Storage"
    storage = remote["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "xfl-files" and options["region_name"] == "cn-east-1"
    assert options["endpoint_url"] == "https://oss.example.cn"
    assert options["access_key"] == "AK" and options["secret_key"] == "SK"
    assert options["querystring_auth"] is True and options["file_overwrite"] is False
    assert "custom_domain" not in options and "default_acl" not in options
