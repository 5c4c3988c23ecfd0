"""The performance benchmark of poetry-codeartifact (``python3 benchmarks/run.py``, or
``python -m benchmarks.run`` from the repository root); not part of the tests."""
