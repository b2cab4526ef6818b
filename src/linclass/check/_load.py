"""Finding the learner's function: ``FILE:FUNC`` targets and the signature it has."""

import importlib.util
import inspect
import sys
from pathlib import Path

from linclass._validation import fail

__all__ = ["SIGNATURES", "detect_signature", "load_function", "parse_target"]

#: The two signatures the checker accepts, as they read in the messages.
SIGNATURES = {
    "assignment": "f(W, X, y, reg) -> (loss, dW)",
    "scores": "f(scores, y) -> (loss, dscores)",
}


def parse_target(text):
    """Split ``"path/to/file.py:function"`` into ``(Path, "function")``; the file must exist.

    The last colon separates the two (a Windows drive letter may hold another).
    """
    path, sep, name = str(text).rpartition(":")
    if not sep or not path or not name.isidentifier():
        raise fail("the target", "FILE:FUNC, a Python file and a function in it",
                   repr(text), "Example: my_code.py:svm_loss_naive")
    path = Path(path)
    if not path.is_file():
        raise fail("FILE", "an existing Python file", repr(str(path)),
                   "Check the path (relative to the current directory).")
    return path, name


def load_function(path, name):
    """Import ``path`` as a module (this runs its code) and return its function ``name``.

    The file's folder is on ``sys.path`` while it is imported, so that modules next to it
    import as they would with ``python FILE``. A missing function raises ``ValueError``
    listing the functions the file has; an error while running the file raises
    ``ImportError`` with its one-line cause.
    """
    path = Path(path).resolve()
    spec = importlib.util.spec_from_file_location(f"linclass_check_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise ImportError(f"running {path.name} raised {type(error).__name__}: {error}"
                          f"{_import_fix(error)}") from error
    finally:
        sys.path.remove(str(path.parent))
    func = getattr(module, name, None)
    if not callable(func):
        found = sorted(k for k, v in vars(module).items()
                       if inspect.isfunction(v) and v.__module__ == module.__name__)
        raise fail("FUNC", f"a function defined in {path.name}", repr(name),
                   f"It defines: {', '.join(found) or 'no functions'}.")
    return func


def _import_fix(error):
    if isinstance(error, ModuleNotFoundError) and error.name == "past":
        return (" (the assignment's files import past.builtins from the 'future' package: "
                "pip install future, or delete that import)")
    return ""


def detect_signature(func):
    """``"assignment"``, ``"scores"`` or None (undecided) from ``func``'s parameters.

    A function whose positional parameters admit exactly one of 4 or 2 arguments is that
    signature; otherwise the first parameter's name decides (``W`` or ``scores``).
    """
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    most = float("inf") if any(p.kind == p.VAR_POSITIONAL for p in params) else len(positional)
    takes = {n for n in (2, 4) if required <= n <= most}
    if takes == {4}:
        return "assignment"
    if takes == {2}:
        return "scores"
    first = positional[0].name.lower() if positional else ""
    return {"w": "assignment", "scores": "scores", "s": "scores"}.get(first)
