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


def conv_bn_relu(cin, cout, kernel, stride=1, padding=0, groups=1, act=nn.ReLU):
    return [
        nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        act(),
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


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise, linear 1x1 projection."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = conv_bn_relu(cin, hidden, 1, act=nn.ReLU6) if expand != 1 else []
        layers += conv_bn_relu(hidden, hidden, 3, stride, 1, groups=hidden, act=nn.ReLU6)
        layers += [nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


def make_divisible(channels, divisor=8):
    rounded = max(divisor, int(channels + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * channels else rounded


def mobilenetv2():
    alpha = 0.35
    # (expansion, channels, repeats, first stride) as in the paper, except that
    # the last two stages expand 2x instead of 6x and the head has 256 channels
    # instead of 1280: with the paper's values the weights alone take 1.16 MB.
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                (6, 96, 3, 1), (2, 160, 3, 2), (2, 320, 1, 1)]
    cin = make_divisible(32 * alpha)
    layers = conv_bn_relu(3, cin, 3, 2, 1, act=nn.ReLU6)
    for expand, channels, repeats, stride in settings:
        cout = make_divisible(channels * alpha)
        for i in range(repeats):
            layers.append(InvertedResidual(cin, cout, stride if i == 0 else 1, expand))
            cin = cout
    head = 256
    layers += conv_bn_relu(cin, head, 1, act=nn.ReLU6)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(head, 2)]
    return nn.Sequential(*layers), (1, 3, 96, 96)


class SqueezeExcite(nn.Module):
    def __init__(self, channels, squeezed):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(channels, squeezed, 1)
        self.expand = nn.Conv2d(squeezed, channels, 1)

    def forward(self, x):
        s = torch.sigmoid(self.expand(nn.functional.silu(self.reduce(self.pool(x)))))
        return x * s


class MBConv(nn.Module):
    """EfficientNet block: [1x1 expand], depthwise, squeeze-and-excite, linear 1x1 projection."""

    def __init__(self, cin, cout, kernel, stride, expand, se_ratio=0.25):
        super().__init__()
        hidden = cin * expand
        layers = conv_bn_relu(cin, hidden, 1, act=nn.SiLU) if expand != 1 else []
        layers += conv_bn_relu(hidden, hidden, kernel, stride, kernel // 2, groups=hidden, act=nn.SiLU)
        layers += [SqueezeExcite(hidden, max(1, int(cin * se_ratio))),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


def effnet_block():
    model = nn.Sequential(
        *conv_bn_relu(3, 16, 3, 2, 1, act=nn.SiLU),
        MBConv(16, 16, 3, 1, 1),
        MBConv(16, 24, 5, 2, 6),
        *conv_bn_relu(24, 96, 1, act=nn.SiLU),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(96, 10),
    )
    return model, (1, 3, 64, 64)


def double_conv(cin, cout):
    return nn.Sequential(*conv_bn_relu(cin, cout, 3, 1, 1), *conv_bn_relu(cout, cout, 3, 1, 1))


class UNet(nn.Module):
    def __init__(self, cin=3, classes=2, widths=(8, 16, 32), bottleneck=64):
        super().__init__()
        w1, w2, w3 = widths
        self.enc1, self.enc2, self.enc3 = double_conv(cin, w1), double_conv(w1, w2), double_conv(w2, w3)
        self.pool = nn.MaxPool2d(2)
        self.mid = double_conv(w3, bottleneck)
        # One learned upsampling, the other two levels use Resize (both modes).
        self.up3 = nn.ConvTranspose2d(bottleneck, w3, 2, stride=2)
        self.dec3 = double_conv(2 * w3, w3)
        self.up2 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.dec2 = double_conv(w3 + w2, w2)
        self.up1 = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec1 = double_conv(w2 + w1, w1)
        self.head = nn.Conv2d(w1, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        e3 = self.enc3(self.pool(e2))
        m = self.mid(self.pool(e3))
        d3 = self.dec3(torch.cat([self.up3(m), e3], dim=1))
        d2 = self.dec2(torch.cat([self.up2(d3), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)


def unet():
    return UNet(), (1, 3, 64, 64)


class SelfAttention(nn.Module):
    """Multi-head attention written out, so both exporters emit plain MatMul/Softmax
    (nn.MultiheadAttention would take the fused fast path in eval mode)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        # Explicit sizes: Tensor.unflatten/flatten make the TorchScript exporter
        # compute the target shapes at run time (Shape, Slice, Concat).
        b, t, d = x.shape

        def split(y):  # (B, T, D) -> (B, H, T, D/H)
            return y.reshape(b, t, self.heads, self.head_dim).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = torch.matmul(q, k.transpose(-2, -1)) * self.head_dim ** -0.5
        y = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.out(y.transpose(1, 2).reshape(b, t, d))


class EncoderLayer(nn.Module):
    """Pre-norm transformer encoder layer (norm_first=True)."""

    def __init__(self, dim, heads, ffn):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.ffn = nn.Sequential(nn.Linear(dim, ffn), nn.GELU(), nn.Linear(ffn, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.ffn(self.norm2(x))


class TransformerClassifier(nn.Module):
    def __init__(self, dim=64, heads=4, ffn=128, layers=2, classes=5):
        super().__init__()
        self.layers = nn.Sequential(*[EncoderLayer(dim, heads, ffn) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, classes)

    def forward(self, x):  # x: (B, T, dim), batch_first
        return self.fc(self.norm(self.layers(x)).mean(dim=1))


def transformer():
    return TransformerClassifier(), (1, 16, 64)


class GRUClassifier(nn.Module):
    def __init__(self, features=16, hidden=32, layers=2, classes=5):
        super().__init__()
        self.gru = nn.GRU(features, hidden, num_layers=layers, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(out[:, -1, :])


def gru():
    return GRUClassifier(), (1, 20, 16)


def conv1d_bn_relu_pool(cin, cout, kernel, stride=1):
    return [nn.Conv1d(cin, cout, kernel, stride, bias=False), nn.BatchNorm1d(cout), nn.ReLU(),
            nn.MaxPool1d(4)]


def conv1d_audio():
    # M5-style raw-waveform classifier (Dai et al. 2017): 4000 samples -> 981
    # -> 245 -> 243 -> 60 -> 58 -> 14 -> 12 -> 3 -> global average.
    layers = conv1d_bn_relu_pool(1, 16, 80, 4)
    for cin, cout in ((16, 32), (32, 32), (32, 64)):
        layers += conv1d_bn_relu_pool(cin, cout, 3)
    layers += [nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers), (1, 1, 4000)


MODELS = [dscnn, mobilenetv1, resnet8, autoencoder, lenet5, lstm,
          mobilenetv2, effnet_block, unet, transformer, gru, conv1d_audio]


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
