#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/integration/44_status_page/check.py: what 44_status_page.sh needs
from Python's standard library (no PIL, no third-party module):

  check.py pixel PNG PAGE LAT LON INDEX   the screenshot's pixel at LAT LON
        of the map has the page's palette colour INDEX (-1: no edge);
        prints what it found; exit 1 if not
  check.py method URL METHOD              the HTTP status of METHOD URL
  check.py get URL                        GET: status on line 1, body after
  check.py same API.json CTL.json         the two JSON documents are equal
        field by field; prints the fields compared or the differences
  check.py cells MAP.json NEDGES          /api/map: cells are integer
        triples, LAT2/LON2 in range, edges -1..NEDGES-1; prints the count
  check.py cell MAP.json LAT LON          the cell nearest to LAT LON:
        "LAT2 LON2 EDGE"
  check.py field JSON PATH                one value: PATH is dotted
        (edges.0.name); strings bare, the rest as JSON

The map's geometry is the page's (dnsd/status_page.html): a canvas of
1080x540 logical pixels, x = (lon + 180) / 360 * W, y = (90 - lat) / 180 * H,
a cell's dot covering floor(x)-1 .. floor(x)+1 (and the same for y).  The
canvas is found in the screenshot as the bounding box of its background
colour, so a page laid out differently or scaled still gives the pixel.
"""
import http.client
import json
import re
import struct
import sys
import urllib.parse
import zlib

W, H = 1080, 540
MAP_BG = (0x0D, 0x1B, 0x2A)  # #map's background in the page
TOLERANCE = 12  # per channel


def png_read(path):
    """(width, height, rows of RGB tuples' flat bytes, bytes per pixel)"""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(path + ": not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace != 0:
        raise ValueError("%s: unsupported PNG (depth %d, colour type %d, "
                         "interlace %d)" % (path, depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        ftype, line = raw[i], bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pred) & 255
        rows.append(line)
        prev = line
    return w, h, rows, bpp


def hex_rgb(s):
    s = s.lstrip("#")
    return tuple(int(s[k : k + 2], 16) for k in (0, 2, 4))


def palette(page):
    """The page's PALETTE and NONE colours, from its source."""
    with open(page, encoding="utf-8") as f:
        src = f.read()
    m = re.search(r"const PALETTE = \[(.*?)\];", src, re.S)
    n = re.search(r'const NONE = "(#[0-9a-fA-F]{6})"', src)
    if not m or not n:
        raise ValueError(page + ": no PALETTE or NONE in the page")
    return [hex_rgb(c) for c in re.findall(r'"(#[0-9a-fA-F]{6})"', m.group(1))], \
        hex_rgb(n.group(1))


def cmd_pixel(png, page, lat, lon, index):
    w, h, rows, bpp = png_read(png)
    x0, y0, x1, y1 = w, h, -1, -1
    for y in range(h):
        line = rows[y]
        for x in range(w):
            if tuple(line[x * bpp : x * bpp + 3]) == MAP_BG:
                x0, y0 = min(x0, x), min(y0, y)
                x1, y1 = max(x1, x), max(y1, y)
    if x1 < 0:
        print("no map (background %02x%02x%02x) in %s" % (MAP_BG + (png,)))
        return 1
    cw, ch = x1 - x0 + 1, y1 - y0 + 1
    if abs(cw - 2 * ch) > 4:
        print("the map found is %dx%d at %d,%d: not 2:1" % (cw, ch, x0, y0))
        return 1
    lx = int((float(lon) + 180) / 360 * W)  # floor: lon > -180
    ly = int((90 - float(lat)) / 180 * H)
    px, py = x0 + int((lx + 0.5) * cw / W), y0 + int((ly + 0.5) * ch / H)
    got = tuple(rows[py][px * bpp : px * bpp + 3])
    pal, none = palette(page)
    index = int(index)
    want = none if index < 0 else pal[index % len(pal)]
    near = [i for i, c in enumerate(pal)
            if all(abs(a - b) <= TOLERANCE for a, b in zip(c, got))]
    print("map %dx%d at %d,%d; lat %s lon %s -> pixel %d,%d: #%02x%02x%02x "
          "(palette index %s), want #%02x%02x%02x (index %d)"
          % ((cw, ch, x0, y0, lat, lon, px, py) + got +
             (near[0] if near else "none",) + want + (index,)))
    return 0 if all(abs(a - b) <= TOLERANCE for a, b in zip(want, got)) else 1


def request(url, method):
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    path = u.path + ("?" + u.query if u.query else "")
    c.request(method, path, body=b"x=1" if method in ("POST", "PUT") else None)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def cmd_method(url, method):
    print(request(url, method)[0])
    return 0


def cmd_get(url):
    status, body = request(url, "GET")
    sys.stdout.write("%d\n" % status)
    sys.stdout.flush()
    sys.stdout.buffer.write(body)
    return 0


def walk(a, b, path, out):
    """Append the differences of a and b to out; return fields compared."""
    if isinstance(a, dict) and isinstance(b, dict):
        n = 0
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s.%s: only in %s" % (path, k,
                           "the API" if k in a else "dnsdctl"))
            else:
                n += walk(a[k], b[k], path + "." + k, out)
        return n
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: %d items, dnsdctl %d" % (path, len(a), len(b)))
        return sum(walk(x, y, "%s[%d]" % (path, i), out)
                   for i, (x, y) in enumerate(zip(a, b)))
    if type(a) is not type(b) or a != b:
        out.append("%s: API %r, dnsdctl %r" % (path, a, b))
    return 1


