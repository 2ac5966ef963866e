#!/usr/bin/env bash
# Schemathesis (property-based API testing from the published OpenAPI schema) against a live
# portal: a gunicorn it starts itself (and stops by its PID), on the database of DATABASE_URL,
# with a write token, a read token and no token, every check on (scripts/schemathesis.toml), the
# paths' ids those of the token's organization and of another one (scripts/schemathesis_hooks.py,
# which also checks the other's are never found). Exits non-zero on any failure:
# a 5xx, an answer the schema does not describe, a valid request refused or an invalid one
# accepted. Bounded in time: SCHEMATHESIS_SECONDS for the write and the read token each, half of
# it without a token (default 60; CI gives 45: about 3.5 minutes in all on a busy 2-core machine
# with a new database, of which a minute is creating and migrating it).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_api \
#   CELERY_BROKER_URL=redis://127.0.0.1:6379/4 VAR_DIR=var/ci-api scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${SCHEMATHESIS_PORT:-8765}
SECONDS_EACH=${SCHEMATHESIS_SECONDS:-60}
export VAR_DIR=${VAR_DIR:-var/schemathesis}
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/4}
# The fuzzer is one client making thousands of calls: the limits would only answer 429.
export API_RATE_PER_TOKEN=1000000/min API_RATE_PER_ORGANIZATION=1000000/min
export ALLOWED_HOSTS=127.0.0.1,localhost DEBUG=0
mkdir -p "$VAR_DIR"
report="$VAR_DIR/schemathesis"
rm -rf "$report"
mkdir -p "$report"

if [[ ${DATABASE_URL:-} == postgres* ]]; then
  # The database of DATABASE_URL, made when it is not there yet. With SCHEMATHESIS_NEW_DATABASE=1
  # (CI) it is dropped and made anew: rows left by an earlier run were sealed with that run's key
  # ring (a clone's VAR_DIR), which this run cannot open.
  $PY - <<'PYTHON'
import os
from urllib.parse import urlparse

import psycopg

url = urlparse(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
server = os.environ["DATABASE_URL"].replace(url.path, "/postgres", 1)
with psycopg.connect(server, autocommit=True) as db:
    if os.environ.get("SCHEMATHESIS_NEW_DATABASE") == "1":
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        db.execute(f'CREATE DATABASE "{name}"')
PYTHON
fi
$PY manage.py migrate --noinput -v 0
# Two organizations, each with a system, a duty and a draft with an attachment; tokens of the
# first, and the ids of both, printed as shell assignments. Run again, it makes new tokens for the
# same organizations (their draft is the one already there, or a new one). The hooks
# (scripts/schemathesis_hooks.py) put these ids into the paths: the first organization's must
# work, the second's must be a 404 carrying none of its data.
eval "$($PY manage.py shell -v 0 -c "
import io, json, shlex
from datetime import date
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from accounts.models import User
from api import tokens
from api.models import ApiToken
from filings.documents import attachments
from filings.lifecycle import obligations, services
from filings.models import Membership, Organization

def png():
    buffer = io.BytesIO()
    Image.new('RGB', (8, 8), 'white').save(buffer, format='PNG')
    return buffer.getvalue()

def organization(uscc, email, name):
    org, _ = Organization.objects.get_or_create(uscc=uscc, defaults=dict(
        name=name, address_division='440300', street_address='南山区科技园一路1号',
        legal_representative='张三', responsible_person='李四',
        responsible_person_id_number='11010519491231002X', contact_name='王五',
        contact_mobile='13800138000', contact_email=email))
    user, _ = User.objects.get_or_create(email=email, defaults={'name': name})
    Membership.objects.get_or_create(organization=org, user=user, defaults={'role': 'admin'})
    if not org.systems.exists():
        obligations.declare_system(org, user, name='门禁', people_stored=12000,
            used_in_public_place=False, count_reached_on=date(2026, 2, 2))
    draft = services.start_initial_filing(org, user)
    if not services.current_attachments(draft).exists():
        attachments.store(draft, user, 'other', SimpleUploadedFile('seed.png', png()))
    ApiToken.objects.filter(organization=org, revoked_at=None).update(revoked_at=org.created_at)
    ids = {
        'systems': list(org.systems.order_by('pk').values_list('pk', flat=True)[:3]),
        'duties': list(org.obligations.order_by('pk').values_list('pk', flat=True)[:3]),
        'filings': [draft.pk],
        'attachments': [[draft.pk, row.pk] for row in services.current_attachments(draft)[:2]],
    }
    return org, user, ids

from stdnum.cn import uscc as checked
second_uscc = '91440300000000024' + checked.calc_check_digit('91440300000000024')
org, user, own = organization('914403001922038216', 'fuzz-a@example.com', '模糊测试甲公司')
other, _user, foreign = organization(second_uscc, 'fuzz-b@example.com', '模糊测试乙公司')
print('export SCHEMATHESIS_OWN_IDS=' + shlex.quote(json.dumps(own)))
print('export SCHEMATHESIS_FOREIGN_IDS=' + shlex.quote(json.dumps(foreign)))
print('export SCHEMATHESIS_FOREIGN_MARKERS=' + shlex.quote(json.dumps([other.name, other.uscc])))
for scope in ('write', 'read'):
    _row, secret = tokens.create_token(org, user, name='schemathesis ' + scope, scope=scope)
    print(scope.upper() + '_TOKEN=' + secret)
")"
echo "ids of the token's organization: $SCHEMATHESIS_OWN_IDS; of another: $SCHEMATHESIS_FOREIGN_IDS"
export SCHEMATHESIS_HOOKS=scripts/schemathesis_hooks.py
config=scripts/schemathesis.toml

# --capture-output: a daemon's stdout and stderr go to /dev/null otherwise, and with them the
# portal's own log (tracebacks of any 500 included); gunicorn.log then holds both.
.venv/bin/gunicorn portal.wsgi --bind "127.0.0.1:$PORT" --workers 2 --timeout 30 \
  --pid "$VAR_DIR/schemathesis-gunicorn.pid" --error-logfile "$report/gunicorn.log" \
  --capture-output --daemon
stop_server() {
  if [[ -f $VAR_DIR/schemathesis-gunicorn.pid ]]; then
    pid=$(cat "$VAR_DIR/schemathesis-gunicorn.pid")
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
}
trap stop_server EXIT
trap 'exit 143' TERM INT
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

status=0
run() {
  local persona=$1 seconds=$2
  shift 2
  echo "== schemathesis: $persona"
  .venv/bin/st --no-color --config-file "$config" run "http://127.0.0.1:$PORT/api/schema/?format=json" \
    --max-time "$seconds" --workers 2 --seed 24 \
    --request-timeout 20 \
    --report junit --report-junit-path "$report/$persona.xml" \
    --generation-database none "$@" || status=1
}
run write "$SECONDS_EACH" -H "Authorization: Bearer $WRITE_TOKEN"
run read "$SECONDS_EACH" -H "Authorization: Bearer $READ_TOKEN"
# Without a token every operation but the self-check is a 401: half the time finds that out.
run none $((SECONDS_EACH / 2))
exit $status
