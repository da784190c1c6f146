#!/usr/bin/env bash
# Soak and hostility check, run by hand (never part of the test suite): 100,000 damaged sessions relayed byte-exact
# through the published proxy, 1,000 idle sessions against Dovecot (plaintext and TLS), and 20 rounds of kill -9 and
# restart on one store. Needs root (the throwaway Dovecot) and dovecot-imapd. Extra arguments go to the soak
# program (see bench/README.md), e.g.
#   bench/soak.sh --parts fuzz --sessions 20000 --seed 7
#   bench/soak.sh --replay 1000010          # one failed fuzz session again
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false \
       DOTNET_CLI_USE_MSBUILD_SERVER=0 NUGET_CERT_REVOCATION_MODE=offline

command -v dovecot >/dev/null || ./tools/install-prerequisites.sh

out=$(mktemp -d /tmp/imapproxy-soak-build-XXXXXX)
trap 'rm -rf "$out"' EXIT

# The proxy as it ships: Release, published. Its own artifacts path keeps the builds away from src/*/bin and obj,
# which other builds and running tools may be using. The machine is shared: builds run at the lowest priority.
echo "soak: publishing the proxy (Release)" >&2
nice -n 19 dotnet publish src/ImapProxy -c Release -o "$out/proxy" --artifacts-path "$out/artifacts" -nologo -v quiet >&2

echo "soak: building the soak check" >&2
nice -n 19 dotnet build bench/ImapProxy.Soak -c Release --artifacts-path "$out/artifacts" -nologo -v quiet >&2

nice -n 10 dotnet "$out/artifacts/bin/ImapProxy.Soak/release/ImapProxy.Soak.dll" --proxy "$out/proxy/imapproxy.dll" "$@"
