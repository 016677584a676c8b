#!/usr/bin/env python3
"""Tests for the blindmod extension.

Usage: python3 test_blindmod.py --module-dir DIR
"""
import argparse
import sys
import unittest
import zlib


def _parse_args():
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--module-dir", default=None)
    opts, _ = parser.parse_known_args()
    if opts.module_dir:
        sys.path.insert(0, opts.module_dir)
    del sys.argv[1:]


_parse_args()
import blindmod  # noqa: E402


class RunLengthTests(unittest.TestCase):
    def roundtrip(self, data):
        enc = blindmod.rle_encode(data)
        self.assertEqual(len(enc) % 2, 0)
        self.assertEqual(blindmod.rle_decode(enc), data)
        return enc

    def test_empty(self):
        self.assertEqual(blindmod.rle_encode(b""), b"")
        self.assertEqual(blindmod.rle_decode(b""), b"")

    def test_simple(self):
        self.assertEqual(self.roundtrip(b"aaabcc"), b"\x03a\x01b\x02c")

    def test_long_runs_are_split(self):
        enc = self.roundtrip(b"x" * 600)
        self.assertEqual(enc, b"\xffx\xffx\x5ax")

    def test_large_input_uses_heap(self):
        data = bytes(range(256)) * 8
        enc = self.roundtrip(data)
        self.assertEqual(len(enc), 2 * len(data))

    def test_decode_grows_output(self):
        enc = b"\xff\x00" * 40 + b"\x01z"
        self.assertEqual(blindmod.rle_decode(enc), b"\x00" * (255 * 40) + b"z")

    def test_accepts_buffer_objects(self):
        self.assertEqual(blindmod.rle_encode(bytearray(b"qq")), b"\x02q")
        self.assertEqual(blindmod.rle_decode(memoryview(b"\x02q")), b"qq")

    def test_truncated(self):
        with self.assertRaises(ValueError):
            blindmod.rle_decode(b"\x03a\x02")

    def test_zero_run(self):
        with self.assertRaisesRegex(ValueError, "offset 2"):
            blindmod.rle_decode(b"\x03a\x00b")


class TokenizeTests(unittest.TestCase):
    def test_basic(self):
        self.assertEqual(blindmod.tokenize("  hello   world\n"),
                         ["hello", "world"])

    def test_empty(self):
        self.assertEqual(blindmod.tokenize(""), [])
        self.assertEqual(blindmod.tokenize(" \t\n "), [])

    def test_lower(self):
        self.assertEqual(blindmod.tokenize("Foo BAR baz", lower=True),
                         ["foo", "bar", "baz"])

    def test_non_ascii(self):
        self.assertEqual(blindmod.tokenize("caf\u00e9 \u65e5\u672c"),
                         ["caf\u00e9", "\u65e5\u672c"])

    def test_maxlen_boundary(self):
        self.assertEqual(blindmod.tokenize("abcd ef", maxlen=4),
                         ["abcd", "ef"])

    def test_token_too_long(self):
        with self.assertRaisesRegex(ValueError, "exceeds maxlen"):
            blindmod.tokenize("ok " + "x" * 20, maxlen=8)

    def test_bad_maxlen(self):
        with self.assertRaises(ValueError):
            blindmod.tokenize("a", maxlen=0)

    def test_type_error(self):
        with self.assertRaises(TypeError):
            blindmod.tokenize(b"bytes")


class KeyTests(unittest.TestCase):
    def test_ignore_case(self):
        key, h = blindmod.make_key("Content-Type", ignore_case=True)
        self.assertEqual(key, "content-type")
        key2, h2 = blindmod.make_key("CONTENT-TYPE", ignore_case=True)
        self.assertEqual((key, h), (key2, h2))

    def test_known_hash(self):
        # FNV-1a 32-bit of "a"
        self.assertEqual(blindmod.make_key("A", ignore_case=True),
                         ("a", 0xE40C292C))

    def test_case_sensitive(self):
        key, h = blindmod.make_key("Accept")
        self.assertEqual(key, "Accept")
        self.assertNotEqual(h, blindmod.make_key("accept", ignore_case=True)[1])


