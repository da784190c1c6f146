#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need when it is missing (needs root or sudo),
# builds once, runs each test project, and prints one line "N passed, N failed" from the results.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false \
       DOTNET_CLI_USE_MSBUILD_SERVER=0 NUGET_CERT_REVOCATION_MODE=offline

./tools/install-prerequisites.sh

rm -rf TestResults
dotnet build ImapProxy.sln

status=0
passed=0
failed=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  # Line and branch coverage (coverlet) of the product code each project runs; tools/test-report.py merges them.
  dotnet test "$project" --no-build --logger "trx;LogFileName=$name.trx" --results-directory TestResults \
    --collect:"XPlat Code Coverage" "$@" || status=1
  trx="TestResults/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "error: $name produced no test results (crashed or did not start)" >&2
    failed=$((failed + 1)); status=1
    continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
python3 tools/test-report.py TestResults || echo "test-report: could not summarise TestResults" >&2
echo "$passed passed, $failed failed"
exit "$status"
