#!/usr/bin/env bash
# Train the reader on the accelerator machine (device tool): three recipes side by side on one GPU, each writing
# its card (scores) and log; the LoRA ones also their adapters. Needs .carry/base (m3e-small in fp16, made by
# scripts/carry_base.py) and build/domain.jsonl.gz (qa train-reader prepares it) carried along.
# Usage there: OUT=<folder> bash scripts/train_on_device.sh [extra qa train-reader flags, e.g. --quick]
set -uo pipefail
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:?set OUT}
PY=${PY:-python3}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || true
$PY -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"
run() {
  name=$1; shift
  OMP_NUM_THREADS=4 timeout "${LIMIT:-430}" $PY -m qa.cli train-reader --base .carry/base --domain build/domain.jsonl.gz --out "$OUT/$name" "$@" > "$OUT/$name.log" 2>&1
  echo "$name exit $?" >> "$OUT/status.txt"
}
run lora --lora-rank 32 --open-lr 1e-3 --domain-lr 3e-4 "$@" &
run lora_low --lora-rank 32 --open-lr 5e-4 --domain-lr 2e-4 "$@" &
run full --lora-rank 0 --open-lr 2e-4 --domain-lr 5e-5 --no-weights "$@" &
wait
cat "$OUT/status.txt"
for name in lora lora_low full; do echo "== $name"; grep -v "Loading weights" "$OUT/$name.log" | tail -12; done
# what comes back: at most 8 files, two folders deep
cd "$OUT" && tar czf reader_runs.tgz lora lora_low full ./*.log && rm -rf lora lora_low full
ls -la "$OUT"
