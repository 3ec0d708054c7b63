#!/bin/sh
# Lets every process pick bbr, the congestion control Ferry's sockets ask for on WAN hops
# (docs/network.md). On a stock kernel bbr is the module tcp_bbr, and an unprivileged
# process may only pick what net.ipv4.tcp_allowed_congestion_control lists. Run by the
# packages' postinst; does nothing when bbr is already allowed, when the kernel has no
# bbr, or when /etc/ferry/no-bbr exists (an operator who manages sysctls elsewhere).
# Persists the change in /etc/sysctl.d/60-ferry-bbr.conf and
# /etc/modules-load.d/ferry-bbr.conf (removed on purge). FERRY_PROC_SYS, FERRY_ETC and
# FERRY_MODPROBE point it elsewhere for tests.
set -e
proc=${FERRY_PROC_SYS:-/proc/sys}
etc=${FERRY_ETC:-/etc}
modprobe=${FERRY_MODPROBE:-modprobe}
allowed_file=$proc/net/ipv4/tcp_allowed_congestion_control
available_file=$proc/net/ipv4/tcp_available_congestion_control

[ -e "$etc/ferry/no-bbr" ] && { echo "ferry: $etc/ferry/no-bbr exists; bbr left as it is"; exit 0; }
[ -r "$allowed_file" ] || { echo "ferry: no $allowed_file; bbr left as it is"; exit 0; }
allowed=$(cat "$allowed_file")
case " $allowed " in *" bbr "*) exit 0 ;; esac

case " $(cat "$available_file" 2>/dev/null) " in
    *" bbr "*) ;;
    *) $modprobe -q tcp_bbr 2>/dev/null || true ;;
esac
case " $(cat "$available_file" 2>/dev/null) " in
    *" bbr "*) ;;
    *) echo "ferry: this kernel has no bbr (tcp_bbr); Ferry's sockets use the default congestion control"; exit 0 ;;
esac

if ! printf '%s bbr\n' "$allowed" > "$allowed_file" 2>/dev/null; then
    echo "ferry: cannot allow bbr here (read-only $allowed_file); see docs/network.md"
    exit 0
fi
mkdir -p "$etc/sysctl.d" "$etc/modules-load.d"
cat > "$etc/sysctl.d/60-ferry-bbr.conf" <<CONF
# Written by Ferry's package: lets Ferry's sockets pick bbr (docs/network.md).
# Remove this file and /etc/modules-load.d/ferry-bbr.conf to undo; create
# /etc/ferry/no-bbr to keep Ferry's packages from writing them again.
net.ipv4.tcp_allowed_congestion_control = $allowed bbr
CONF
echo tcp_bbr > "$etc/modules-load.d/ferry-bbr.conf"
echo "ferry: bbr allowed for unprivileged sockets (was: $allowed)"
