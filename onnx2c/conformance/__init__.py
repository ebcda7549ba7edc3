"""The ONNX backend conformance suites, compiled to C and checked against stored outputs."""
