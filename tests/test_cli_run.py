"""trtcore run / inspect / bench: in-process through trtcore.cli.main."""

from __future__ import annotations

import json

import numpy as np

from trtcore.cli import EXIT_BAD_INPUT, main
from trtcore.demo import DIGITS_MODEL, SHAPES_MODEL

from _models import add_one, two_inputs


def test_run_random_inputs_writes_npz(tmp_path, capsys):
    out, ins = tmp_path / "out.npz", tmp_path / "in.npz"
    assert main(["run", str(DIGITS_MODEL), "--backend", "onnxruntime", "--shapes", "input:3x1x8x8",
                 "-o", str(out), "--save-inputs", str(ins)]) == 0
    text = capsys.readouterr().out
    assert "output logits: float32 (3, 10)" in text and str(out) in text
    with np.load(out) as o, np.load(ins) as i:
        assert o["logits"].shape == (3, 10)
        x = i["input"]
    # the same inputs given back as a file give the same outputs
    out2 = tmp_path / "out2.npz"
    assert main(["run", str(DIGITS_MODEL), "--backend", "onnxruntime", "--inputs", str(ins), "-o", str(out2)]) == 0
    with np.load(out) as a, np.load(out2) as b:
        np.testing.assert_array_equal(a["logits"], b["logits"])
    assert x.dtype == np.float32


def test_run_npy_per_input_and_errors(tmp_path, capsys):
    model = two_inputs(tmp_path / "two.onnx")
    np.save(tmp_path / "a.npy", np.ones((2, 4), np.float32))
    np.save(tmp_path / "b.npy", np.full((2, 4), 2, np.float32))
    out = tmp_path / "z.npz"
    assert main(["run", str(model), "--backend", "onnxruntime", "--inputs", f"a:{tmp_path / 'a.npy'}",
                 f"b:{tmp_path / 'b.npy'}", "-o", str(out)]) == 0
    with np.load(out) as z:
        assert z["z"].tolist() == [[3.0] * 4] * 2
    assert main(["run", str(model), "--backend", "onnxruntime", "--inputs", f"c:{tmp_path / 'a.npy'}"]) == \
        EXIT_BAD_INPUT
    assert "['c'] are not inputs" in capsys.readouterr().err
    assert main(["run", str(model), "--backend", "onnxruntime", "--shapes", "a:2xfour"]) == EXIT_BAD_INPUT
    assert "--shapes a: '2xfour' is not a shape" in capsys.readouterr().err
    np.save(tmp_path / "f64.npy", np.ones((2, 4)))
    assert main(["run", str(model), "--backend", "onnxruntime", "--inputs", f"a:{tmp_path / 'f64.npy'}"]) == \
        EXIT_BAD_INPUT
    assert ("input 'a': expected float32, got float64; convert with .astype(np.float32) or pass --cast"
            ) in capsys.readouterr().err
    assert main(["run", str(model), "--backend", "onnxruntime", "--cast", "--inputs",
                 f"a:{tmp_path / 'f64.npy'}"]) == 0
    (tmp_path / "bad.npz").write_bytes(b"nope")
    assert main(["run", str(model), "--backend", "onnxruntime", "--inputs", str(tmp_path / "bad.npz")]) == \
        EXIT_BAD_INPUT
    assert "bad.npz: not a .npy/.npz file" in capsys.readouterr().err


def test_run_unsupported_model_type(tmp_path, capsys):
    m = tmp_path / "model.tflite"
    m.write_bytes(b"x")
    assert main(["run", str(m)]) == EXIT_BAD_INPUT
    assert "unsupported model file type '.tflite'" in capsys.readouterr().err


def test_inspect_onnx_text_and_json(tmp_path, capsys):
    assert main(["inspect", str(SHAPES_MODEL)]) == 0
    text = capsys.readouterr().out
    assert "input: float32 [batch, 3, height, width]" in text and "ArgMax 1" in text
    assert main(["inspect", "--json", str(add_one(tmp_path / "a.onnx"))]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["inputs"] == [{"name": "x", "dtype": "float32", "shape": ["batch", 3]}]
    assert info["op_histogram"] == {"Add": 1} and info["format"] == "onnx"
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\xff\xff garbage")
    assert main(["inspect", str(bad)]) == EXIT_BAD_INPUT
    assert "bad.onnx: not a readable ONNX model" in capsys.readouterr().err


