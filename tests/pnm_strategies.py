"""Hypothesis strategies shared by tests/test_image_fuzz.py and tools/fuzz_ppm.py: valid PNM files, then mutations."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

WHITESPACE = [b" ", b"\t", b"\n", b"\r\n", b"  \n", b"\x0b", b"\x0c"]


@st.composite
def pnm_files(draw) -> tuple[bytes, np.ndarray, int]:
    """A valid PNM file (any dialect, comments, odd whitespace) with the array and maxval it encodes."""
    magic = draw(st.sampled_from(["P2", "P3", "P5", "P6"]))
    channels = 3 if magic in ("P3", "P6") else 1
    w, h = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    maxval = draw(st.one_of(st.integers(1, 65535), st.sampled_from([1, 255, 256, 65535])))
    flat = draw(st.lists(st.integers(0, maxval), min_size=w * h * channels, max_size=w * h * channels))
    arr = np.array(flat, np.uint16 if maxval > 255 else np.uint8).reshape(h, w, channels)

    def sep() -> bytes:
        parts = draw(st.lists(st.one_of(st.sampled_from(WHITESPACE),
                                        st.builds(lambda t: b"#" + t.encode() + b"\n",
                                                  st.text("abc #\t", max_size=5))),
                              min_size=1, max_size=3))
        out = b"".join(parts)
        return out if out[:1] != b"#" else b" " + out  # a separator must start the gap for our emitters

    head = magic.encode() + sep() + str(w).encode() + sep() + str(h).encode() + sep() + str(maxval).encode()
    if magic in ("P5", "P6"):
        body = arr.astype(">u2").tobytes() if maxval > 255 else arr.tobytes()
        data = head + draw(st.sampled_from([b" ", b"\n", b"\t"])) + body
    else:
        data = head + b"\n" + b" ".join(str(v).encode() for v in flat) + b"\n"
    return data, arr, maxval


@st.composite
def mutated_pnm(draw) -> bytes:
    """A valid file broken in a few places: bytes flipped, inserted, deleted, or the tail cut off."""
    data = bytearray(draw(pnm_files())[0])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "digits"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[i] = draw(st.sampled_from([0, 32, 10, ord("#"), ord("0"), ord("9"), ord("-"), 255]))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=4))
        elif op == "delete":
            del data[i: i + draw(st.integers(1, 4))]
        elif op == "truncate":
            del data[i:]
        else:  # enlarge a number: the classic overflow attack on headers
            data[i:i] = draw(st.sampled_from([b"9999999999", b"4294967295", b"65536", b"0"]))
    return bytes(data)
