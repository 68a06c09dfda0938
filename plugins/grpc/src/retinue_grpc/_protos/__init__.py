"""Code generated from AutoGen's ``agent_worker.proto`` and ``cloudevent.proto`` (see them).

Regenerate with ``python -m grpc_tools.protoc -I. --python_out=. --pyi_out=.
--grpc_python_out=. agent_worker.proto cloudevent.proto`` in this folder, then make the
generated cross-module imports relative (``from . import ...``).
"""
