"""C code generation: the Jinja environment, C names and literals, NAME.h / NAME.c."""
