#!/usr/bin/env bash
# Refreshes the dashboard screenshots in docs/ from real sessions: runs the browser tests with
# IMAPPROXY_SCREENSHOTS set, which saves sessions.png, session.png, status.png, replay.png, findings.png and phone.png.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/install-prerequisites.sh
IMAPPROXY_SCREENSHOTS="$PWD/docs" dotnet test tests/ImapProxy.Tests --filter "FullyQualifiedName~DashboardBrowserTests|FullyQualifiedName~DashboardPhoneTests"
ls -l docs/*.png
