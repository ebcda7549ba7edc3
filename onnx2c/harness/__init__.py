"""Build generated C on the host with cffi and run it next to onnxruntime."""
from .build import HostModel, build_host, to_storage, from_storage

__all__ = ["HostModel", "build_host", "to_storage", "from_storage"]
