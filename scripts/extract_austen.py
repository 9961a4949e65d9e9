#!/usr/bin/env python3
"""Extracts Jane Austen's six novels as plain text from the R package janeaustenr's lazy-load
database (Debian package r-cran-janeaustenr): Rdata.rdx is a gzip'd R serialization of the index
(name -> offset and length in Rdata.rdb); each object in Rdata.rdb is a 4-byte big-endian length
and a zlib'd XDR serialization of a character vector, one element per line of the book.

Usage: extract_austen.py DATA_DIR OUT_DIR   (DATA_DIR holds Rdata.rdx and Rdata.rdb)
Writes OUT_DIR/austen_<book>.txt, lines joined with "\\n" plus a final newline (NA lines empty).
"""
import gzip
import os
import struct
import sys
import zlib


class RReader:
    """The subset of R's XDR serialization format that these files use."""

    def __init__(self, data):
        self.data, self.pos, self.refs = data, 0, []

    def int32(self):
        (value,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return value

    def float64(self):
        (value,) = struct.unpack_from(">d", self.data, self.pos)
        self.pos += 8
        return value

    def header(self):
        if self.data[:2] != b"X\n":
            raise ValueError("not an XDR R serialization")
        self.pos = 2
        version = self.int32()
        self.int32()  # R version that wrote it
        self.int32()  # minimum R version to read it
        if version == 3:
            length = self.int32()  # native encoding name
            self.pos += length

    def read(self):
        flags = self.int32()
        kind, has_attributes, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind in (254, 242):  # NILVALUE, EMPTYENV
            return None
        if kind == 255:  # reference to an earlier symbol
            index = flags >> 8 or self.int32()
            return self.refs[index - 1]
        if kind == 1:  # symbol
            symbol = ("symbol", self.read())
            self.refs.append(symbol)
            return symbol
        if kind == 9:  # CHARSXP
            length = self.int32()
            if length == -1:
                return None  # NA_character_
            text = self.data[self.pos:self.pos + length].decode("utf-8", "replace")
            self.pos += length
            return text
        if kind in (2, 6, 17, 4):  # pairlists
            attributes = self.read() if has_attributes else None
            tag = self.read() if has_tag else None
            head, tail = self.read(), self.read()
            return ("pairlist", tag, head, tail, attributes)
        if kind in (16, 19, 20):  # character vector, list, expression
            values = [self.read() for _ in range(self.int32())]
            return ("vector", kind, values, self.read() if has_attributes else None)
        if kind in (10, 13):  # logical, integer
            values = [self.int32() for _ in range(self.int32())]
            return ("vector", kind, values, self.read() if has_attributes else None)
        if kind == 14:  # double
            values = [self.float64() for _ in range(self.int32())]
            return ("vector", kind, values, self.read() if has_attributes else None)
        raise ValueError(f"R type {kind} at byte {self.pos} is not handled")


def attributes(pairlist):
    found = {}
    while pairlist and pairlist[0] == "pairlist":
        found[pairlist[1][1] if pairlist[1] else None] = pairlist[2]
        pairlist = pairlist[3]
    return found


def main(data_dir, out_dir):
    index = RReader(gzip.decompress(open(os.path.join(data_dir, "Rdata.rdx"), "rb").read()))
    index.header()
    root = index.read()
    variables = root[2][0]
    names = attributes(variables[3])["names"][2]
    database = open(os.path.join(data_dir, "Rdata.rdb"), "rb").read()
    os.makedirs(out_dir, exist_ok=True)
    for name, position in zip(names, variables[2]):
        offset, length = int(position[2][0]), int(position[2][1])
        blob = database[offset:offset + length]
        reader = RReader(zlib.decompress(blob[4:]))
        reader.header()
        value = reader.read()
        if value[1] != 16:
            continue
        text = "\n".join(line if line is not None else "" for line in value[2])
        with open(os.path.join(out_dir, f"austen_{name}.txt"), "w", encoding="utf-8") as out:
            out.write(text + "\n")
        print(f"{name}: {len(value[2])} lines")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
