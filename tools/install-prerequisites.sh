#!/usr/bin/env bash
# Installs the Debian packages the test suite uses when they are missing.
# Dovecot is installed without starting the system service (policy-rc.d): the tests start their own servers.
set -euo pipefail
need=()
command -v dovecot >/dev/null || need+=(dovecot-imapd)
# Tests drive python3's imaplib and curl as real clients; test.sh summarises with python3.
command -v python3 >/dev/null || need+=(python3)
command -v curl    >/dev/null || need+=(curl)
# mbsync (isync) is the third real client: a whole folder pulled into a Maildir.
command -v mbsync  >/dev/null || need+=(isync)
# fetchmail is the fourth: a folder collected, delivered to a program and deleted on the server.
command -v fetchmail >/dev/null || need+=(fetchmail)
command -v socat   >/dev/null || need+=(socat)
# The dashboard's browser tests drive Debian's Chromium (Playwright, no browser download).
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
# The pcap export is checked by opening it in Wireshark's tshark.
command -v tshark  >/dev/null || need+=(tshark)
# The compose file is validated offline (no Docker engine here) with Debian's docker-compose.
command -v docker-compose >/dev/null || need+=(docker-compose)
# The raw files' page-cache use is read with util-linux's fincore.
command -v fincore >/dev/null || need+=(util-linux-extra)
# Hostile TLS clients (PSK-only offers) are played with openssl s_client.
command -v openssl >/dev/null || need+=(openssl)
# The PostgreSQL store's tests start a throwaway cluster from Debian's server binaries (initdb, pg_ctl); the
# policy-rc.d below keeps the package's own cluster from starting.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: missing ${need[*]}; run as root or: apt-get install ${need[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "Installing test prerequisites: ${need[*]}"
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod 755 /usr/sbin/policy-rc.d; created_policy=1
fi
# wireshark-common asks whether non-root users may capture; answer it beforehand (no), so nothing can prompt,
# whatever sudo does with DEBIAN_FRONTEND.
if [[ " ${need[*]} " == *" tshark "* ]]; then
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
[ "$created_policy" -eq 1 ] && $sudo rm -f /usr/sbin/policy-rc.d
exit 0
