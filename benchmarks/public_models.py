"""Real third-party models from public PyPI packages, made static for the benchmarks.

    python benchmarks/public_models.py [--out DIR]
    python benchmarks/speed.py --only-added --dir DIR

Downloads (pip, no dependencies, into DIR/wheels) the wheels of RapidOCR (PaddleOCR v4 text
detector and recognizer, v2 direction classifier) and Silero VAD (LSTM voice-activity
detectors), and writes a copy of each model with fixed input shapes to DIR: onnx2c
compiles for one shape, and onnxruntime then runs the same one. The Silero models take the
sample rate `sr` as an input that picks a branch; it becomes the constant 16000. Needs
network access to PyPI; nothing here runs in the tests.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

WHEELS = ("rapidocr_onnxruntime==1.4.4", "silero-vad==6.2.3")
SAMPLE_RATE = 16000

# model file in a wheel -> {input: shape, or an int for an input that becomes a constant}
SHAPES: dict[str, dict[str, list[int] | int]] = {
    "ch_PP-OCRv4_det_infer.onnx": {"x": [1, 3, 320, 320]},
    "ch_PP-OCRv4_rec_infer.onnx": {"x": [1, 3, 48, 320]},
    "ch_ppocr_mobile_v2.0_cls_infer.onnx": {"x": [1, 3, 48, 192]},
    "silero_vad_16k_op15.onnx": {"input": [1, 512], "state": [2, 1, 128], "sr": SAMPLE_RATE},
    "silero_vad_op18_ifless.onnx": {"input": [1, 512], "state": [2, 1, 128],
                                    "sr": SAMPLE_RATE},
    "silero_vad_16k_sequence.onnx": {"input": [4, 576], "h": [1, 1, 128], "c": [1, 1, 128]},
    "silero_vad_openvino_16k.onnx": {"input": [1, 576], "state": [2, 1, 128]},
}


def make_static(model: onnx.ModelProto, shapes: dict) -> onnx.ModelProto:
    kept = []
    for graph_input in model.graph.input:
        shape = shapes.get(graph_input.name)
        if isinstance(shape, int):
            model.graph.initializer.append(
                numpy_helper.from_array(np.array(shape, dtype=np.int64), graph_input.name))
            continue
        if shape is not None:
            for dim, size in zip(graph_input.type.tensor_type.shape.dim, shape):
                dim.Clear()
                dim.dim_value = size
        kept.append(graph_input)
    del model.graph.input[:]
    model.graph.input.extend(kept)
    for graph_output in model.graph.output:     # ONNX inference fills them in again
        for dim in graph_output.type.tensor_type.shape.dim:
            dim.Clear()
    del model.graph.value_info[:]
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "onnx2c-public",
                    help="folder for the static models (default: TMPDIR/onnx2c-public)")
    args = ap.parse_args(argv)
    wheels = args.out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                    "-d", str(wheels), *WHEELS], check=True)
    for wheel in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                name = Path(member).name
                if name in SHAPES:
                    model = make_static(onnx.load_from_string(archive.read(member)),
                                        SHAPES[name])
                    target = args.out / (Path(name).stem.replace(".", "_") + ".onnx")
                    onnx.save(model, str(target))
                    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
