#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need, when missing.
# Usage: scripts/system-deps.sh test|demo
set -euo pipefail
need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto mosquitto-clients)
if [ "${1:-test}" = "test" ]; then
  command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb xauth)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # The adviser console is also tested in Firefox (over Marionette).
  [ -x /usr/bin/firefox-esr ] || need+=(firefox-esr)
  # Spoken guidance (kiosk.speech); the tests read a sentence into a WAV file.
  command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
  # TURN relay for the call tests (started by the tests on loopback only).
  command -v turnserver >/dev/null 2>&1 || [ -x /usr/bin/turnserver ] || need+=(coturn)
  # Wrong kiosk clocks in the fault tests (libfaketime under the agent).
  command -v faketime >/dev/null 2>&1 || need+=(faketime)
  # USB thermal printers (pyusb's backend); the tests open one that is not plugged in.
  ldconfig -p | grep -q 'libusb-1.0.so.0' || need+=(libusb-1.0-0)
  # npm installs axe-core (tools/axe), which the browser tests run in every staff page.
  command -v npm >/dev/null 2>&1 || need+=(npm)
  # The usage report's CSV is read back by a real spreadsheet engine (LibreOffice, headless).
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
  # Kivy's multitouch input provider for the Pi's touch screen (only log noise without it).
  ldconfig -p | grep -q 'libmtdev.so.1' || need+=(libmtdev1)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "Missing Debian packages: ${need[*]}. Install them (sudo apt-get install ${need[*]}) and run again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
