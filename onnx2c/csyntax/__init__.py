"""C syntax that Python must produce, in one place for lowering and emission alike: C
expressions for loads, stores and math functions of every dtype (cexpr), literals and
constant arrays (literals), identifiers made from ONNX names (cnames), and element
offsets over a template's loop variables (index)."""
