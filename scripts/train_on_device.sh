#!/usr/bin/env bash
# Train the reader on the accelerator machine (device tool). Carry .carry (m3e-small in fp16: scripts/carry_base.py)
# and build (build/domain.jsonl.gz: the domain windows, written by `qa train-reader` or qa/training/reader_data.py) along.
#
#   OUT=<folder> bash scripts/train_on_device.sh                 # the shipped recipe (LoRA r=32, lr 1e-3 then 3e-4)
#   OUT=<folder> RECIPES="lora lora_low full" bash scripts/train_on_device.sh   # the comparison, side by side on one GPU
#
# Each recipe writes its card and log; LoRA recipes their adapters too, packed one archive per recipe (a file
# coming back from the device may not exceed 16 MiB). LIMIT bounds each run in seconds.
set -uo pipefail
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:?set OUT}
PY=${PY:-python3}
RECIPES=${RECIPES:-lora}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || true
$PY -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"
flags() {
  case $1 in
    lora) echo --lora-rank 32 --open-lr 1e-3 --domain-lr 3e-4 ;;
    lora_low) echo --lora-rank 32 --open-lr 5e-4 --domain-lr 2e-4 ;;
    full) echo --lora-rank 0 --open-lr 2e-4 --domain-lr 5e-5 --no-weights ;;
  esac
}
for name in $RECIPES; do
  (OMP_NUM_THREADS=4 timeout "${LIMIT:-430}" $PY -m qa.cli train-reader --base .carry/base --domain build/domain.jsonl.gz \
     --out "$OUT/$name" $(flags "$name") "$@" > "$OUT/$name.log" 2>&1; echo "$name exit $?" >> "$OUT/status.txt") &
done
wait
cat "$OUT/status.txt"
cd "$OUT" || exit 1
for name in $RECIPES; do
  grep -v "Loading weights" "$name.log" | grep -v "  step" | tail -12
  tar czf "$name.tgz" "$name" && rm -rf "$name"
done
ls -la
