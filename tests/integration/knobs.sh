#!/bin/bash
# The frameworks' determinism knobs from outside (issue 20, docs/gpu.md,
# shim/process/knobs.c, shim/python/sitecustomize.py): set under nodice run
# and the library alone, values the user set kept, --framework-knobs off
# leaves everything alone; PyTorch's switches on in a CPU-only torch program
# without a code change (-c, -m, a script, a virtualenv, a spawn child,
# torchrun ranks), a nondeterministic op warns (on) or raises (strict), the
# program's sys.path and sitecustomize as natively, a training script's
# checkpoint unchanged by the switches; inspect reports set and kept knobs.
# Usage: knobs.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"

fx="$fixtures/python/knobs.py"
expect() { # FILE LINE MESSAGE
	grep -qxF -- "$2" "$1" && ok || bad "$3: no line '$2' in: $(head -c 1500 "$1")"
}

# Native first: the knobs are not there, the switches off.
timeout 120 $py "$fx" op >native 2>>err
expect native "CUBLAS_WORKSPACE_CONFIG=None" "native run"
expect native "switches False False False" "native run"

# nodice run: every knob set, the switches on, a nondeterministic op warns.
timeout 120 "$nodice" run --seed 5 -- $py "$fx" op child >on 2>>err
for line in CUBLAS_WORKSPACE_CONFIG=:4096:8 TF_DETERMINISTIC_OPS=1 TF_CUDNN_DETERMINISTIC=1 NCCL_ALGO=Ring \
	NCCL_PROTO=Simple NCCL_NVLS_ENABLE=0 OMP_DYNAMIC=FALSE MKL_DYNAMIC=FALSE \
	"switches True True False" "op ran [True]" "child switches True True False"; do
	expect on "$line" "knobs on"
done
grep -qE '^PYTHONHASHSEED=[1-9][0-9]*$' on && grep -qE '^PL_GLOBAL_SEED=[0-9]+$' on && ok ||
	bad "seeded knobs missing: $(head -6 on)"
# what Python shows of its start-up is as natively
for key in "path " "sitecustomize " "torch imported"; do
	[ "$(grep "^$key" native)" = "$(grep "^$key" on)" ] && ok ||
		bad "'$key' differs from native: $(grep "^$key" native) / $(grep "^$key" on)"
done
# the seeded knobs move with the seed
timeout 120 "$nodice" run --seed 6 -- $py "$fx" >seed6 2>>err
[ "$(grep ^PYTHONHASHSEED= on)" != "$(grep ^PYTHONHASHSEED= seed6)" ] && ok ||
	bad "PYTHONHASHSEED does not move with the seed"

# strict: the op raises.
timeout 120 "$nodice" run --framework-knobs strict -- $py "$fx" op >strict 2>>err
expect strict "op raised True" "strict"

# The user's values are kept.
CUBLAS_WORKSPACE_CONFIG=:16:8 PYTHONHASHSEED=5 NCCL_ALGO=Tree timeout 120 "$nodice" run -- $py "$fx" >user 2>>err
expect user "CUBLAS_WORKSPACE_CONFIG=:16:8" "user value"
expect user "PYTHONHASHSEED=5" "user value"
expect user "NCCL_ALGO=Tree" "user value"
expect user "TF_DETERMINISTIC_OPS=1" "user values beside"

# off: nothing set, no hook, the switches as natively.
timeout 120 "$nodice" run --framework-knobs off -- $py "$fx" op >off 2>>err
for line in CUBLAS_WORKSPACE_CONFIG=None PYTHONHASHSEED=None NCCL_ALGO=None MKL_DYNAMIC=None \
	"switches False False False" "op ran []"; do
	expect off "$line" "knobs off"
done

# The library alone, and NODICE_FRAMEWORK_KNOBS=off there.
timeout 120 env LD_PRELOAD="$lib" NODICE_SEED=5 $py "$fx" >alone 2>>err
expect alone "switches True True False" "library alone"
expect alone "TF_CUDNN_DETERMINISTIC=1" "library alone"
timeout 120 env LD_PRELOAD="$lib" NODICE_FRAMEWORK_KNOBS=off $py "$fx" >alone_off 2>>err
expect alone_off "switches False False False" "library alone, off"
LD_PRELOAD="$lib" NODICE_FRAMEWORK_KNOBS=sometimes /bin/true 2>bad_value
[ $? = 125 ] && grep -q 'NODICE_FRAMEWORK_KNOBS="sometimes"' bad_value && ok ||
	bad "a bad NODICE_FRAMEWORK_KNOBS is not refused: $(cat bad_value)"

# python -m, and a virtualenv that sees the system's packages.
mkdir mod && cp "$fx" mod/knobs_mod.py
(cd mod && timeout 120 "$nodice" run -- $py -m knobs_mod) >as_module 2>>err
expect as_module "switches True True False" "python -m"
if $py -m venv --without-pip --system-site-packages venv 2>>err; then
	timeout 120 "$nodice" run -- venv/bin/python "$fx" >venv.out 2>>err
	expect venv.out "switches True True False" "virtualenv"
else
	bad "cannot make a virtualenv: $(tail -2 err)"
fi

# torchrun: each rank has the switches (Debian's torch 1.13 on Python 3.11
# needs --redirects/--tee other than 0, a bug of its own).
# One write per line: torchrun's tee reads the ranks' files while they are
# written, and splits a line printed in pieces (natively too).
cat >rank.py <<'PY'
import os, sys, torch
sys.stdout.write(f"rank {os.environ['RANK']} {torch.are_deterministic_algorithms_enabled()}\n")
PY
timeout 300 "$nodice" run -- /usr/bin/torchrun --standalone --nproc_per_node=2 --redirects 1 --tee 1 rank.py \
	>torchrun.out 2>>err
for r in 0 1; do
	grep -q "rank $r True" torchrun.out && ok || bad "torchrun rank $r: $(tail -5 torchrun.out)"
done

# A CPU training script's checkpoint is what the switches leave it: the
# same with the knobs on and off (both under nodice, one seed).
timeout 300 "$nodice" run --seed 2 -- $py "$fixtures/python/train_torch.py" >train.on 2>>err
timeout 300 "$nodice" run --seed 2 --framework-knobs off -- $py "$fixtures/python/train_torch.py" >train.off 2>>err
[ -s train.on ] && cmp -s train.on train.off && ok ||
	bad "the knobs changed a CPU training script's result: $(cat train.on train.off)"

# inspect: what was set, what the user kept, and the hook's report.
PYTHONHASHSEED=9 timeout 120 "$nodice" inspect --json report.json -- $py "$fx" >report.txt 2>>err
$py - report.json <<'PY' && ok || bad "inspect --json does not report the knobs: $(grep -o '"knobs".*' report.json | head -c 800)"
import json, sys
k = {(e["name"], e["set_by"]): e["value"] for e in json.load(open(sys.argv[1]))["knobs"]}
assert k[("PYTHONHASHSEED", "user")] == "9", k
assert k[("CUBLAS_WORKSPACE_CONFIG", "nodice")] == ":4096:8", k
assert "use_deterministic_algorithms(True, warn_only=True)" in k[("torch", "nodice")], k
assert ("python-hook", "nodice") in k, k
PY
grep -qE '^  PYTHONHASHSEED +kept +9$' report.txt && grep -qE '^  NCCL_ALGO +set +Ring$' report.txt && ok ||
	bad "the human report does not list the knobs: $(grep -A14 'Framework knobs' report.txt)"

finish knobs
