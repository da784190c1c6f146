#!/usr/bin/env bash
# Refreshes the dashboard screenshots in docs/ from a real session: runs the browser test with
# IMAPPROXY_SCREENSHOTS set, which saves sessions.png, session.png, status.png and replay.png.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/install-prerequisites.sh
IMAPPROXY_SCREENSHOTS="$PWD/docs" dotnet test tests/ImapProxy.Tests --filter "FullyQualifiedName~DashboardBrowserTests"
ls -l docs/*.png
