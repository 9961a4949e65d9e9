"""Counts pixels of given colors in a PNG (8-bit RGB or RGBA, non-interlaced), standard library only,
for sparsim's check that a plot renders. Usage:

  png_colors.py FILE.png RRGGBB [RRGGBB ...]    prints "WIDTH HEIGHT COUNT1 COUNT2 ..."
"""
import struct
import sys
import zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
offset, idat = 8, b""
while offset < len(data):
    length, kind = struct.unpack(">I4s", data[offset:offset + 8])
    body = data[offset + 8:offset + 8 + length]
    if kind == b"IHDR":
        width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        assert depth == 8 and color in (2, 6) and interlace == 0, "unsupported PNG layout"
    elif kind == b"IDAT":
        idat += body
    offset += 12 + length
channels = 3 if color == 2 else 4
raw = zlib.decompress(idat)
stride = width * channels
rows, previous = [], bytearray(stride)
for y in range(height):
    start = y * (stride + 1)
    kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
    for i in range(stride):
        left = line[i - channels] if i >= channels else 0
        up = previous[i]
        upper_left = previous[i - channels] if i >= channels else 0
        if kind == 1:
            line[i] = (line[i] + left) & 255
        elif kind == 2:
            line[i] = (line[i] + up) & 255
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 255
        elif kind == 4:
            p = left + up - upper_left
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else upper_left)) & 255
    rows.append(bytes(line))
    previous = line
wanted = [bytes.fromhex(c) for c in sys.argv[2:]]
counts = [0] * len(wanted)
for line in rows:
    for x in range(0, stride, channels):
        pixel = line[x:x + 3]
        for k, color in enumerate(wanted):
            if pixel == color:
                counts[k] += 1
print(width, height, *counts)
