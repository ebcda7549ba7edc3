"""Build the small MLPerf-Tiny-style test models and export them to ONNX.

Each model is exported twice, because the two PyTorch exporters produce
quite different graphs and the compiler has to handle both:
  NAME_ts.onnx      TorchScript exporter (dynamo=False), opset 13
  NAME_dynamo.onnx  torch.export based exporter (dynamo=True), its default opset

Usage: python tests/models/generate.py [--out DIR]
"""

import argparse
import logging
import os
import warnings
from collections import Counter

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

TS_OPSET = 13


def conv_bn_relu(cin, cout, kernel, stride=1, padding=0, groups=1):
    return [
        nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(),
    ]


def depthwise_separable(cin, cout, stride=1):
    return conv_bn_relu(cin, cin, 3, stride, 1, groups=cin) + conv_bn_relu(cin, cout, 1)


def dscnn():
    # Symmetric padding (5, 1) gives the same 25x5 map as TF's asymmetric
    # 'same' padding in the MLPerf reference, without an extra Pad node.
    layers = conv_bn_relu(1, 64, (10, 4), 2, (5, 1))
    for _ in range(4):
        layers += depthwise_separable(64, 64)
    layers += [nn.AvgPool2d((25, 5)), nn.Flatten(), nn.Linear(64, 12)]
    return nn.Sequential(*layers), (1, 1, 49, 10)


def mobilenetv1():
    alpha = 0.25
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
              (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
    cin = int(32 * alpha)
    layers = conv_bn_relu(3, cin, 3, 2, 1)
    for cout, stride in blocks:
        cout = int(cout * alpha)
        layers += depthwise_separable(cin, cout, stride)
        cin = cout
    layers += [nn.AvgPool2d(3), nn.Flatten(), nn.Linear(cin, 2)]
    return nn.Sequential(*layers), (1, 3, 96, 96)


class ResidualStack(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(
            *conv_bn_relu(cin, cout, 3, stride, 1),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
            nn.BatchNorm2d(cout),
        )
        # The MLPerf reference uses a plain 1x1 conv (no BN) as projection.
        self.shortcut = nn.Conv2d(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


def resnet8():
    model = nn.Sequential(
        *conv_bn_relu(3, 16, 3, 1, 1),
        ResidualStack(16, 16, 1),
        ResidualStack(16, 32, 2),
        ResidualStack(32, 64, 2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, 10),
    )
    return model, (1, 3, 32, 32)


def autoencoder():
    widths = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128]
    layers = []
    for cin, cout in zip(widths, widths[1:]):
        layers += [nn.Linear(cin, cout), nn.BatchNorm1d(cout), nn.ReLU()]
    layers.append(nn.Linear(widths[-1], 640))
    return nn.Sequential(*layers), (1, 640)


def lenet5():
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )
    return model, (1, 1, 28, 28)


class LSTMClassifier(nn.Module):
    def __init__(self, features=16, hidden=32, classes=5):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


def lstm():
    return LSTMClassifier(), (1, 20, 16)


MODELS = [dscnn, mobilenetv1, resnet8, autoencoder, lenet5, lstm]


@torch.no_grad()
def randomize(model):
    """Replace default init so that no weight is a trivial constant.

    Default BatchNorm (gamma=1, beta=0, mean=0, var=1) would fold to the
    identity and hide bugs in BN handling; weights are scaled by fan-in so
    activations stay O(1) through the deep models and the comparison stays
    meaningful.
    """
    for p in model.parameters():
        if p.dim() > 1:
            p.normal_(0.0, (2.0 / p[0].numel()) ** 0.5)
        else:
            p.uniform_(-0.2, 0.2)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.weight.uniform_(0.5, 1.5)
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def strip_debug_metadata(model_proto):
    """Drop the dynamo exporter's per-node debug annotations.

    They hold Python stack traces with absolute paths and line numbers of this
    script, so the bytes of a committed model would change with the checkout
    location or any edit here; they carry nothing the compiler needs.
    """
    g = model_proto.graph
    nodes = list(g.node) + [n for f in model_proto.functions for n in f.node]
    values = list(g.input) + list(g.output) + list(g.value_info) + list(g.initializer)
    for item in nodes + values:
        item.ClearField("metadata_props")


def export(model, x, path, dynamo):
    names = dict(input_names=["input"], output_names=["output"])
    if dynamo:
        # external_data=False keeps the weights inside the single .onnx file.
        torch.onnx.export(model, (x,), path, dynamo=True, external_data=False, verbose=False, **names)
    else:
        torch.onnx.export(model, (x,), path, dynamo=False, opset_version=TS_OPSET, **names)
    model_proto = onnx.load(path)
    for t in model_proto.graph.initializer:
        assert t.data_location != onnx.TensorProto.EXTERNAL, f"{path}: external tensor {t.name}"
    strip_debug_metadata(model_proto)
    onnx.save(model_proto, path)
    return model_proto


def non_static_values(model_proto):
    """Names of main-graph values whose inferred shape is not fully known."""
    inferred = onnx.shape_inference.infer_shapes(model_proto, strict_mode=True, data_prop=True)
    g = inferred.graph
    types = {v.name: v.type for v in list(g.input) + list(g.value_info) + list(g.output)}
    bad = []
    for node in g.node:
        for name in filter(None, node.output):
            t = types.get(name)
            static = (t is not None and t.HasField("tensor_type") and t.tensor_type.HasField("shape")
                      and all(d.HasField("dim_value") for d in t.tensor_type.shape.dim))
            if not static:
                bad.append(f"{name} ({node.op_type})")
    return bad


def describe(model_proto):
    opset = next(o.version for o in model_proto.opset_import if o.domain in ("", "ai.onnx"))
    ops = Counter(n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}:{n.op_type}"
                  for n in model_proto.graph.node)
    funcs = {f"{f.domain}:{f.name}": sorted({n.op_type for n in f.node}) for f in model_proto.functions}
    return opset, ops, funcs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    out_dir = parser.parse_args().out
    os.makedirs(out_dir, exist_ok=True)
    # Exporter deprecation notices and "torchvision is not installed" lines
    # would bury the report.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)

    for build in MODELS:
        torch.manual_seed(0)
        model, shape = build()
        model = randomize(model)
        x = torch.randn(*shape)
        with torch.no_grad():
            expected = model(x).numpy()

        for suffix, dynamo in (("ts", False), ("dynamo", True)):
            path = os.path.join(out_dir, f"{build.__name__}_{suffix}.onnx")
            model_proto = export(model, x, path, dynamo)
            onnx.checker.check_model(path, full_check=True)

            session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=path)

            opset, ops, funcs = describe(model_proto)
            print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes, opset {opset}, "
                  f"ops {dict(sorted(ops.items()))}")
            for name, body in funcs.items():
                print(f"    local function {name}: {body}")
            bad = non_static_values(model_proto)
            print(f"    shapes: {'all static' if not bad else 'NOT static: ' + ', '.join(bad)}")


if __name__ == "__main__":
    main()