class WideTests(unittest.TestCase):
    def test_ascii_width(self):
        self.assertEqual(blindmod.display_width("hello"), 5)
        self.assertEqual(blindmod.display_width(""), 0)

    def test_wide_width(self):
        self.assertEqual(blindmod.display_width("\u65e5\u672c\u8a9e"), 6)
        self.assertEqual(blindmod.display_width("e\u0301"), 1)

    def test_control_chars(self):
        self.assertEqual(blindmod.display_width("tab\there"), -1)

    def test_width_type_error(self):
        with self.assertRaises(TypeError):
            blindmod.display_width(42)

    def test_reverse(self):
        self.assertEqual(blindmod.wide_reverse("abc"), "cba")
        self.assertEqual(blindmod.wide_reverse(""), "")
        self.assertEqual(blindmod.wide_reverse("\u00e9\U0001F600x"),
                         "x\U0001F600\u00e9")


class SqueezeTests(unittest.TestCase):
    def test_short(self):
        self.assertEqual(blindmod.squeeze("  a   b\t\nc  "), "a b c")

    def test_long(self):
        text = "  word  " * 100
        self.assertEqual(blindmod.squeeze(text), " ".join(["word"] * 100))


class ChecksumTests(unittest.TestCase):
    def test_check_value(self):
        self.assertEqual(blindmod.checksum(b"123456789"), 0xCBF43926)

    def test_matches_zlib(self):
        data = bytes(range(256)) * 4 + b"tail"
        self.assertEqual(blindmod.checksum(data), zlib.crc32(data))
        self.assertEqual(blindmod.checksum(b""), 0)

    def test_histogram(self):
        hist = blindmod.byte_histogram(b"abracadabra")
        self.assertEqual(len(hist), 256)
        self.assertEqual(hist[ord("a")], 5)
        self.assertEqual(hist[ord("r")], 2)
        self.assertEqual(sum(hist), 11)

    def test_hexdump(self):
        self.assertEqual(blindmod.hexdump(b"\xde\xad\xbe\xef"), "de ad be ef")
        self.assertEqual(blindmod.hexdump(b""), "")


class RingBufferTests(unittest.TestCase):
    def test_fifo(self):
        rb = blindmod.RingBuffer(16)
        self.assertEqual(rb.write(b"hello "), 6)
        self.assertEqual(rb.write(b"world"), 11)
        self.assertEqual(len(rb), 11)
        self.assertEqual(rb.read(6), b"hello ")
        self.assertEqual(rb.read(), b"world")
        self.assertEqual(len(rb), 0)
        self.assertEqual(rb.read(), b"")

    def test_default_capacity(self):
        rb = blindmod.RingBuffer()
        self.assertEqual(rb.capacity, 64)

    def test_bad_capacity(self):
        with self.assertRaises(ValueError):
            blindmod.RingBuffer(0)

    def test_grow(self):
        rb = blindmod.RingBuffer(8)
        rb.write(b"0123456789abcdef")
        self.assertGreaterEqual(rb.capacity, 16)
        self.assertEqual(rb.read(), b"0123456789abcdef")

    def test_grow_while_wrapped(self):
        rb = blindmod.RingBuffer(8)
        rb.write(b"abcdef")
        self.assertEqual(rb.read(4), b"abcd")
        rb.write(b"ghij")          # wraps around the end of the block
        self.assertEqual(rb.capacity, 8)
        rb.write(b"klmnopq")       # forces growth with wrapped contents
        self.assertEqual(rb.read(), b"efghijklmnopq")

    def test_find(self):
        rb = blindmod.RingBuffer(8)
        rb.write(b"xxxxab")
        rb.read(4)
        rb.write(b"abcab")         # wrapped: "ababcab"
        self.assertEqual(rb.capacity, 8)
        self.assertEqual(rb.find(b"bca"), 3)
        self.assertEqual(rb.find(b"zz"), -1)
        self.assertEqual(rb.find(b""), 0)
        self.assertEqual(rb.find(b"a" * 50), -1)

    def test_compact(self):
        rb = blindmod.RingBuffer(256)
        rb.write(b"payload")
        rb.compact()
        self.assertEqual(rb.capacity, 16)
        self.assertEqual(rb.read(), b"payload")

    def test_clear(self):
        rb = blindmod.RingBuffer(4)
        rb.write(b"abc")
        rb.clear()
        self.assertEqual(len(rb), 0)
        rb.write(b"z")
        self.assertEqual(rb.read(), b"z")

    def test_reinit(self):
        rb = blindmod.RingBuffer(4)
        rb.write(b"abc")
        rb.__init__(32)
        self.assertEqual(len(rb), 0)
        self.assertEqual(rb.capacity, 32)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]])
