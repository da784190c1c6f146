#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need when it is missing (needs root or sudo),
# then prints one line "N passed, N failed" from the test results.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false \
       DOTNET_CLI_USE_MSBUILD_SERVER=0 NUGET_CERT_REVOCATION_MODE=offline

./tools/install-prerequisites.sh

rm -rf TestResults
status=0
dotnet test ImapProxy.sln --logger "trx" --results-directory TestResults "$@" || status=$?

passed=0; failed=0
for trx in TestResults/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$passed" -eq 0 ] && [ "$status" -ne 0 ]; then failed=$((failed > 0 ? failed : 1)); fi
echo "$passed passed, $failed failed"
exit "$status"
