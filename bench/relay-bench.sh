#!/usr/bin/env bash
# Relay benchmark, run by hand (never part of the test suite): bulk FETCH throughput, NOOP latency, idle-session
# memory and stored-byte completeness of ImapProxy against Dovecot direct and socat, plaintext and TLS.
# Needs root (the throwaway Dovecot), dovecot-imapd and socat. Extra arguments go to the benchmark, e.g.
#   bench/relay-bench.sh --repetitions 5 --parts bulk
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false \
       DOTNET_CLI_USE_MSBUILD_SERVER=0 NUGET_CERT_REVOCATION_MODE=offline

command -v socat >/dev/null || { echo "relay-bench: socat is missing (apt-get install socat)" >&2; exit 1; }
command -v dovecot >/dev/null || ./tools/install-prerequisites.sh

out=$(mktemp -d /tmp/imapproxy-relaybench-build-XXXXXX)
trap 'rm -rf "$out"' EXIT

# The proxy as it ships: Release, published. Its own artifacts path keeps the build away from src/*/bin and obj,
# which other builds and running tools may be using.
echo "relay-bench: publishing the proxy (Release)" >&2
dotnet publish src/ImapProxy -c Release -o "$out/proxy" --artifacts-path "$out/artifacts" -nologo -v quiet >&2

echo "relay-bench: building the benchmark" >&2
dotnet build bench/ImapProxy.RelayBench -c Release -nologo -v quiet >&2

dotnet bench/ImapProxy.RelayBench/bin/Release/net10.0/ImapProxy.RelayBench.dll --proxy "$out/proxy/imapproxy.dll" "$@"
