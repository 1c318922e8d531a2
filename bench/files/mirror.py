#!/usr/bin/env python3
"""The baseline: an rclone-copy-like sync of a bucket into a local folder, by hand with the SDK (botocore): list the whole
bucket (ListObjects with a marker, a page at a time), compare each object's size and time with the local copy, download
what differs, delete local files the bucket no longer has. Prints: listed, downloaded (files and bytes), deleted.
Usage: mirror.py ENDPOINT BUCKET DIR"""
import os, sys, botocore.session

endpoint, bucket, folder = sys.argv[1:4]
s3 = botocore.session.get_session().create_client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                                  aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
listed, downloaded, nbytes, seen = 0, 0, 0, set()
marker = ""
while True:
    page = s3.list_objects(Bucket=bucket, Marker=marker, MaxKeys=1000)
    for o in page.get("Contents", []):
        listed += 1
        key, size, mtime = o["Key"], o["Size"], o["LastModified"].timestamp()
        seen.add(key)
        path = os.path.join(folder, key)
        if os.path.exists(path) and os.path.getsize(path) == size and abs(os.path.getmtime(path) - mtime) < 1:
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        with open(path, "wb") as f:
            f.write(body)
        os.utime(path, (mtime, mtime))
        downloaded += 1
        nbytes += len(body)
    if not page.get("IsTruncated"):
        break
    marker = page["Contents"][-1]["Key"]
deleted = 0
for root, _, files in os.walk(folder):
    for name in files:
        path = os.path.join(root, name)
        if os.path.relpath(path, folder) not in seen:
            os.remove(path)
            deleted += 1
print(f"listed {listed} downloaded {downloaded} files {nbytes} bytes deleted {deleted}")
