"""The shaping loop compiled with mypyc, and the choice between it and the pure-Python source.

``python -m gateway.shaping_native`` (run by ``make install``) compiles :mod:`gateway.shaping_run`
with mypyc into the extension ``gateway._shaping_native`` next to it (not committed: it is built
on each machine, in seconds). The copy that is compiled carries the SHA-256 of the source it was
compiled from, and the compiled build is used only while that is still the source on disk, so an
edited ``shaping_run.py`` never runs as a stale extension: until it is rebuilt, the pure-Python
module runs. Without the extension (no C compiler, an image built without the dev tools) the
pure-Python module runs too: same source, same behaviour, slower. ``RENLING_SHAPING=pure`` (or
``compiled``) chooses one explicitly; ``compiled`` refuses to start without a current build.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from gateway import shaping_run

__all__ = ["COMPILED_NAME", "build", "compiled", "implementations", "main", "selected", "source_digest"]

SOURCE = Path(__file__).with_name("shaping_run.py")
COMPILED_NAME = "gateway._shaping_native"
_DIGEST_LINE = 'SOURCE_DIGEST: Final = "{}"\n'


def source_digest() -> str:
    """SHA-256 of ``shaping_run.py`` as it is on disk now."""
    return hashlib.sha256(SOURCE.read_bytes()).hexdigest()


def compiled() -> ModuleType | None:
    """The compiled build, if it was built from the source on disk; else None."""
    try:
        module = importlib.import_module(COMPILED_NAME)
    except ImportError:
        return None
    if getattr(module, "SOURCE_DIGEST", None) != source_digest() or (module.__file__ or "").endswith(".py"):
        return None
    return module


def implementations() -> dict[str, ModuleType]:
    """``{"pure": …, "compiled": …}``, the compiled one only when it is built and current."""
    found = {"pure": shaping_run}
    native = compiled()
    if native is not None:
        found["compiled"] = native
    return found


def selected() -> ModuleType:
    """The build the gateway runs: ``RENLING_SHAPING`` (``pure``, ``compiled``), else the compiled one when current."""
    choice = os.environ.get("RENLING_SHAPING", "")
    available = implementations()
    if choice == "pure":
        return shaping_run
    if choice == "compiled":
        if "compiled" not in available:
            raise RuntimeError("RENLING_SHAPING=compiled, but gateway._shaping_native is not built from this source: run make install")
        return available["compiled"]
    return available.get("compiled", shaping_run)


def build(*, force: bool = False) -> bool:
    """Compile ``shaping_run.py`` into ``gateway/_shaping_native*.so`` unless a current build is there; True when it built."""
    if not force and compiled() is not None:
        return False
    from mypyc.build import mypycify
    from setuptools import setup

    digest = source_digest()
    target = SOURCE.parent
    with tempfile.TemporaryDirectory(prefix="renling-mypyc-") as folder:
        work = Path(folder)
        package = work / "gateway"
        package.mkdir()
        (package / "__init__.py").write_text("", encoding="utf-8")
        text = SOURCE.read_text(encoding="utf-8")
        (package / "_shaping_native.py").write_text(text + "\n\n" + _DIGEST_LINE.format(digest), encoding="utf-8")
        here = Path.cwd()
        os.chdir(work)
        try:
            modules = mypycify(["--config-file=", "gateway/_shaping_native.py"], opt_level="3")
            setup(
                name="renling-shaping-native",
                ext_modules=modules,
                script_args=["--quiet", "build_ext", "--inplace", "--build-temp", str(work / "temp")],
            )
        finally:
            os.chdir(here)
        built = sorted(package.glob("_shaping_native*.so"))
        if not built:
            raise RuntimeError("mypyc built no extension")
        for old in target.glob("_shaping_native*.so"):
            old.unlink()
        for extension in built:
            shutil.copy2(extension, target / extension.name)
    importlib.invalidate_caches()
    return True


def main() -> None:
    """``python -m gateway.shaping_native [--force] [--strict]``: build the compiled shaping loop if it is missing or stale.

    A failed build (no C compiler, say) is reported and leaves the pure-Python loop in use, so that
    ``make up`` works anywhere; ``--strict`` makes it fail instead. The tests of the compiled build
    fail without it, and say how to build it.
    """
    arguments = sys.argv[1:]
    try:
        built = build(force="--force" in arguments)
    except (Exception, SystemExit) as error:  # setuptools exits on a compiler error
        if "--strict" in arguments:
            raise
        print(f"gateway: could not compile {SOURCE.name} with mypyc ({error!r}); the pure-Python shaping loop will run", file=sys.stderr)
        return
    print(f"gateway: compiled {SOURCE.name} with mypyc into {COMPILED_NAME}" if built else f"gateway: {COMPILED_NAME} is current")


if __name__ == "__main__":
    main()
