"""Install footprint: retinue-openai versus autogen-ext[openai], each in a fresh venv.

    python bench/footprint.py            # both
    python bench/footprint.py --only retinue-openai

Prints one JSON line per framework: installed size of site-packages (bytes and MB),
the number of distributions installed, and the cold import time of the client
package (median of 5 fresh interpreters) with whether it pulled in the ``openai`` SDK.
Needs ``uv`` and access to PyPI (for the SDK and AutoGen).  The retinue packages
are installed from this checkout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

FRAMEWORKS = {
    "retinue-openai": {
        "install": [str(REPO / "kernel"), str(REPO / "plugins" / "openai")],
        "import": "retinue_openai",
    },
    "autogen-ext[openai]": {
        "install": ["autogen-ext[openai]==0.7.5"],
        "import": "autogen_ext.models.openai",
    },
}


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def _site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(_run(str(python), "-c", code).strip())


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _import_time(python: Path, module: str) -> tuple[float, bool]:
    code = (
        "import sys, time; t = time.perf_counter(); import " + module + "; "
        "print(time.perf_counter() - t, 'openai' in sys.modules)"
    )
    runs = []
    pulled_sdk = False
    for _ in range(5):
        seconds, sdk = _run(str(python), "-c", code).split()
        runs.append(float(seconds))
        pulled_sdk = sdk == "True"
    return statistics.median(runs), pulled_sdk


def measure(name: str) -> dict[str, object]:
    spec = FRAMEWORKS[name]
    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp:
        venv = Path(tmp) / "venv"
        _run("uv", "venv", "--quiet", "--python", sys.executable, str(venv))
        python = venv / "bin" / "python"
        _run("uv", "pip", "install", "--quiet", "--python", str(python), *spec["install"])
        listed = json.loads(_run("uv", "pip", "list", "--python", str(python), "--format", "json"))
        size = _size(_site_packages(python))
        seconds, pulled_sdk = _import_time(python, str(spec["import"]))
    return {
        "framework": name,
        "distributions": len(listed),
        "installed_bytes": size,
        "installed_mb": round(size / 1_000_000, 1),
        "import": spec["import"],
        "cold_import_s": round(seconds, 3),
        "import_loads_openai_sdk": pulled_sdk,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(FRAMEWORKS), action="append")
    args = parser.parse_args()
    for name in args.only or FRAMEWORKS:
        print(json.dumps(measure(name)), flush=True)


if __name__ == "__main__":
    main()