def cmd_same(f1, f2):
    with open(f1, encoding="utf-8") as f:
        a = json.load(f)
    with open(f2, encoding="utf-8") as f:
        b = json.load(f)
    out = []
    n = walk(a, b, "$", out)
    if out:
        print("\n".join(out))
        return 1
    print("%d fields equal" % n)
    return 0 if n > 0 else 1


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def cmd_cells(path, nedges):
    c = load(path)["cells"]
    bad = []
    if len(c) % 3 or not c:
        bad.append("%d numbers: not a non-empty list of triples" % len(c))
    for i in range(0, len(c) - 2, 3):
        lat2, lon2, e = c[i : i + 3]
        if not all(type(v) is int for v in (lat2, lon2, e)):
            bad.append("cell %d: not integers: %r" % (i // 3, c[i : i + 3]))
        elif not (-180 <= lat2 <= 180 and -360 <= lon2 <= 360
                  and -1 <= e < int(nedges)):
            bad.append("cell %d: out of range: %r" % (i // 3, c[i : i + 3]))
    if bad:
        print("\n".join(bad[:20]))
        return 1
    print(len(c) // 3)
    return 0


def cmd_cell(path, lat, lon):
    c = load(path)["cells"]
    best = min(range(0, len(c) - 2, 3), key=lambda i:
               (c[i] / 2 - float(lat)) ** 2 + (c[i + 1] / 2 - float(lon)) ** 2)
    print(c[best], c[best + 1], c[best + 2])
    return 0


def cmd_field(path, dotted):
    v = load(path)
    for k in dotted.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(v if isinstance(v, str) else json.dumps(v))
    return 0


CMDS = {"pixel": (cmd_pixel, 5), "method": (cmd_method, 2), "get": (cmd_get, 1),
        "same": (cmd_same, 2), "cells": (cmd_cells, 2), "cell": (cmd_cell, 3),
        "field": (cmd_field, 2)}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS or \
            len(sys.argv) - 2 != CMDS[sys.argv[1]][1]:
        sys.exit("usage: see the head of " + sys.argv[0])
    try:
        sys.exit(CMDS[sys.argv[1]][0](*sys.argv[2:]))
    except (OSError, ValueError, KeyError, IndexError,
            http.client.HTTPException) as e:
        print("error: %s" % e)
        sys.exit(2)
