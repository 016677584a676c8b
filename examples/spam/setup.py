"""examples/spam/setup.py - build the spam example: python3 setup.py build_ext --inplace"""
from setuptools import Extension, setup

setup(
    name="spam",
    version="0.1.0",
    description="Text buffers: an example extension for pymem-lint (planted bugs)",
    ext_modules=[Extension("spam", sources=["spam.c", "textutil.c"])],
)
