"""Write m3e-small's encoder in fp16 (48 MB) with its tokenizer into .carry/base, to train on the device machine.

    .venv/bin/python scripts/carry_base.py          # then: carry [".carry", "build"] to the device tool

The reader's adapters record a fingerprint of the base weights rounded to fp16, so adapters trained from this copy
load onto the fp32 weights of the installed wheel.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    import torch
    from safetensors.torch import save_file

    from qa.index.embedding import resolve_model

    source = Path(resolve_model("m3e-small"))
    target = ROOT / ".carry" / "base"
    target.mkdir(parents=True, exist_ok=True)
    state = torch.load(source / "pytorch_model.bin", map_location="cpu")
    save_file({k: v.to(torch.float16).contiguous() if v.is_floating_point() else v.contiguous() for k, v in state.items()},
              str(target / "model.safetensors"), metadata={"format": "pt"})
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(source / name, target / name)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
