#!/usr/bin/env bash
# The Debian packages, built by cpack from the binaries already in BUILD_DIR (no rebuild)
# into a scratch directory, then taken apart: files, modes, stripped binaries with their
# debug symbols in the -dbgsym packages, conffiles, the user-creating postinst, shlibdeps,
# the units (systemd-analyze verify), lintian (no errors), and `cmake --install` giving the
# same layout. Exits 77 (skipped) when a packaging tool is missing: deploy/install-deps.sh
# installs them (dpkg-dev, lintian, systemd).
#
# lintian warnings accepted (docs/operations.md, "Packages"): no-manual-page (the
# programs document themselves with --help, the config in docs/configuration.md).
# Usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
for tool in cpack dpkg-deb dpkg-shlibdeps systemd-analyze lintian readelf; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
scratch=$(mktemp -d /tmp/ferry-package-XXXXXX)
trap '[[ -n "${FERRY_KEEP_TEST_DIRS:-}" ]] || rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; "$@" >/dev/null 2>&1 || fail "$what"; }

start=$(date +%s)
(cd "$scratch" && cpack --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log" 2>&1) ||
  { cat "$scratch/cpack.log"; exit 1; }
echo "cpack: $(( $(date +%s) - start ))s"
ls -l "$scratch"/out/*.deb "$scratch"/out/*.ddeb

root=$scratch/root
mkdir -p "$root" "$scratch/dbg" "$scratch/control"
for pkg in ferry-agent ferry-broker ferry-consumer ferryctl; do
  deb=$(ls "$scratch"/out/${pkg}_*.deb)
  ddeb=$(ls "$scratch"/out/${pkg}-dbgsym_*.ddeb)
  dpkg-deb -x "$deb" "$root"
  dpkg-deb -x "$ddeb" "$scratch/dbg"
  dpkg-deb -e "$deb" "$scratch/control/$pkg"
  ctl=$scratch/control/$pkg
  bin=$root/usr/bin/$pkg
  check "$pkg: /usr/bin/$pkg is mode 755" test "$(stat -c %a "$bin")" = 755
  check "$pkg: binary is stripped" bash -c "! readelf -S '$bin' | grep -q debug_info"
  build_id=$(readelf -n "$bin" | sed -n 's/.*Build ID: //p')
  check "$pkg: debug symbols for build-id $build_id in the dbgsym package" \
    test -s "$scratch/dbg/usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug"
  check "$pkg: --version runs" "$bin" --version
  check "$pkg: Depends from shlibdeps (libc6) and adduser" \
    bash -c "grep '^Depends:' '$ctl/control' | grep -q libc6"
  check "$pkg: copyright" test -s "$root/usr/share/doc/$pkg/copyright"
  check "$pkg: changelog.gz" gzip -t "$root/usr/share/doc/$pkg/changelog.gz"
  echo "$pkg: $(stat -c %s "$deb") bytes .deb, $(stat -c %s "$ddeb") bytes -dbgsym, binary $(stat -c %s "$bin") bytes stripped"
  [[ $pkg == ferryctl ]] && continue

  role=${pkg#ferry-}
  unit=$root/lib/systemd/system/$pkg.service
  check "$pkg: unit is mode 644" test "$(stat -c %a "$unit")" = 644
  check "$pkg: conffile /etc/ferry/$role.toml" grep -qx "/etc/ferry/$role.toml" "$ctl/conffiles"
  check "$pkg: sample config passes --check-config" "$bin" --check-config --config "$root/etc/ferry/$role.toml"
  check "$pkg: state dir" test -d "$root/var/lib/ferry/$role"
  for script in postinst prerm postrm; do
    check "$pkg: $script is mode 755" test "$(stat -c %a "$ctl/$script")" = 755
    check "$pkg: $script is valid sh" sh -n "$ctl/$script"
  done
  check "$pkg: postinst creates the ferry system user" grep -q "adduser --system .* ferry" "$ctl/postinst"
  check "$pkg: postinst hands the state dir to ferry" grep -q "chown ferry:ferry" "$ctl/postinst"
  check "$pkg: postinst allows bbr" grep -q "/usr/libexec/$pkg/enable-bbr" "$ctl/postinst"
  check "$pkg: enable-bbr is mode 755" test "$(stat -c %a "$root/usr/libexec/$pkg/enable-bbr")" = 755
  if [[ $role == agent ]]; then
    check "ferry-agent: postinst puts ferry in group adm" grep -q 'for group in adm' "$ctl/postinst"
  fi
  for key in "Type=notify" "ExecReload=/bin/kill -HUP \$MAINPID" "Restart=on-failure" "LimitNOFILE=" \
             "ProtectSystem=strict" "ReadWritePaths=/var/lib/ferry/$role" "NoNewPrivileges=yes" "PrivateTmp=yes" \
             "User=ferry" "ExecStart=/usr/bin/$pkg --config /etc/ferry/$role.toml"; do
    check "$pkg: unit has $key" grep -qF "$key" "$unit"
  done
done

# enable-bbr against a fake /proc/sys and /etc: bbr appended to the allowed list and
# persisted once; nothing written when bbr is already allowed or the operator opted out.
enable_bbr=$root/usr/libexec/ferry-broker/enable-bbr
fake=$scratch/bbr && mkdir -p "$fake/proc/net/ipv4" "$fake/etc/ferry"
echo "reno cubic" >"$fake/proc/net/ipv4/tcp_allowed_congestion_control"
echo "reno cubic" >"$fake/proc/net/ipv4/tcp_available_congestion_control"
fake_modprobe=$scratch/fake-modprobe
printf '#!/bin/sh\necho "reno cubic bbr" > %s\n' "$fake/proc/net/ipv4/tcp_available_congestion_control" >"$fake_modprobe"
chmod +x "$fake_modprobe"
run_bbr() { FERRY_PROC_SYS=$fake/proc FERRY_ETC=$fake/etc FERRY_MODPROBE=$fake_modprobe "$enable_bbr"; }
touch "$fake/etc/ferry/no-bbr"
run_bbr >/dev/null
check "enable-bbr: /etc/ferry/no-bbr leaves the list alone" grep -qx "reno cubic" "$fake/proc/net/ipv4/tcp_allowed_congestion_control"
rm "$fake/etc/ferry/no-bbr"
run_bbr >/dev/null
check "enable-bbr: loads tcp_bbr and allows bbr" grep -qx "reno cubic bbr" "$fake/proc/net/ipv4/tcp_allowed_congestion_control"
check "enable-bbr: persists the sysctl" grep -qx "net.ipv4.tcp_allowed_congestion_control = reno cubic bbr" \
  "$fake/etc/sysctl.d/60-ferry-bbr.conf"
check "enable-bbr: persists the module" grep -qx "tcp_bbr" "$fake/etc/modules-load.d/ferry-bbr.conf"
rm "$fake/etc/sysctl.d/60-ferry-bbr.conf"
run_bbr >/dev/null
check "enable-bbr: does nothing once bbr is allowed" test ! -e "$fake/etc/sysctl.d/60-ferry-bbr.conf"

# systemd-analyze verify the units, their ExecStart pointed at the extracted binaries.
mkdir -p "$scratch/units"
for role in agent broker consumer; do
  sed "s|/usr/bin/ferry-|$root/usr/bin/ferry-|" "$root/lib/systemd/system/ferry-$role.service" \
    >"$scratch/units/ferry-$role.service"
  out=$(systemd-analyze verify "$scratch/units/ferry-$role.service" 2>&1) ||
    fail "systemd-analyze verify ferry-$role.service: $out"
  [[ -z $out ]] || echo "systemd-analyze ferry-$role: $out"
done

for deb in "$scratch"/out/*.deb; do
  if ! lintian --fail-on error --suppress-tags no-manual-page "$deb" >"$scratch/lintian.log" 2>&1; then
    fail "lintian $(basename "$deb"): $(grep '^E:' "$scratch/lintian.log" || cat "$scratch/lintian.log")"
  fi
  grep '^W:' "$scratch/lintian.log" || true
done

# cmake --install lays out the same files the packages hold.
DESTDIR=$scratch/installed cmake --install "$build" --prefix /usr >/dev/null
(cd "$root" && find . -not -type d -not -path './usr/share/doc/*' | sort) >"$scratch/deb.list"
(cd "$scratch/installed" && find . -not -type d -not -path './usr/share/doc/*' | sort) >"$scratch/install.list"
diff -u "$scratch/deb.list" "$scratch/install.list" || fail "cmake --install differs from the packages"

echo "$failures failures"
[[ $failures -eq 0 ]]
