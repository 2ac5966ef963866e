#!/usr/bin/env bash
# Restores a backup of scripts/backup.sh into an EMPTY database and an EMPTY bucket, then checks
# it: each document's and attachment's SHA-256, and /verify/ for every filed number
# (manage.py check_restore). Exits non-zero on any difference.
#   DATABASE_URL=postgres://…/portal_new AWS_STORAGE_BUCKET_NAME=portal-new … scripts/restore.sh DIR
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/restore.sh DIR}
[[ -f $dir/database.dump && -d $dir/files ]] || { echo "restore: $dir is not a backup" >&2; exit 2; }
[[ ${DATABASE_URL:-} == postgres* ]] || { echo "restore: DATABASE_URL is not PostgreSQL" >&2; exit 2; }

tables=$(psql "$DATABASE_URL" -Atc "select count(*) from pg_tables where schemaname = 'public'")
[[ $tables == 0 ]] || { echo "restore: the database has $tables tables; restore into an empty one" >&2; exit 2; }
.venv/bin/python - <<'PYTHON'
import os, sys
import boto3
bucket = boto3.resource(
    "s3", endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL") or None,
    aws_access_key_id=os.environ.get("AWS_S3_ACCESS_KEY_ID") or None,
    aws_secret_access_key=os.environ.get("AWS_S3_SECRET_ACCESS_KEY") or None,
    region_name=os.environ.get("AWS_S3_REGION_NAME") or None,
).Bucket(os.environ["AWS_STORAGE_BUCKET_NAME"])
if any(True for _ in bucket.objects.limit(1)):
    sys.exit(f"restore: the bucket {bucket.name} is not empty; restore into an empty one")
PYTHON

pg_restore --no-owner --no-privileges --exit-on-error --dbname "$DATABASE_URL" "$dir/database.dump"
.venv/bin/python manage.py copy_files --to-bucket --dir "$dir/files"
.venv/bin/python manage.py check_restore
