"""Tests of the five category plugins, driven by the tables beside them."""
