"""The serving shell: the JSON API under /api and the Gradio chat at /, in one FastAPI app (``main.create_app``); every
answer comes from ``qa.answering.pipeline.QA``. Nothing here retrieves or extracts."""
import os
import tempfile
from pathlib import Path

# Before Gradio is imported by any module here: nothing may be fetched at run time (no analytics, no model hub).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Gradio's own temp folder, private to this app (it would otherwise share /tmp/gradio with every Gradio app on the
# machine); emptied at each start (``main.create_app``), since no route here writes to it.
GRADIO_TEMP = Path(tempfile.gettempdir()) / f"reportqa-gradio-{os.getuid() if hasattr(os, 'getuid') else 0}"
os.environ.setdefault("GRADIO_TEMP_DIR", str(GRADIO_TEMP))
