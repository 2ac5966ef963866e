#!/usr/bin/env bash
cat <<TXT

  人脸识别技术应用备案系统 · Facial Recognition Filing Portal
  Open http://127.0.0.1:${PORT:-8000}/   (review workspace: /admin/)

  Demo logins (email / password):
    filer          filer@demo.example      demo-filer-2026
    reviewer       reviewer@demo.example   demo-reviewer-2026   (深圳市网信办)
    administrator  admin@demo.example      demo-admin-2026

  The reviewer and the administrator log in with two steps. The second step's code:
    .venv/bin/python manage.py demo_totp
  or add the demo secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ to an authenticator app.

  Redis (the broker), the web server, the Celery worker and Celery beat start below;
  a process that exits is restarted; Ctrl-C stops them all.
  Emails are written to var/mail/.

TXT
