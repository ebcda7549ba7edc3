"""Output types of the ops ONNX shape inference leaves untyped (ai.onnx.ml, com.microsoft).

Each op module registers a type rule in the op table (ir.optable.type_rule). Between
rounds of ONNX inference this step applies the rules whose inputs are all typed and
records the outputs' types in value_info, so the next round carries them on to the
nodes after.
"""
from __future__ import annotations

from onnx import ModelProto, helper

from ..errors import CompileError
from ..ir.optable import type_rule_for
from .importer import constant_value, is_static, node_from_proto, opset_versions, value_of


def apply_type_rules(m: ModelProto) -> bool:
    """Type every output a rule can type; whether any was typed."""
    g = m.graph
    typed = {vi.name: vi for vi in list(g.input) + list(g.output) + list(g.value_info)
             if is_static(vi)}
    consts = {t.name: t for t in g.initializer}
    opsets, used_names, changed = opset_versions(m), set(), False
    for idx, n in enumerate(g.node):
        rule = type_rule_for("" if n.domain == "ai.onnx" else n.domain, n.op_type)
        if rule is None or all(not o or o in typed or o in consts for o in n.output):
            continue
        if any(i and i not in typed and i not in consts for i in n.input):
            continue        # a later round, once its inputs are typed
        inputs = [None if not i else constant_value(consts[i]) if i in consts
                  else value_of(typed[i], "value") for i in n.input]
        node = node_from_proto(n, opsets, idx, used_names)
        try:
            types = list(rule(node, inputs))
        except CompileError as e:
            raise CompileError(str(e), node, reason=e.reason) from None
        found = {o: helper.make_tensor_value_info(o, int(t[0]), list(t[1]))
                 for o, t in zip(n.output, types) if o and t is not None and o not in typed}
        if found:       # replaces what the file declared, which was not static
            keep = [vi for vi in g.value_info if vi.name not in found]
            del g.value_info[:]
            g.value_info.extend(keep + list(found.values()))
            typed.update(found)
            changed = True
    return changed
