#!/usr/bin/env bash
# Runs the parser over the reference transcripts and prints, per source, the frame count, the share of frames
# without a diagnostic, and the diagnostics by rule with examples. By hand only; the tests never read the corpus.
#   bench/corpus-check.sh CORPUS       CORPUS: the folder of reference transcripts (mailkit/, apache-james-mpt/, dovecot-imaptest/)
# IMAPPROXY_CLI=path/to/imapproxy.dll uses an already built CLI instead of building src/ImapProxy.
# The corpus is only read. Streams are written to a temporary folder, removed on exit.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: bench/corpus-check.sh CORPUS (the folder of reference transcripts)" >&2; exit 2; }
corpus="$(cd "$1" && pwd)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cli="${IMAPPROXY_CLI:-}"
if [ -z "$cli" ]; then
  dotnet build "$repo/src/ImapProxy" -c Release -nologo -v q >&2
  cli="$repo/src/ImapProxy/bin/Release/net10.0/imapproxy.dll"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$repo/bench/corpus-check.py" --cli "$cli" --work "$work" "$corpus"
