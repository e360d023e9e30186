"""The built-in talent categories, one self-contained plugin package per tab (A–E)."""
