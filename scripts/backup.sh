#!/usr/bin/env bash
# Backs up the portal into an empty directory: the PostgreSQL database (pg_dump, custom format)
# then every file of the bucket (manage.py copy_files --to-local), listed with their sizes.
#   scripts/backup.sh /srv/backups/portal-$(date +%F)
# Run with the portal's settings in the environment (DATABASE_URL, the AWS_* of the bucket), on
# any host. The database first: a row is committed only after its file is stored, so every row
# of the dump finds its file in the copy taken after it (files stored meanwhile are extra).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/backup.sh DIR}
[[ ${DATABASE_URL:-} == postgres* ]] || { echo "backup: DATABASE_URL is not PostgreSQL" >&2; exit 2; }
mkdir -p "$dir"
[[ -z $(ls -A "$dir") ]] || { echo "backup: $dir is not empty" >&2; exit 2; }

pg_dump --format=custom --no-owner --no-privileges --file "$dir/database.dump" "$DATABASE_URL"
.venv/bin/python manage.py copy_files --to-local --dir "$dir/files"
(cd "$dir/files" && find . -type f -printf '%P\t%s\n' | sort) >"$dir/files.txt"
echo "backup: $(wc -l <"$dir/files.txt") files and the database in $dir"
