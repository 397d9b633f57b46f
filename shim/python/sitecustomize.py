# nodice's Python start-up hook (docs/gpu.md, shim/process/knobs.c).
#
# nodice puts this directory first on PYTHONPATH for the programs it runs,
# so Python's site module imports this file as `sitecustomize`. It:
#   1. takes its directory back off sys.path, so the program sees the path
#      it would see without nodice;
#   2. watches for the program's own `import torch` (it never imports torch
#      itself) and, once torch has loaded, turns PyTorch's determinism
#      switches on: torch.use_deterministic_algorithms(True, warn_only=...)
#      (warn_only=False under --framework-knobs strict), and
#      torch.backends.cudnn.deterministic = True, .benchmark = False;
#   3. hands over to the sitecustomize it shadows (Debian's, a virtualenv's),
#      which ends up in sys.modules exactly as without nodice.
# It uses only modules Python has loaded before site runs (sys, os).
import os
import sys

_KNOB_PATH = "/.nodice-knob/"


def _nodice_report(name, value):
    # The shim logs a stat of this path (no such file exists) as a knob.
    try:
        os.stat(_KNOB_PATH + name + "=" + value)
    except (OSError, ValueError):
        pass


def _nodice_switch(torch):
    strict = os.environ.get("NODICE_FRAMEWORK_KNOBS") == "strict"
    try:
        if strict:
            torch.use_deterministic_algorithms(True)
        else:
            torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    except Exception as e:  # a torch without warn_only (before 1.11), or a broken one
        _nodice_report("torch", "not turned on: %s: %s" % (type(e).__name__, e))
        return
    _nodice_report("torch", "use_deterministic_algorithms(True, warn_only=%s); "
                   "cudnn.deterministic=True; cudnn.benchmark=False" % (not strict))


class _NodiceTorchWatch:
    """A meta path finder that finds nothing itself: it wraps the loader
    the other finders give for `torch`, and steps aside after that."""

    def find_spec(self, name, path=None, target=None):
        if name != "torch":
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if find is not None:
                spec = find(name, path, target)
                if spec is not None:
                    break
        loader = getattr(spec, "loader", None)
        run = getattr(loader, "exec_module", None)
        if run is None:
            return spec

        def exec_module(module):
            run(module)
            _nodice_switch(module)

        loader.exec_module = exec_module
        return spec

    def invalidate_caches(self):
        pass


def _nodice_install():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    sys.path_importer_cache.pop(here, None)
    if "torch" in sys.modules:
        _nodice_switch(sys.modules["torch"])
    else:
        sys.meta_path.insert(0, _NodiceTorchWatch())


_nodice_install()

# Hand over to the sitecustomize this one shadows.
_nodice_self = sys.modules.pop(__name__, None)
try:
    import sitecustomize  # noqa: F401  (the next one on sys.path)
except ImportError as e:
    if getattr(e, "name", None) != __name__:
        raise
    sys.modules[__name__] = _nodice_self  # site expects a module under this name
