#!/usr/bin/env bash
# Builds and runs openssl-idle.c: the heap OpenSSL itself holds per idle TLS connection, without .NET (the floor
# under relay-bench's "per idle session" figure with TLS). Needs gcc and libssl-dev (apt-get install gcc libssl-dev).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for tool in gcc openssl; do
    command -v "$tool" >/dev/null || { echo "openssl-idle: $tool is missing (apt-get install gcc libssl-dev openssl)" >&2; exit 1; }
done
[ -f /usr/include/openssl/ssl.h ] || { echo "openssl-idle: OpenSSL's headers are missing (apt-get install libssl-dev)" >&2; exit 1; }
gcc -O2 -Wall -o "$work/openssl-idle" "$here/openssl-idle.c" -lssl -lcrypto
# The proxy's minted leaf is ECDSA P-256; Dovecot's, RSA 2048.
keys() {  # quiet unless it fails
    openssl req -x509 -nodes -subj /CN=localhost -days 1 "$@" 2>"$work/openssl.log" || { cat "$work/openssl.log" >&2; exit 1; }
}
keys -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$work/ec.key" -out "$work/ec.pem"
keys -newkey rsa:2048 -keyout "$work/rsa.key" -out "$work/rsa.pem"
"$work/openssl-idle" "$work/ec.pem" "$work/ec.key" "$work/rsa.pem" "$work/rsa.key" "${1:-1000}"
