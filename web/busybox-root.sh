#!/usr/bin/env bash
# Builds the browser's root file system as a tar: Debian's static i386
# busybox with its applet links, a root user and a prompt.
#   usage: web/busybox-root.sh OUT.tar
# The package is downloaded once by dev/busybox.sh.
set -euo pipefail

out=$(realpath -m "$1")
busybox=$(sh "$(dirname "$0")/../dev/busybox.sh")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,dev,proc,home}
chmod 755 "$root" "$root"/{bin,sbin,usr,usr/bin,usr/sbin,etc,dev,proc,home}
chmod 700 "$root/root"
chmod 1777 "$root/tmp"
install -m 755 "$busybox" "$root/bin/busybox"

# The applet list comes from the binary itself (the host runs i386 code),
# with the directories busybox would install each applet in.
for applet in $("$root/bin/busybox" --list-full); do
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf 'tabvm\n' >"$root/etc/hostname"
printf '/bin/sh\n/bin/ash\n' >"$root/etc/shells"
cat >"$root/etc/profile" <<'PROFILE'
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PS1='\u@tabvm:\w\$ '
echo "tabvm: busybox sh on an emulated i386. 'busybox --list' shows the commands."
PROFILE
chmod 644 "$root"/etc/*

# Deterministic archive: sorted names, one owner, the package's timestamp.
mtime=$(stat -c %Y "$busybox")
tar --format=ustar --owner=0 --group=0 --numeric-owner --sort=name --mtime="@$mtime" \
  -C "$root" -cf "$out" $(cd "$root" && ls -A)
echo "busybox-root: wrote $out ($(du -h "$out" | cut -f1))" >&2
