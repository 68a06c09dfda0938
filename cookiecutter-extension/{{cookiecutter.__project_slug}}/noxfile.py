"""Test {{ cookiecutter.__distribution }} on every supported Python, at both ends of its kernel range.

    uvx nox                      # everything
    uvx nox -s "tests-3.12(kernel='lowest-direct')"
"""

import nox

nox.options.default_venv_backend = "uv"

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
@nox.parametrize("kernel", ["lowest-direct", "highest"])
def tests(session: nox.Session, kernel: str) -> None:
    """Run the test suite; ``lowest-direct`` installs the oldest kernel the range allows."""
    session.install("-e", ".[test]", f"--resolution={kernel}")
    session.run("pytest", *session.posargs)
