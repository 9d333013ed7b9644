#!/bin/busybox sh
# /init of the guest's initramfs (run-in-guest.sh builds it around a static
# busybox and the kernel package's own modules). It mounts the host's root,
# read-only over virtio-9p, under a tmpfs overlay, chroots into it, runs
# /out/cmd there with bash (run-in-guest.sh quotes it with printf %q),
# writes its exit status to /out/rc, then powers off.
/bin/busybox --install -s /bin
export PATH=/bin

say() { echo "guest: $*" > /dev/console; }
halt_now() { sync; poweroff -f; }
fail() { say "$*"; halt_now; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# The modules the initramfs carries (those not built into this kernel).
while read -r m; do
  modprobe "$m" || fail "cannot load module $m"
done < /modules

mkdir -p /lower /rw /newroot
p9=trans=virtio,version=9p2000.L,msize=524288
# The 9p devices can come up just after their driver's probe returns.
for i in 1 2 3 4 5 6 7 8 9 10; do
  mount -t 9p -o "$p9,ro,cache=loose" root /lower 2>/dev/null && break
  sleep 0.2
done
grep -q " /lower " /proc/mounts || fail "cannot mount the host root (9p tag 'root')"
mount -t tmpfs -o mode=0755 rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
  fail "cannot mount the overlay root"
mkdir -p /newroot/out
mount -t 9p -o "$p9" out /newroot/out || fail "cannot mount the results share (9p tag 'out')"

r=/newroot
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t devtmpfs devtmpfs $r/dev
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts devpts $r/dev/pts
mount -t tmpfs tmpfs $r/dev/shm
# A plain tmpfs: on the 9p+tmpfs overlay, files and directories report
# different st_dev and nftw(FTW_MOUNT) clean-ups would skip them. The host
# directories under /tmp that the command needs (a checkout there, its
# build) are listed in /out/keep: kept visible through the new /tmp.
n=0
while read -r d; do
  [ -n "$d" ] || continue
  n=$((n + 1))
  mkdir -p /keep/$n
  mount -o bind "$r$d" /keep/$n || fail "cannot keep $d visible"
done < $r/out/keep
mount -t tmpfs -o mode=1777 tmpfs $r/tmp
n=0
while read -r d; do
  [ -n "$d" ] || continue
  n=$((n + 1))
  mkdir -p "$r$d"
  mount -o move /keep/$n "$r$d" || fail "cannot keep $d visible"
done < $r/out/keep
mount -t tmpfs -o mode=0755 tmpfs $r/run
mount -t bpf bpf $r/sys/fs/bpf
mount -t cgroup2 cgroup2 $r/sys/fs/cgroup
mount -t tracefs tracefs $r/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs $r/sys/kernel/debug 2>/dev/null
ip link set lo up
hostname bench-ebpf-guest

# A root of another architecture than the guest's (the arm64 guest on this
# amd64 machine's root) cannot run its bash: the initramfs's busybox stands
# in as /bin/sh (in the overlay, lost at the end), with the :ARCH libraries
# and loader that root has for the guest's own programs.
shell=/bin/bash
if ! chroot $r /bin/bash -c true 2>/dev/null; then
  cp /bin/busybox $r/bin/busybox.guest
  ln -sf busybox.guest $r/bin/sh
  shell=/bin/sh
fi
chroot $r $shell /out/cmd < /dev/null > /dev/console 2>&1
echo $? > $r/out/rc
umount $r/out
halt_now
