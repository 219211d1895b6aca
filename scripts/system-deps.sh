#!/bin/sh
# The system programs some tests use: Chromium (the report's browser test), bubblewrap (the
# reproduction sandbox) and uidmap's newuidmap (the non-root path's subordinate uid).
# Installs the missing ones with apt-get where it can (root on Debian); elsewhere it says
# what is missing, and the tests that need them are skipped, each saying why.
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v newuidmap >/dev/null 2>&1 || missing="$missing uidmap"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages:$missing"
  # shellcheck disable=SC2086 # one word per package
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) \
    && exit 0
fi
echo "note: missing$missing (Debian packages); the tests that need them will be skipped"
exit 0
