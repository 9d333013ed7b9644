#!/usr/bin/env python3
"""Copies the kernel's own BTF out of a kernel image into a raw BTF file.

    btf-from-image.py VMLINUZ OUTPUT.btf

For images that are not ELF (arm64's vmlinuz is a gzipped raw Image), so no
.BTF section can be named: the blob is found by its header (magic 0xeb9f,
version 1) and kept when its layout is consistent; the largest such blob is
the kernel's (modules carry only split BTF). `bpftool btf dump file
OUTPUT.btf format c` then writes vmlinux.h."""
import gzip
import struct
import sys

MAGIC = b"\x9f\xeb\x01"  # little-endian 0xeb9f, then version 1
HDR = struct.Struct("<HBBIIIII")


def image_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    return data


def blobs(data):
    at = data.find(MAGIC)
    while at >= 0:
        if at + HDR.size <= len(data):
            _, _, _, hdr_len, type_off, type_len, str_off, str_len = HDR.unpack_from(data, at)
            size = hdr_len + str_off + str_len
            consistent = (hdr_len == HDR.size and type_off == 0 and str_off >= type_len
                          and str_len > 0 and at + size <= len(data)
                          and data[at + hdr_len + str_off] == 0)
            if consistent:
                yield data[at:at + size]
        at = data.find(MAGIC, at + 1)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    found = max(blobs(image_bytes(sys.argv[1])), key=len, default=None)
    if found is None:
        sys.exit(f"btf-from-image: no BTF in {sys.argv[1]} (a kernel built without CONFIG_DEBUG_INFO_BTF?)")
    with open(sys.argv[2], "wb") as f:
        f.write(found)
    print(f"btf-from-image: {len(found)} bytes of BTF", file=sys.stderr)


if __name__ == "__main__":
    main()
